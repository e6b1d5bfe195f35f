// Package pool runs tasks on a bounded, elastic set of worker goroutines fed
// from a bounded queue, for a program that lives long, such as a server.
//
//	p := pool.New(ctx, 8)
//	f := pool.Submit(p, func(ctx context.Context) (int, error) { return 42, nil })
//	p.Go(func(ctx context.Context) error { return nil })
//	v, err := f.Wait()  // the task's result
//	err = p.Close()     // waits for the rest; the errors of Go's tasks
//
// # Workers and queue
//
// At most the bound given to [New] (or [Pool.Resize]) of task functions run
// at once. Workers start as tasks come and leave once idle for
// [IdleTimeout]; none is left when [Pool.Close] returns, which must be
// called. While a worker handed a task has not yet started, the next tasks
// queue behind it, and it passes them on as it starts. Beyond the running
// tasks, [QueueSize] tasks may wait. Submit, Go and [Group.Go] block while
// the queue is full; the Try forms report false. Groups are served in
// turns; a key's tasks ([SubmitKey]) run in order.
//
// # Cancellation
//
// The context given to New is the pool's lifetime. When it ends, running
// tasks see their ctx canceled, queued and later tasks never run, and their
// errors wrap [ErrPoolEnded]. [SubmitContext], [Pool.GoContext] and
// [NewGroup] add the caller's context: a task whose ctx ends before it
// starts never runs. Close drains instead: it refuses new tasks with
// [ErrClosed] and waits for the rest. To stop now, cancel, then Close.
//
// # Panics and Goexit
//
// A task's panic is recovered and becomes its error, a
// [*errgroupx.PanicError] with the stack where it happened; [Group.Wait]
// re-raises it, as errgroupx does. A task that calls [runtime.Goexit] fails
// with [errgroupx.ErrGoexit]; its goroutine is replaced.
//
// # Nested work
//
// A task may add tasks to its own pool and wait for them, itself or through
// goroutines it hands its ctx to (mapx's, an errgroupx group's, its own):
//
//   - What a task adds never blocks on the full queue: it is the task's
//     child, and waits beyond QueueSize.
//   - While a task waits in one of fanout's waits ([Future.Wait],
//     [Future.WaitContext], [Group.Wait], a mapx call, an errgroupx group's
//     Wait), it lends its worker, which runs the tasks it, or a goroutine
//     that carries its ctx, waits for. So no more task functions run than
//     the bound, not counting those waiting so, and nothing waits for a task
//     that no worker will run.
//
// A task that waits elsewhere (a channel, a sync.WaitGroup) keeps its
// worker. [Pool.Wait] and Close panic in a task: they would wait for it.
//
// # Costs
//
// Submit allocates one [Future]; Go nothing. On 2 cores a tiny task costs
// about 320 ns from Submit to its Future's Wait, 210 ns with Go; a worker
// starts in about 3 µs; New and Close of an unused pool take 4 µs.
package pool
