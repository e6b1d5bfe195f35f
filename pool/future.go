package pool

import (
	"context"
	"sync/atomic"
)

// A Future is the pending result of a task added with [Submit],
// [TrySubmit], [SubmitContext] or [TrySubmitContext]. It completes once:
// with what the task returned, a [*errgroupx.PanicError] if it panicked,
// [errgroupx.ErrGoexit] if it called [runtime.Goexit], or, for a task that
// never ran, [ErrClosed] or an error that says which context ended.
//
// A Future is safe for concurrent use: any number of goroutines may wait on
// it and see the same result. It is made by the pool and must not be copied.
type Future[R any] struct {
	s   taskState
	fn  func(ctx context.Context) (R, error)
	val R // written by the task's goroutine before s is settled
}

// Wait blocks until the task has completed and returns its result and error.
// The return of the task's function synchronizes before the return of Wait.
// Called from a task of the same pool while the awaited task is queued (or
// a submitter is blocked on the full queue), Wait lends the calling task's
// worker while it waits, and the awaited task runs there.
func (f *Future[R]) Wait() (R, error) {
	if f.s.keyOf() != nil {
		f.s.pool.checkKeyWait("Future.Wait", &f.s)
	}
	if !f.s.completed() {
		if p := f.s.pool; !p.sleep(&f.s, true) {
			// It may need the caller's worker, if the caller is a task.
			if wt := p.beginWait(context.Background()); wt.w != nil {
				p.waitFor(wt, &f.s, f, nil)
				p.endWait(wt)
			} else {
				p.sleep(&f.s, false)
			}
		}
	}
	// settle's CompareAndSwap or close of done orders val and err.
	return f.val, f.s.err
}

// TryWait is the non-blocking twin of [Future.Wait]: it reports whether the
// task has completed and, if so, returns what Wait would. It never allocates.
func (f *Future[R]) TryWait() (v R, ok bool, err error) {
	if !f.s.completed() {
		return v, false, nil
	}
	return f.val, true, f.s.err
}

// Done returns a channel that is closed when the task has completed. Every
// call returns the same channel; the first, before completion, allocates it.
func (f *Future[R]) Done() <-chan struct{} { return f.s.doneChan() }

// WaitContext is [Future.Wait] that gives up when ctx ends, with the zero R
// and ctx's error, leaving the task alone. Called by a task of the same
// pool, or a goroutine it handed its ctx to, it runs the awaited task on the
// task's worker while that is free and the task still queued, and then
// returns when the awaited task does. It panics if ctx is nil.
func (f *Future[R]) WaitContext(ctx context.Context) (R, error) {
	if ctx == nil {
		panic("pool: Future.WaitContext called with nil Context")
	}
	if f.s.completed() {
		return f.Wait()
	}
	p := f.s.pool
	if f.s.keyOf() != nil {
		p.checkKeyWait("Future.WaitContext", &f.s)
	}
	var ok bool
	if lv := p.slotOf(ctx); lv != nil {
		ok = p.waitInTask(ctx, lv, &f.s, f)
	} else {
		var wt waiting
		if p.mayNeedLend(&f.s) {
			wt = p.beginWait(ctx)
		}
		ok = p.waitFor(wt, &f.s, f, ctx.Done())
		p.endWait(wt)
	}
	if ok {
		return f.val, f.s.err // waitFor saw the task complete
	}
	var zero R
	return zero, ctx.Err()
}

// mayNeedLend reports whether a wait for s may need the caller's worker: s
// is queued or blocked, or, as Wait promises, a submitter is blocked. Only
// then does a wait without a task's ctx ask who the caller is.
func (p *Pool) mayNeedLend(s *taskState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mayNeedLendLocked(s)
}

func (p *Pool) mayNeedLendLocked(s *taskState) bool {
	return s.queued || s.blocked || p.stats.Blocked > 0
}

