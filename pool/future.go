package pool

import (
	"context"
	"sync"
	"sync/atomic"
)

// A Future is the pending result of a task added with [Submit],
// [TrySubmit] or [SubmitContext]. It completes exactly once: with what the
// task returned, with a [*errgroupx.PanicError] if the task panicked, with
// [errgroupx.ErrGoexit] if it called [runtime.Goexit] (test both with
// [errors.As] and [errors.Is]), or, for a task that never ran, with
// [ErrClosed] or an error that says which context ended and wraps its error.
//
// A Future is safe for concurrent use: any number of goroutines may wait on
// it, and each sees the same result. Futures are made by the pool; the zero
// Future is not usable, and a Future must not be copied.
type Future[R any] struct {
	s   taskState
	fn  func(ctx context.Context) (R, error)
	val R // written by the task's goroutine before s is settled
}

// Wait blocks until the task has completed and returns its result and error.
// Once Wait has returned, it returns the same at once. The return of the
// task's function synchronizes before the return of Wait: what the task
// wrote, Wait's caller sees.
func (f *Future[R]) Wait() (R, error) {
	// The WaitGroup orders the writes of val and err, made before
	// settled.Done, before this return.
	f.s.settled.Wait()
	return f.val, f.s.err
}

// TryWait is the non-blocking twin of [Future.Wait]: it reports whether the
// task has completed and, if it has, returns its result and error as Wait
// would, with the same ordering. When ok is false, v and err are zero.
// TryWait never allocates.
func (f *Future[R]) TryWait() (v R, ok bool, err error) {
	if !f.s.completed() {
		return v, false, nil
	}
	return f.val, true, f.s.err
}

// Done returns a channel that is closed when the task has completed, for use
// in a select statement. Every call returns the same channel. The first call
// on a Future that has not yet completed allocates the channel.
func (f *Future[R]) Done() <-chan struct{} {
	return f.s.doneChan()
}

// WaitContext is [Future.Wait] that gives up when ctx ends: it returns the
// task's result and error once the task has completed, or the zero R and
// ctx's error if ctx ends first. Giving up leaves the task alone: it still
// runs, or stays queued, and the Future still completes. To keep a task from
// running when the caller leaves, add it with [SubmitContext].
//
// A task that waits for a task of its own pool passes its own ctx, or one
// derived from it (see "Nested work" in the package documentation). Then, if
// the awaited task is still queued, WaitContext runs it on the calling
// goroutine: at once if that goroutine runs the task that waits, or else as
// soon as that task's worker is free to borrow. It does so only while ctx
// has not ended, and then returns when the awaited task does: a deadline or
// cancel of ctx that comes while it runs there is up to that task, which
// runs with its own ctx. While the task's own goroutine waits, it lends its
// worker to other work of the task, and takes it back before WaitContext
// returns, once that work has returned.
//
// WaitContext allocates the Future's Done channel if it must block. It panics
// if ctx is nil.
func (f *Future[R]) WaitContext(ctx context.Context) (R, error) {
	if ctx == nil {
		panic("pool: Future.WaitContext called with nil Context")
	}
	if f.s.completed() {
		return f.Wait()
	}
	if on := f.s.pool.slotOf(ctx); on != nil {
		if f.s.pool.waitNested(ctx, f, on, true) {
			return f.Wait()
		}
		var zero R
		return zero, ctx.Err()
	}
	select {
	case <-f.Done():
		return f.Wait()
	case <-ctx.Done():
		// Both may be ready at once, and select picks at random: a result
		// that is already there is worth more than ctx's error.
		if v, ok, err := f.TryWait(); ok {
			return v, err
		}
		var zero R
		return zero, ctx.Err()
	}
}

// newFuture returns a Future for fn, not yet completed. ctx is
// SubmitContext's, or nil.
func newFuture[R any](p *Pool, ctx context.Context, fn func(ctx context.Context) (R, error)) *Future[R] {
	f := &Future[R]{fn: fn}
	f.s.pool = p
	if ctx != nil {
		f.s.caller = &caller{ctx: ctx}
	}
	f.s.settled.Add(1)
	return f
}

// A task is what the queue holds: a *Future[R] for Submit, a goTask for Go.
type task interface {
	// call runs the task's function with ctx; a Future keeps the value.
	call(ctx context.Context) error
	// state returns the Future's state, or nil for a goTask.
	state() *taskState
}

func (f *Future[R]) call(ctx context.Context) error {
	v, err := f.fn(ctx)
	f.val = v
	return err
}

func (f *Future[R]) state() *taskState { return &f.s }

// goTask is a task of Pool.Go. A func is pointer-shaped, so a goTask fits in
// an interface without an allocation.
type goTask func(ctx context.Context) error

func (g goTask) call(ctx context.Context) error { return g(ctx) }
func (goTask) state() *taskState                { return nil }

