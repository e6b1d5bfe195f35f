package pool

import "context"

// Submit adds a task that calls fn with the pool's context and returns its
// [Future]. It blocks while the queue is full, and returns once the task is
// queued or handed to a worker.
//
// Submit never blocks on a pool whose context has ended or that is closing:
// it returns a Future that has already failed, with an error that wraps the
// context's error, or with [ErrClosed]. Submit allocates the Future and
// nothing else. It panics if fn is nil.
//
// Submit cannot tell a task of the pool from any other caller: a task that
// submits to its own pool should use [SubmitContext] with its ctx, which never
// blocks there (see "Nested work" in the package documentation).
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
// task is queued, SubmitContext returns a Future that has already failed
// (the task is not counted as submitted). If ctx ends while the task waits
// in the queue, the task never runs: it is skipped and its Future fails
// promptly, without waiting for a worker. Either way the error says that the
// caller's context ended, and wraps ctx's error; but if the pool's context
// has ended too by the time the pool acts on the task, the pool's end wins,
// and the task is counted as skipped for it. If ctx ends while the task
// runs, fn's ctx is canceled. fn's ctx carries ctx's values and pprof
// labels, ends when either ctx or the pool's context ends, with the error of
// the first, and has the earlier of their deadlines.
//
// A task that submits to its own pool passes its own ctx, or one derived from
// it: then SubmitContext never blocks (see "Nested work" in the package
// documentation). When the queue is full, the task's own goroutine runs fn
// at once, as the call it waits for; another goroutine the task handed its
// ctx to queues it beyond the queue's size. The child's ctx derives from the
// task's: for a task that was itself added with SubmitContext, that ends
// when the task returns, and a child it did not wait for may be skipped or
// see its ctx canceled.
//
// Besides the Future, SubmitContext allocates a small record of ctx and,
// unless ctx is a task's own and the child runs on that task's worker, the
// context that fn runs with; while the task is queued, an AfterFunc on ctx. It panics if ctx or fn is nil.
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
// when the queue is full and no worker is idle, even for a task of the pool;
// otherwise it does what SubmitContext does and reports true. A task it
// queued still never runs if ctx ends before a worker takes it. It panics if
// ctx or fn is nil.
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

// TryGo is the non-blocking twin of [Pool.Go]: it reports false when the
// queue is full and no worker is idle, and otherwise does what Go does and
// reports true. It allocates nothing beyond fn. It panics if fn is nil.
func (p *Pool) TryGo(fn func(ctx context.Context) error) bool {
	if fn == nil {
		panic("pool: Pool.TryGo called with nil func")
	}
	return p.submit(goTask(fn), false)
}

// GoContext is [Pool.Go] for a caller with a context of its own. Whatever
// becomes of the task, its error reaches the next [Pool.Wait]: fn's error or
// panic, or the error of a task that never ran.
//
// For a caller that is not a task of the pool, such as a request handler,
// the task gives up when ctx ends, as with [SubmitContext]: fn's ctx carries
// ctx's values and ends when ctx or the pool's context does, and the task
// never runs if ctx ends before it starts.
//
// It is also how a task adds work it does not wait for. Called with a task's
// ctx, or one derived from it, GoContext never blocks: when the queue is full
// the task waits beyond its size. The child keeps ctx's values but not its
// end: it outlives the task that added it, and only the pool's context
// cancels it.
//
// GoContext allocates the task's record and the context that fn runs with.
// It panics if ctx or fn is nil.
func (p *Pool) GoContext(ctx context.Context, fn func(ctx context.Context) error) {
	if ctx == nil {
		panic("pool: Pool.GoContext called with nil Context")
	}
	if fn == nil {
		panic("pool: Pool.GoContext called with nil func")
	}
	if p.slotOf(ctx) != nil {
		// A child of a task's: the task's ctx may end when the task returns
		// (SubmitContext's does), and a mapx or errgroupx scope's when the
		// scope does; the child must not.
		ctx = context.WithoutCancel(ctx)
	}
	f := newFuture(p, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	f.s.toWait = true
	p.submit(f, true)
}

// submit queues t, or hands it to an idle worker, and reports true; or, when
// block is false and there is no room, reports false and leaves t alone.
func (p *Pool) submit(t task, block bool) bool {
	s := t.state()
	cctx := s.callerCtx() // SubmitContext's ctx
	var cerr error        // the task's error if cctx has ended
	if cctx != nil {
		// Read before observeEndLocked looks at the pool's ctx. A ctx that
		// ends with the pool's (a task's own, or one derived from the pool's
		// ctx) ends after it: if cctx has ended with the pool's, the pool is
		// seen ended below, and the task counted as skipped, as every task
		// offered to an ended pool is. Read the other way round, a cancel
		// between the two looks would make it a task its caller gave up on,
		// and uncounted.
		cerr = s.callerErr()
	}
	// The worker whose slot cctx carries, if cctx is a task's of p's, and
	// whether the caller holds that slot, once asked: 1 yes, 0 no.
	on, held := p.slotOf(cctx), -1
	// What submit does once mu is unlocked.
	var (
		idle   *worker // hand t to idle
		w      *waiter // wait for t to be admitted
		inline bool    // run t here
		ask    bool    // find out whether the caller holds on's slot, and decide again
	)
	accepted := true

again:
	p.mu.Lock()
	p.observeEndLocked()
	// The order of the cases is the order of precedence: Close beats the end
	// of ctx, which beats the caller's ctx, which beats room.
	switch {
	case p.phase != open && !p.acceptsChildLocked(on):
		p.refuseLocked(t)
	case p.ended:
		p.stats.Submitted++
		p.skipLocked(t)
	case cerr != nil:
		p.giveUpLocked(t, cerr) // given up before it was accepted: not counted
	case len(p.idle) > 0:
		idle = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.stats.Submitted++
		p.stats.Running++
	case p.stats.Queued < int64(p.size):
		p.stats.Submitted++
		p.enqueueLocked(t)
	case !block:
		accepted = false
	case on != nil && held < 0 && s.runsInline():
		ask = true // asking takes microseconds: not under mu
	case on != nil && held == 1 && s.runsInline():
		// The task itself adds a child that it will wait for: it runs the
		// child at once, on its own worker, as the call it is.
		p.stats.Submitted++
		p.stats.Running++
		inline = true
	case on != nil:
		// A task of this pool, or a goroutine it handed its ctx to: waiting
		// for room could deadlock when every worker does it, so t waits
		// beyond the queue's size instead (nest.go).
		p.stats.Submitted++
		p.enqueueLocked(t)
	default:
		w = p.waitLocked(t)
	}
	p.mu.Unlock()
	if ask {
		ask, held = false, 0
		if on.slot.Holds() {
			held = 1
		}
		goto again
	}

	switch {
	case idle != nil:
		// wake has room for this one task: the worker left it empty when it
		// went idle, and only the one who took it off idle sends.
		idle.wake <- t
	case inline:
		p.finish(nil, t, p.run(t, on, true, cctx))
	case w != nil:
		p.await(w, cctx)
	}
	return accepted
}
