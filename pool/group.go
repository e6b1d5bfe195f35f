package pool

import (
	"context"
	"sync"

	"github.com/fanout-go/fanout/errgroupx"
)

// A Group is a batch of tasks on a [Pool] that others share, such as one
// request's work on a server's pool: [errgroupx.ResultGroup] on a shared
// pool. Its tasks run under the pool's bound and queue, but [Group.Wait]
// waits for them alone and returns their values in the order added, or their
// first error; that error cancels the group's tasks alone. The queued tasks
// of a pool's Groups are served in turns, those added without a Group as one
// more: a group's next task waits behind at most one of each other group's.
//
// A Group is made by [NewGroup] and is safe for concurrent use. It is for one
// batch: Go and TryGo panic once Wait has returned. A Group that is never
// waited for holds nothing of the pool's once its tasks are done.
type Group[R any] struct {
	p      *Pool
	parent context.Context // NewGroup's ctx
	linked bool            // parent may outlive the pool's ctx: the tasks' ctx is made to end with it
	afters sync.WaitGroup  // the AfterFuncs registered and not stopped: Wait waits for them

	mu       sync.Mutex
	idle     sync.Cond // on mu: broadcast when pending drops to 0 while sleepers Waits sleep
	sleepers int
	// Guarded by mu. ctx is the tasks' ctx, made when a task is added with
	// none pending and canceled when none is left, its AfterFuncs stopped
	// (stops): a group left without Wait holds nothing while it has no task.
	ctx      context.Context
	cancel   context.CancelCauseFunc
	stops    []func() bool
	pending  int                   // tasks added and not completed
	tasks    []*Future[R]          // in the order of Go and TryGo
	err      error                 // the first failure of a task that ran
	panicked *errgroupx.PanicError // the first panic, which outranks err
	waited   bool
	keyed    bool // GoKey added a task: Wait checks for a wait on its own key
}

// NewGroup returns a Group of tasks run by p. Their ctx derives from ctx: it
// carries its values and pprof labels, and ends when ctx or the pool's
// context ends, when a task of the group fails (returns an error, panics or
// calls [runtime.Goexit]; [context.Cause] gives the failure), or once no task
// of the group is left. A task whose ctx ends before it starts never runs.
//
// Made with the ctx of a task of p, the group's tasks are that task's
// children (see [SubmitContext]). Each task costs what a Future of
// SubmitContext does. NewGroup panics if ctx or p is nil.
func NewGroup[R any](ctx context.Context, p *Pool) *Group[R] {
	if ctx == nil {
		panic("pool: NewGroup called with nil Context")
	}
	if p == nil {
		panic("pool: NewGroup called with nil Pool")
	}
	g := &Group[R]{p: p, parent: ctx, linked: !p.isTaskCtx(ctx)}
	g.idle.L = &g.mu
	return g
}

// Go adds a task of the group that calls fn, as [SubmitContext] does with the
// group's ctx: it blocks while the pool's queue is full, but never in a task
// of the pool. Its value and error are the group's, for Wait. A task of the
// group may call Go too, also while Wait waits. It panics if fn is nil, or if
// Wait has returned.
func (g *Group[R]) Go(fn func(ctx context.Context) (R, error)) {
	f := g.add(fn, "Go")
	g.mu.Lock()
	g.tasks = append(g.tasks, f)
	g.mu.Unlock()
	g.p.submit(f, true)
}

// GoKey is [Group.Go] for a task with a key, ordered with the pool's other
// tasks of that key as [SubmitKey] orders them. A failed task of the group
// cancels the group's ctx, so the group's later tasks of the key, as all
// its tasks that have not started, never run. It panics if key is nil, not
// comparable or NaN, if fn is nil, or if Wait has returned.
func (g *Group[R]) GoKey(key any, fn func(ctx context.Context) (R, error)) {
	checkKey("Group.GoKey", key)
	f := g.add(fn, "GoKey")
	f.s.caller.key = key
	g.mu.Lock()
	g.tasks = append(g.tasks, f)
	g.keyed = true
	g.mu.Unlock()
	g.p.submit(f, true)
}

// TryGo is the non-blocking twin of [Group.Go]: it reports false, and adds
// nothing to the group, when the pool's queue is full and no worker is free.
// It panics if fn is nil, or if Wait has returned.
func (g *Group[R]) TryGo(fn func(ctx context.Context) (R, error)) bool {
	f := g.add(fn, "TryGo")
	ok := g.p.submit(f, false)
	g.mu.Lock()
	if ok {
		g.tasks = append(g.tasks, f)
	} else {
		g.doneLocked() // never settled
	}
	g.mu.Unlock()
	return ok
}