// sleep blocks until s completes, and reports true; or, if lend is true and
// the wait may need the caller's worker (mayNeedLend), reports false at once.
// Its waiter is recycled and woken by wakeLocked: a Wait that blocks makes
// nothing, and a task that no one waits for pays for waiters only settle's
// load of parked.
func (p *Pool) sleep(s *taskState, lend bool) bool {
	p.mu.Lock()
	s.parked.Store(true) // before completed: settle or this sees the other
	if s.completed() {
		p.mu.Unlock()
		return true
	}
	if lend && p.mayNeedLendLocked(s) {
		p.mu.Unlock()
		return false
	}
	w := p.spare.Get().(*waiter)
	if p.asleep == nil {
		p.asleep = make(map[*taskState]*waiter)
	}
	w.next = p.asleep[s]
	p.asleep[s] = w
	p.slept = max(p.slept, len(p.asleep))
	p.mu.Unlock()
	<-w.wake
	p.spare.Put(w)
	return true
}

// keptSleepers is how many tasks with sleepers the map may have held and still
// be kept once empty, so that the usual few Waits that block make nothing.
const keptSleepers = 64

// wakeLocked wakes the sleepers on s, which has completed.
func (p *Pool) wakeLocked(s *taskState) {
	w := p.asleep[s]
	if w == nil {
		return
	}
	delete(p.asleep, s)
	if len(p.asleep) == 0 && p.slept > keptSleepers {
		p.asleep, p.slept = nil, 0 // a map keeps its room: give a burst's back
	}
	for w != nil {
		next := w.next
		w.next = nil
		w.wake <- true // it has room
		w = next
	}
}

// newFuture returns a Future for fn; ctx is the caller's, or nil.
func newFuture[R any](p *Pool, ctx context.Context, fn func(ctx context.Context) (R, error)) *Future[R] {
	if ctx == nil {
		f := &Future[R]{fn: fn}
		f.s.pool = p
		return f
	}
	if p.isTaskCtx(ctx) {
		return newCallerFuture(p, ctx, fn) // runs with ctx as it is (runCtx)
	}
	// One allocation for the three (BenchmarkNestedMap's allocs/op).
	fc := &struct {
		f Future[R]
		c caller
		l lateCtx
	}{}
	fc.f.fn, fc.f.s.pool, fc.f.s.caller = fn, p, &fc.c
	fc.c.ctx, fc.c.late = ctx, &fc.l
	return &fc.f
}

// newCallerFuture is newFuture for a ctx that needs no lateCtx: a task's own
// or, for a Group, one that ends with the pool's; or none (nil), for a key.
func newCallerFuture[R any](p *Pool, ctx context.Context, fn func(ctx context.Context) (R, error)) *Future[R] {
	// One allocation for both.
	fc := &struct {
		f Future[R]
		c caller
	}{}
	fc.f.fn, fc.f.s.pool, fc.f.s.caller = fn, p, &fc.c
	fc.c.ctx = ctx
	return &fc.f
}

// A task is what the queue holds: a *Future[R] for Submit, a goTask for Go.
type task interface {
	call(ctx context.Context) error // runs fn; a Future keeps the value
	state() *taskState              // nil for a goTask
}

func (f *Future[R]) call(ctx context.Context) error {
	v, err := f.fn(ctx)
	f.val = v
	return err
}

func (f *Future[R]) state() *taskState { return &f.s }

// goTask is a task of Pool.Go: pointer-shaped, it needs no allocation.
type goTask func(ctx context.Context) error

func (g goTask) call(ctx context.Context) error { return g(ctx) }
func (goTask) state() *taskState                { return nil }

// settleLocked completes t with err, keeping for Wait the error of a task of
// Go, GoContext or GoKey, and reports what settle does.
func (p *Pool) settleLocked(t task, err error) (woke bool) {
	if s := t.state(); s != nil {
		return p.settleStateLocked(s, err)
	} else if err != nil {
		p.errs = append(p.errs, err)
	}
	return false
}

func (p *Pool) settleStateLocked(s *taskState, err error) (woke bool) {
	woke = p.completeLocked(s, err)
	if s.toWait && err != nil {
		p.errs = append(p.errs, err)
	}
	return woke
}

// closedChan is taskState.done once the waiters are woken before anyone
// asked for a channel.
var closedChan = func() *chan struct{} {
	c := make(chan struct{})
	close(c)
	return &c
}()