// settle completes t with err and returns what Wait must report for it: the
// error of a task of Go or GoContext; nil for a Future, which keeps its
// error.
func settle(t task, err error) error {
	if s := t.state(); s != nil {
		s.settle(err)
		if !s.toWait {
			return nil
		}
	}
	return err
}

// closedChan is what taskState.done holds once a task has completed before any
// Done asked for a channel: a channel that is closed already, shared by every
// such Future, so that a Done called after completion allocates nothing.
var closedChan = func() *chan struct{} {
	c := make(chan struct{})
	close(c)
	return &c
}()

// taskState is the part of a Future that the pool works with, free of the
// Future's type parameter.
type taskState struct {
	err error // written before settle publishes it

	// settled counts 1 until the task completes. A WaitGroup rather than a
	// channel, because it costs no allocation and Wait parks on the runtime's
	// semaphore; Done's channel is made only for those who ask.
	settled sync.WaitGroup

	// done is nil until Done makes a channel or the task completes. A task
	// that completes with it nil sets it to closedChan; a channel Done made
	// stays, and is closed. It never changes once set, so every Done returns
	// the same channel.
	done atomic.Pointer[chan struct{}]

	// pool is the pool the task was submitted to, and caller what
	// SubmitContext adds (nil for Submit and TrySubmit). Both are set
	// before the task is submitted and never change.
	pool   *Pool
	caller *caller

	// queued is true while the task waits in the queue: a task in the ring
	// that is not queued any more was taken out (dropped, or claimed to run
	// inline) and is passed over by the worker that pops it. Guarded by the
	// pool's mu.
	queued bool
	// toWait is set for a task of GoContext, whose error goes to the pool's
	// Wait, as a Go task's does. Set before the task is submitted.
	toWait bool
}

// caller is what a task of SubmitContext carries besides a taskState. It is
// kept apart, at the cost of an allocation for SubmitContext, so that a
// Future of Submit takes 80 bytes, not 96: a sixth less for the allocator
// and the collector to handle per task (BenchmarkSubmit's B/op).
type caller struct {
	ctx context.Context // never changed
	// stop, when not nil, stops the AfterFunc that drops the task from the
	// queue when ctx ends. Guarded by the pool's mu.
	stop func() bool
	// group, for a task of a Group, is told when the task fails; the group
	// drops its queued tasks itself when ctx ends, and ctx ends with the
	// pool's already. Set before the task is submitted and never changed.
	group taskGroup
}

// taskGroup is what the pool knows of a Group: see caller.group.
type taskGroup interface {
	// failed is told that one of its tasks ran and failed with err: it
	// returned an error, panicked or called runtime.Goexit.
	failed(err error)
}

// callerCtx returns the ctx given to SubmitContext for the task, or nil. s
// may be nil: a Go task's.
func (s *taskState) callerCtx() context.Context {
	if c := s.callerOf(); c != nil {
		return c.ctx
	}
	return nil
}

// runsInline reports whether the task, added by a task of the pool that
// holds its worker, runs at once on that worker when the queue is full: a
// task of SubmitContext does, since its caller is about to wait for it. A
// child of GoContext, which its caller does not wait for, and a task of a
// Group, whose Wait runs the queued ones, wait beyond the queue instead.
func (s *taskState) runsInline() bool {
	return !s.toWait && s.caller != nil && s.caller.group == nil
}

// callerOf returns the task's caller record, or nil. s may be nil.
func (s *taskState) callerOf() *caller {
	if s == nil {
		return nil
	}
	return s.caller
}

// settle completes the task with err. It is called exactly once per task.
func (s *taskState) settle(err error) {
	s.err = err
	// The CompareAndSwap and the close are releases: a goroutine that sees
	// closedChan in done, or done's channel closed, sees err and the
	// Future's val too.
	if !s.done.CompareAndSwap(nil, closedChan) {
		close(*s.done.Load()) // Done's channel: Done won the race
	}
	s.settled.Done()
}

// callerErr returns the error the task fails with if the ctx given to
// SubmitContext for it has ended, and nil otherwise, or if it has none. s
// may be nil.
func (s *taskState) callerErr() error {
	ctx := s.callerCtx()
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return skipError("the caller's", ctx)
}

// completed reports whether the task has completed, without blocking.
func (s *taskState) completed() bool {
	ch := s.done.Load()
	if ch == nil {
		return false
	}
	select {
	case <-*ch:
		return true
	default:
		return false
	}
}

func (s *taskState) doneChan() <-chan struct{} {
	if ch := s.done.Load(); ch != nil {
		return *ch
	}
	ch := make(chan struct{})
	if s.done.CompareAndSwap(nil, &ch) {
		return ch
	}
	// Lost the race to another Done (its channel) or to settle (closedChan).
	return *s.done.Load()
}
