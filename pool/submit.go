package pool

import "context"

// Submit adds a task that calls fn with the pool's context and returns its
// [Future]. It blocks while the queue is full, unless called from a task of
// the pool, whose children wait beyond the queue's size. On a closed or ended
// pool it returns at once a Future that has failed, with [ErrClosed] or an
// error wrapping [ErrPoolEnded]. Submit allocates the Future alone. It
// panics if fn is nil.
func Submit[R any](p *Pool, fn func(ctx context.Context) (R, error)) *Future[R] {
	if fn == nil {
		panic("pool: Submit called with nil func")
	}
	f := newFuture(p, nil, fn)
	p.submit(f, true)
	return f
}

// TrySubmit is the non-blocking twin of [Submit]: it reports false, with a
// nil Future, when the queue is full and no worker is free, even for a task
// of the pool; otherwise it does what Submit does. It panics if fn is nil.
func TrySubmit[R any](p *Pool, fn func(ctx context.Context) (R, error)) (*Future[R], bool) {
	if fn == nil {
		panic("pool: TrySubmit called with nil func")
	}
	f := newFuture(p, nil, fn)
	if !p.submit(f, false) {
		return nil, false
	}
	return f, true
}

// SubmitContext is [Submit] for a caller with a context of its own. fn's ctx
// carries ctx's values and pprof labels, ends when ctx or the pool's context
// ends, with the error of the first, and has the earlier deadline. If ctx
// ends before the task is queued, the Future fails at once, the task not
// counted; if it ends before the task starts, the task never runs and its
// Future fails promptly (a task's child: once a worker comes to it), with an
// error that says the caller's context ended.
//
// Called with the ctx of a task of the pool, or one derived from it, the task
// is that task's child: SubmitContext never blocks, and [Future.WaitContext]
// with that ctx may run it on the task's worker. It allocates the Future,
// with what it keeps of ctx, and an AfterFunc on ctx while queued; fn's ctx
// costs more once fn asks it for its end. It panics if ctx or fn is nil.
func SubmitContext[R any](ctx context.Context, p *Pool, fn func(ctx context.Context) (R, error)) *Future[R] {
	if ctx == nil {
		panic("pool: SubmitContext called with nil Context")
	}
	if fn == nil {
		panic("pool: SubmitContext called with nil func")
	}
	f := newFuture(p, ctx, fn)
	p.submit(f, true)
	return f
}

// TrySubmitContext is the non-blocking twin of [SubmitContext], for a caller
// that answers "busy" when the pool is: it reports false, with a nil Future,
// when the queue is full and no worker is free, even for a task of the pool.
// It panics if ctx or fn is nil.
func TrySubmitContext[R any](ctx context.Context, p *Pool, fn func(ctx context.Context) (R, error)) (*Future[R], bool) {
	if ctx == nil {
		panic("pool: TrySubmitContext called with nil Context")
	}
	if fn == nil {
		panic("pool: TrySubmitContext called with nil func")
	}
	f := newFuture(p, ctx, fn)
	if !p.submit(f, false) {
		return nil, false
	}
	return f, true
}

// Go adds a task that calls fn with the pool's context, blocking as [Submit]
// does. fn's error, or its panic as a [*errgroupx.PanicError], goes to the
// next [Pool.Wait] (or Close); so do [ErrClosed] once for a task refused by
// Close, and the pool's end once for tasks it skipped. Go allocates nothing
// beyond fn. It panics if fn is nil.
func (p *Pool) Go(fn func(ctx context.Context) error) {
	if fn == nil {
		panic("pool: Pool.Go called with nil func")
	}
	p.submit(goTask(fn), true)
}

// TryGo is the non-blocking twin of [Pool.Go]: it reports false when the
// queue is full and no worker is free, and otherwise does what Go does. It
// panics if fn is nil.
func (p *Pool) TryGo(fn func(ctx context.Context) error) bool {
	if fn == nil {
		panic("pool: Pool.TryGo called with nil func")
	}
	return p.submit(goTask(fn), false)
}

// GoContext is [Pool.Go] for a caller with a context of its own: fn's ctx
// is made as [SubmitContext] makes it, and whatever becomes of the task, its
// error reaches the next [Pool.Wait]. Called with the ctx of a task of the
// pool, it adds a child that the task does not wait for: it never blocks, and
// the child keeps ctx's values but not its end, outliving the task. It
// panics if ctx or fn is nil.
func (p *Pool) GoContext(ctx context.Context, fn func(ctx context.Context) error) {
	if ctx == nil {
		panic("pool: Pool.GoContext called with nil Context")
	}
	if fn == nil {
		panic("pool: Pool.GoContext called with nil func")
	}
	if p.slotOf(ctx) != nil {
		// A task's ctx may end when the task returns (SubmitContext's does),
		// a mapx or errgroupx scope's when the scope does; the child must not.
		ctx = context.WithoutCancel(ctx)
	}
	f := newFuture(p, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	f.s.toWait = true
	p.submit(f, true)
}

// submit queues t, or hands it to a worker, and reports true; or, when block
// is false and there is no room, reports false and leaves t alone. A child
// of a task, known by its ctx's slot or, at a full queue or while Close
// drains, by its goroutine, never blocks: its worker may be what it awaits.
func (p *Pool) submit(t task, block bool) bool {
	s := t.state()
	var cerr error
	child := false
	if cctx := s.callerCtx(); cctx != nil {
		// Read before observeEndLocked: a caller's ctx that ends with the
		// pool's ends after it, so a task offered as both end is the pool's
		// to skip, and counted.
		cerr = s.callerErr()
		child = p.slotOf(cctx) != nil
	}
	asked := child
	for {
		p.mu.Lock()
		p.observeEndLocked()
		// Precedence: Close, the pool's end, the caller's end, room.
		switch {
		case p.phase == draining && !asked:
			// Refused unless a task adds it: look (await).
			p.mu.Unlock()
			asked, child = true, p.ownWorker() != nil
			continue
		case p.phase != open && !(p.phase == draining && child):
			p.refuseLocked(t)
		case p.ended:
			p.stats.Submitted++
			p.skipLocked(t)
		case cerr != nil:
			p.settleLocked(t, cerr) // given up before it was accepted: not counted
		case p.waker != nil && p.stats.Queued < int64(p.size) && p.comingLocked():
			p.stats.Submitted++
			p.enqueueLocked(t) // for the worker on its way to pass on
		case (len(p.idle) > 0 || p.stats.Workers < int64(p.bound)) && p.startableLocked(t):
			p.stats.Submitted++
			t = p.firstLocked(t)
			var w *worker
			if len(p.idle) > 0 {
				w = p.popIdleLocked()
			} else {
				w = p.startLocked(t)
			}
			p.sendingLocked(w)
			p.mu.Unlock()
			if w.next != nil {
				p.launch(w)
			} else {
				w.wake <- t // has room
			}
			return true
		case p.stats.Queued < int64(p.size):
			p.stats.Submitted++
			p.enqueueLocked(t)
			p.dispatchLocked() // its key may be held by dead tasks alone
		case !block:
			p.mu.Unlock()
			return false
		case child:
			p.stats.Submitted++
			p.enqueueLocked(t) // beyond the queue's size
			p.dispatchLocked()
		default:
			if p.await(t) { // unlocks mu
				return true
			}
			asked, child = true, true // a task's, which must not block
			continue
		}
		p.mu.Unlock()
		return true
	}
}