// taskState is the part of a Future that the pool works with, free of the
// Future's type parameter.
type taskState struct {
	err error // written before settle publishes it

	done atomic.Pointer[chan struct{}] // nil until Done makes one or the task completes (closedChan); then fixed

	pool   *Pool   // never changed
	caller *caller // nil for Submit, TrySubmit and Go; never changed

	// queued and blocked are guarded by the pool's mu.
	queued  bool        // in the queue; in it but not queued: dead
	blocked bool        // its submitter is in waiters
	toWait  bool        // GoContext's or GoKey's: its error goes to Wait
	parked  atomic.Bool // a Wait has looked whether to sleep (Pool.sleep), and may; beside the bools, Future[int] stays 64 bytes
}

// caller is what a task with a caller's ctx or a key carries besides a
// taskState: apart, a Future of Submit is 64 bytes, not 144
// (BenchmarkSubmit's B/op).
type caller struct {
	ctx   context.Context // the caller's, or nil for a key alone
	key   any             // SubmitKey's, GoKey's, or nil; never changed
	stop  func() bool     // stops enqueueLocked's AfterFunc, or nil; guarded by mu
	group taskGroup       // the task's Group, or nil; never changed
	late  *lateCtx        // the ctx it runs with if ctx may outlive the pool's (runCtx), or nil
	// wantedBy is the worker of a task that waited for this one before its
	// submitter blocked (a Group's Wait sees a task as Go adds it): await
	// has it run the task. Guarded by mu.
	wantedBy *worker
}

// taskGroup is what the pool knows of a Group.
type taskGroup interface {
	failed(err error) // a task of its ran and failed with err
	settled() bool    // a task of its completed, ran or not; true if that woke its Wait
}

// callerCtx returns the caller's ctx, or nil. s may be nil.
func (s *taskState) callerCtx() context.Context {
	if c := s.callerOf(); c != nil {
		return c.ctx
	}
	return nil
}

// callerOf returns s.caller if it has a caller's ctx, or nil. s may be nil.
func (s *taskState) callerOf() *caller {
	if s == nil || s.caller == nil || s.caller.ctx == nil {
		return nil
	}
	return s.caller
}

// keyOf returns the task's key, or nil. s may be nil.
func (s *taskState) keyOf() any {
	if s == nil || s.caller == nil {
		return nil
	}
	return s.caller.key
}

// stopDrop stops the AfterFunc that enqueueLocked registered for s, if any.
func (s *taskState) stopDrop() {
	if c := s.caller; c != nil && c.stop != nil {
		c.stop()
		c.stop = nil
	}
}

// completeLocked settles s and wakes its sleepers.
func (p *Pool) completeLocked(s *taskState, err error) (woke bool) {
	woke = s.settle(err)
	if s.parked.Load() {
		p.wakeLocked(s)
	}
	return woke
}

// settle completes the task with err, exactly once: Done's channel closes
// and its lateCtx is released; its sleepers are the caller's to wake
// (wakeLocked). It reports whether a goroutine may have been blocked on it:
// a sleeper, a Done channel, or its Group's Wait.
func (s *taskState) settle(err error) (woke bool) {
	s.err = err
	// The CompareAndSwap and the close are releases: a goroutine that sees
	// the task complete sees err and the Future's val too.
	if !s.done.CompareAndSwap(nil, closedChan) {
		close(*s.done.Load()) // made by Done or a wait
		woke = true
	}
	// Read after the CompareAndSwap: a sleeper that parks later sees the
	// task complete.
	woke = woke || s.parked.Load()
	if c := s.caller; c != nil {
		if c.late != nil {
			c.late.release() // takes no lock of the pool's
		}
		if c.group != nil && c.group.settled() {
			woke = true
		}
	}
	return woke
}

// callerErr returns the task's error if its caller's ctx has ended, or nil.
// s may be nil.
func (s *taskState) callerErr() error {
	ctx := s.callerCtx()
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return skipError("the caller's", ctx)
}

// completed reports whether the task has completed: whether Done's channel
// is closed, or would be.
func (s *taskState) completed() bool {
	ch := s.done.Load()
	if ch == nil {
		return false
	}
	if ch == closedChan {
		return true
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
	return *s.done.Load() // lost the race
}