// add makes the task of fn, counted as pending, for method to submit.
func (g *Group[R]) add(fn func(ctx context.Context) (R, error), method string) *Future[R] {
	if fn == nil {
		panic("pool: Group." + method + " called with nil func")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.waited {
		panic("pool: Group." + method + " called after Wait")
	}
	if g.pending++; g.ctx == nil {
		g.ctx, g.cancel = context.WithCancelCause(g.parent)
	}
	if len(g.stops) == 0 && g.ctx.Err() == nil {
		if g.linked {
			p, cancel := g.p, g.cancel
			g.after(p.ctx, func() { cancel(context.Cause(p.ctx)) })
		}
		g.after(g.ctx, g.dropQueued)
	}
	f := newCallerFuture(g.p, g.ctx, fn) // g.ctx ends with the pool's (linked)
	f.s.caller.group = g
	return f
}

// after registers f to run when ctx ends, while the group has tasks.
func (g *Group[R]) after(ctx context.Context, f func()) {
	g.afters.Add(1)
	g.stops = append(g.stops, context.AfterFunc(ctx, func() {
		defer g.afters.Done()
		f()
	}))
}

// settled counts a task of the group as completed, and reports whether that
// woke a Wait. The pool may call it under its mu: g.mu is never held while
// calling the pool.
func (g *Group[R]) settled() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.doneLocked()
}

// doneLocked counts a pending task as done; once none is left, it wakes the
// sleeping Waits and detaches the group from the contexts.
func (g *Group[R]) doneLocked() (woke bool) {
	if g.pending--; g.pending > 0 {
		return false
	}
	if g.sleepers > 0 {
		g.idle.Broadcast()
		woke = true
	}
	for _, stop := range g.stops {
		if stop() {
			g.afters.Done()
		}
	}
	g.stops = nil
	if g.err == nil && g.ctx.Err() == nil {
		g.cancel(nil)
		g.ctx = nil // the next task gets a new one
	}
	return woke
}

// Wait blocks until every task of the group has completed, then returns their
// values in the order Go and TryGo added them. If a task failed, Wait returns
// nil and the first error in time or, if one panicked, panics with the first
// [*errgroupx.PanicError], as errgroupx.Group.Wait does. Otherwise, if a task
// never ran, Wait returns nil and its error. The return of every task's
// function synchronizes before Wait's return. Called from a task of the
// pool, Wait lends its worker (see [Future.Wait]). Wait may be called again,
// and concurrently: each call returns the same.
func (g *Group[R]) Wait() ([]R, error) {
	p := g.p
	g.mu.Lock()
	var keyed []*taskState
	if g.keyed {
		for _, f := range g.tasks {
			keyed = append(keyed, &f.s)
		}
	}
	g.mu.Unlock()
	if keyed != nil {
		p.checkKeyWait("Group.Wait", keyed...)
	}
	wt := p.beginWait(g.parent)
	var tasks []*Future[R]
	if wt.w == nil {
		// Not a task, nothing to run: one sleep, not a wake per task.
		g.mu.Lock()
		for g.pending > 0 {
			g.sleepers++
			g.idle.Wait()
			g.sleepers--
		}
		g.waited = true
		tasks = g.tasks
		g.mu.Unlock()
	}
	for i := 0; tasks == nil; i++ {
		g.mu.Lock()
		if i == len(g.tasks) {
			// All added have completed, so none can add another.
			g.waited = true
			tasks = g.tasks
			g.mu.Unlock()
			break
		}
		f := g.tasks[i]
		g.mu.Unlock()
		p.waitFor(wt, &f.s, f, nil)
	}
	p.endWait(wt)
	g.afters.Wait() // no goroutine of the group outlives Wait

	g.mu.Lock()
	err, pe := g.err, g.panicked
	g.mu.Unlock()
	if pe != nil {
		panic(pe)
	}
	if err != nil {
		return nil, err
	}
	values := make([]R, len(tasks))
	for i, f := range tasks {
		if f.s.err != nil {
			return nil, f.s.err // it never ran
		}
		values[i] = f.val
	}
	return values, nil
}

// failed records a task's failure, before it is settled, and cancels the
// group's tasks.
func (g *Group[R]) failed(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	if pe, ok := err.(*errgroupx.PanicError); ok && g.panicked == nil {
		g.panicked = pe
	}
	cancel := g.cancel
	g.mu.Unlock()
	cancel(err)
}

// dropQueued skips the group's queued tasks, whose ctx has ended.
func (g *Group[R]) dropQueued() {
	g.mu.Lock()
	tasks := g.tasks
	g.mu.Unlock()
	for _, f := range tasks {
		g.p.drop(&f.s)
	}
}
