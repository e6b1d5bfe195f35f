package pool

import "context"

// Submit adds a task that calls fn with the pool's context and returns its
// [Future]. It blocks while the queue is full, and returns once the task is
// queued or handed to a worker.
//
// Submit never blocks on a pool whose context has ended or that is closing:
// it returns a Future that has already failed, with the context's error or
// [ErrClosed]. Submit allocates the Future and nothing else. It panics if fn
// is nil.
//
// Submit cannot tell a task of the pool from any other caller: a task that
// submits to its own pool should use [SubmitContext] with its ctx, which never
// blocks there (see the package documentation).
func Submit[R any](p *Pool, fn func(ctx context.Context) (R, error)) *Future[R] {
	if fn == nil {
		panic("pool: Submit called with nil func")
	}
	f := newFuture(p, nil, fn)
	p.submit(f, true)
	return f
}

// TrySubmit is the non-blocking twin of [Submit]. It reports false, with a
// nil Future, when the queue is full and no worker is idle; otherwise it does
// what Submit does and reports true, also on a closed or ended pool, where
// the Future has already failed. TrySubmit panics if fn is nil.
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

// SubmitContext is [Submit] for a caller with a context of its own, such as a
// request handler: the task gives up when ctx ends. If ctx ends before the
// task is queued, SubmitContext returns a Future failed with ctx's error (the
// task is not counted as submitted). If ctx ends while the task waits in the
// queue, the task is skipped and its Future fails with ctx's error at once. If
// ctx ends while the task runs, fn's ctx is canceled. fn's ctx carries ctx's
// values and is canceled when either ctx or the pool's context ends.
//
// A task that submits to its own pool passes its own ctx (or one derived from
// it): then, when the queue is full, SubmitContext runs fn at once on the
// calling goroutine instead of blocking, so that workers waiting on each
// other cannot deadlock. The child's ctx derives from the task's: for a task
// that was itself added with SubmitContext, that ends when the task returns,
// and a child it did not wait for may be skipped or see its ctx canceled.
//
// Besides the Future, SubmitContext allocates, unless ctx is a task's own,
// the context that fn runs with and, while the task is queued, an AfterFunc
// on ctx. It panics if ctx or fn is nil.
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

// Go adds a task that calls fn with the pool's context, blocking while the
// queue is full, as [Submit] does. fn's error, or its panic as a
// [*errgroupx.PanicError], is returned by the next [Pool.Wait]. On a closed
// pool the task is refused and Wait's error holds [ErrClosed]; on a pool whose
// context has ended, it is skipped and Wait's error holds the context's error.
//
// Go allocates nothing for the task beyond fn itself. It panics if fn is nil.
func (p *Pool) Go(fn func(ctx context.Context) error) {
	if fn == nil {
		panic("pool: Pool.Go called with nil func")
	}
	p.submit(goTask(fn), true)
}

// submit queues t, or hands it to an idle worker, and reports true; or, when
// block is false and there is no room, reports false and leaves t alone.
func (p *Pool) submit(t task, block bool) bool {
	var cctx context.Context // SubmitContext's ctx
	var cerr error           // its error, read before endedLocked looks at the pool's
	if s := t.state(); s != nil && s.ctx != nil {
		// A ctx that ends with the pool's (a task's own, or one derived from
		// the pool's ctx) ends after it: if cerr is the pool's end, then
		// endedLocked sees it below, and the task is counted as skipped, as
		// every task offered to an ended pool is. Read the other way round,
		// a cancel between the two looks would make it a task its caller
		// gave up on, and uncounted.
		cctx, cerr = s.ctx, s.ctx.Err()
	}
	p.mu.Lock()
	// The order of the cases is the order of precedence: Close beats the end
	// of ctx, which beats the caller's ctx, which beats room.
	switch {
	case p.closed && (p.shut || cctx == nil || !p.owns(cctx)):
		// A task that Close waits for may still add its children, with its
		// own ctx: they are part of the work that Close drains. Nothing gets
		// in once the drain is over, and the workers are gone.
		p.refuseLocked(t)
	case p.endedLocked():
		p.stats.Submitted++
		p.skipLocked(t, p.ctx.Err())
	case cerr != nil:
		settle(t, cerr) // given up before it was accepted: not counted
	case len(p.idle) > 0:
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.stats.Submitted++
		p.stats.Running++
		p.mu.Unlock()
		// wake has room for this one task: the worker left it empty when it
		// went idle, and only the one who took it off idle sends.
		w.wake <- t
		return true
	case p.stats.Queued < int64(p.size):
		p.pushLocked(t)
	case !block:
		p.mu.Unlock()
		return false
	case cctx != nil && p.owns(cctx):
		// A task of this pool, submitting to its full queue: waiting could
		// deadlock when every worker does it, so run t here instead. The
		// caller's worker is busy with this anyway.
		p.stats.Submitted++
		p.stats.Running++
		p.mu.Unlock()
		p.runInline(t)
		return true
	default:
		p.await(t, cctx) // unlocks mu
		return true
	}
	p.mu.Unlock()
	return true
}

// refuseLocked fails t with ErrClosed, uncounted; for a Go task, the next
// Wait returns ErrClosed.
func (p *Pool) refuseLocked(t task) {
	if settle(t, ErrClosed) != nil {
		p.closedGo = true
	}
}

// pushLocked queues t. A task of SubmitContext whose ctx may end before the
// pool's gets an AfterFunc that drops it from the queue then.
func (p *Pool) pushLocked(t task) {
	p.queue.push(t)
	p.stats.Submitted++
	p.stats.Queued++
	s := t.state()
	if s == nil {
		return
	}
	s.queued = true
	if s.ctx == nil {
		return
	}
	if d := s.ctx.Done(); d != nil && d != p.done {
		// The AfterFunc locks mu, so it cannot run before s.stop is set.
		s.stop = context.AfterFunc(s.ctx, func() { p.drop(s) })
	}
}

// unqueueLocked marks the task s as taken out of the queue, and stops its
// AfterFunc: whatever stop returns, s.queued being false makes drop a no-op.
func unqueueLocked(s *taskState) {
	s.queued = false
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// drop skips the queued task s because its SubmitContext's ctx ended. It
// leaves s in the ring, marked, for a worker to pass over: taking it out of
// the middle of the ring would cost time in the size of the queue.
func (p *Pool) drop(s *taskState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.endedLocked() || !s.queued {
		// The end of the pool's ctx skipped s (settleSkipped owns it now),
		// or a worker took it. The pool's end comes first when s.ctx ended
		// with it, and its AfterFunc has not run yet.
		return
	}
	s.queued, s.stop = false, nil
	p.stats.Queued--
	p.stats.Skipped++
	s.settle(s.ctx.Err())
	p.compactQueueLocked()
	p.admitLocked() // its slot is free
	p.checkDrainedLocked()
}

// compactQueueLocked filters the tasks taken out of the queue out of its ring
// once they outnumber the queued ones.
func (p *Pool) compactQueueLocked() {
	live := int(p.stats.Queued)
	if dead := p.queue.n - live; dead > deadSlack && dead > live {
		p.queue.filter(func(t task) bool {
			s := t.state()
			return s == nil || s.queued
		})
	}
}

// claim takes the task s out of the queue, for a task of p to run it inline,
// and reports whether s was still queued.
func (p *Pool) claim(s *taskState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.endedLocked() || !s.queued { // ended first: then s is settleSkipped's
		return false
	}
	unqueueLocked(s)
	p.stats.Queued--
	p.stats.Running++
	p.compactQueueLocked()
	p.admitLocked() // its slot is free
	return true
}
