// Package pool is a long-lived set of workers fed from a bounded queue: the
// Go answer to the classic thread pool. Adding a task blocks while the queue
// is full, [Pool.Wait] waits for the work added so far, and canceling the
// pool's context (Ctrl-C through [signal.NotifyContext], a deadline) stops
// everything at once, without losing a task or its error.
//
//	p := pool.New(ctx, 8)
//	f := pool.Submit(p, func(ctx context.Context) (int, error) { return 42, nil })
//	p.Go(func(ctx context.Context) error { return nil })
//	v, err := f.Wait()  // the task's result
//	err = p.Close()     // waits for the rest; the errors of Go's tasks
//
// # Limits
//
// [New] starts a fixed number of workers; at most that many tasks run at
// once. The workers live until [Pool.Close], which must be called. Beyond the
// running tasks, [QueueSize] tasks may wait in the queue (by default, as many
// as there are workers).
//
// # Backpressure
//
// [Submit], [SubmitContext], [Pool.Go], [Pool.GoContext] and [Group.Go]
// block while the queue is full and return once the task is queued or handed
// to an idle worker; a task of the pool's never blocks (see Nested work).
// Blocked submitters get room in the order they came. [TrySubmit],
// [TrySubmitContext], [Pool.TryGo] and [Group.TryGo] never block: they report
// false instead. With QueueSize(0) no task waits: Submit blocks until a
// worker is free to take it.
//
// # Cancellation
//
// The context given to New is the pool's lifetime and every task's ctx. When
// it ends, running tasks see their ctx canceled; queued tasks never start and
// their Futures fail promptly, even while every worker is busy; submitters
// blocked on the full queue return; and later calls return a Future that has
// already failed, without blocking. Tasks that never ran are counted in
// [Stats] as Skipped, and the next [Pool.Wait] reports the end, once.
//
// [SubmitContext] adds the caller's own context, for a caller that may go
// away (a request handler whose client left): when it ends, the task gives up
// waiting for room, never starts if it is queued, or sees its ctx canceled if
// it runs. [Future.WaitContext] gives up waiting without touching the task.
//
// The error of a task that never ran says whose context ended, the pool's
// or the caller's (given to SubmitContext, GoContext or NewGroup), and wraps
// that context's error and cause: [errors.Is] finds [context.Canceled] or
// [context.DeadlineExceeded] in it.
//
// # Close versus cancel
//
// [Pool.Close] drains: it refuses new tasks with [ErrClosed] (a Submit still
// blocked on the full queue too), lets every queued and running task finish
// with its ctx intact (and add the children it needs; see below), ends the
// workers, and returns what Wait returns.
// Canceling the pool's context stops now: it skips what is queued and cancels
// what runs. To stop now and release the workers, cancel, then Close.
//
// # Panics
//
// A panic in a task is recovered on the worker, which goes on serving. The
// task's [Future.Wait] returns a [*errgroupx.PanicError] holding the panic's
// value and the stack where it happened; for a task added with Go, the next
// Wait's error holds it. Unlike errgroupx, the pool does not re-raise the
// panic: it is the task's result, delivered to whoever waits for it.
//
// # Goexit
//
// A task that calls [runtime.Goexit] (t.FailNow from inside a task does)
// takes its worker's goroutine with it. The pool counts the task as failed,
// completes its Future with [errgroupx.ErrGoexit] (or gives that to Wait, for
// Go) and starts a new goroutine in the worker's place, so the pool keeps its
// size and no task is lost. A panic that a deferred call raises while the
// task unwinds from Goexit outranks it: the task fails with the
// [*errgroupx.PanicError].
//
// # Profiler labels
//
// The workers carry the pprof labels of the pool's context, not those of the
// goroutine that called New. A task added with SubmitContext, GoContext or a
// Group runs with the labels of its ctx; a task of Submit or Go with those of
// the pool's context.
// Labels that a task sets on its goroutine go when it returns. A task that
// runs another inline (see Nested work) carries, afterwards, the labels of
// the ctx it passed: pass the ctx that pprof.Do gives.
//
// # Nested work
//
// A task may add tasks to its own pool and wait for them, hand its ctx to
// goroutines that do (mapx's, an errgroupx group's, its own), or run a
// [Group] of them. The pool knows such calls by the ctx, which carries the
// worker the task runs on, and keeps two promises whatever the task does
// with its ctx:
//
//   - The bound holds: at no moment do more task functions run than there
//     are workers, leaving out a task while it is in one of fanout's calls
//     with its ctx ([SubmitContext], [Future.WaitContext], [Group.Wait], a
//     mapx call, the Wait of an errgroupx group made from its ctx). Such a
//     task lends its worker: it runs the task it waits for itself if that is
//     still queued, or one goroutine at a time that carries its ctx borrows
//     the worker to run a queued task of its own.
//   - Nothing deadlocks for want of room or of a worker: what a task or its
//     goroutines add with SubmitContext, GoContext or a Group never blocks.
//     When the queue is full, SubmitContext from the task's own goroutine
//     runs the child at once, as the call it waits for; anything else waits
//     beyond [QueueSize].
//
// The rule: a task that waits for work of its pool anywhere else (on a
// sync.WaitGroup, a channel, [Future.Wait]) keeps its worker busy, and if
// every worker's task does so, nothing runs what they wait for.
//
//	child := pool.SubmitContext(ctx, p, fn) // ctx: the task's own
//	v, err := child.WaitContext(ctx)
//
// Submit, Go and Future.Wait take no ctx, cannot tell a task from any other
// caller, and block as usual. [Pool.GoContext] adds a child that the task
// does not wait for: it outlives the task, and its error reaches
// [Pool.Wait]. While the pool is closing, a task that Close waits for may
// still add children with its ctx, as part of the work Close drains; other
// submissions are refused with ErrClosed. A task must never call Wait or
// Close of its own pool: they would wait for the task itself.
//
// # Counters
//
// [Pool.Stats] returns how many tasks were submitted, are queued or running,
// have completed (and of those, failed) or were skipped, and how many
// callers are blocked on the full queue. The counters move
// together, so Submitted = Queued + Running + Completed + Skipped holds in
// every snapshot, and they are current when Wait or Close returns.
//
// # Costs
//
// Submit allocates one [Future] per task; Go allocates nothing beyond the
// caller's function. Neither starts a goroutine, nor allocates to wait for
// room in the queue. Measured on 2 cores, a task that does nothing costs
// about 350 ns from Submit to the return of its Future's Wait, and 170 ns
// with Go; workers reading functions from a bare channel take about 240 ns
// and 115 ns for the same. Telling a task's goroutine from the others it
// hands its ctx to costs about 2 µs: once per worker, at its first task
// (a worker that never gets one never pays it), and each time a goroutine
// that carries a task's ctx blocks in a wait with it, or finds the queue
// full in SubmitContext.
//
// # Testing
//
// A Pool made inside a [testing/synctest] bubble works there like any other
// goroutines of the bubble, but must not be used from outside it, nor a Pool
// made outside from inside one: the runtime ends the program with a fatal
// error when a channel or WaitGroup crosses a bubble's border.
package pool
