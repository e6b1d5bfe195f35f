package pool

import (
	"context"
	"sync"

	"github.com/fanout-go/fanout/errgroupx"
)

// A Group is a batch of tasks run by a [Pool] that others share, such as one
// request's work on a server's pool. Its tasks run on the pool's workers,
// under the pool's bound and queue, but it keeps their results and errors to
// itself: [Group.Wait] waits for its own tasks alone and returns their
// values, in the order Go added them, or their first error; its first error
// cancels its own tasks alone. It is [errgroupx.ResultGroup] on a shared
// pool.
//
// A Group is made by [NewGroup] and is safe for concurrent use. It is for one
// batch: Go and TryGo panic once Wait has returned.
type Group[R any] struct {
	p      *Pool
	parent context.Context // NewGroup's ctx: whose slot Wait lends (nest.go)
	ctx    context.Context // the tasks': ends at the group's first failure
	cancel context.CancelCauseFunc
	// ends holds what NewGroup registered on the contexts: on ctx, dropping
	// the queued tasks when it ends; on the pool's, ending ctx with it.
	// Wait stops them, once.
	ends    []end
	stopped sync.Once

	mu sync.Mutex
	// Guarded by mu.
	tasks    []*Future[R]          // in the order of Go and TryGo
	err      error                 // the first failure of a task that ran
	panicked *errgroupx.PanicError // the first panic, which outranks err
	waited   bool
}

// end is an AfterFunc registered by a Group, and how to know it has run.
type end struct {
	stop func() bool
	done chan struct{} // closed when the function has returned
}

// NewGroup returns a Group of tasks run by p. Their ctx derives from ctx: it
// carries ctx's values and pprof labels, and ends when ctx or the pool's
// context ends, or when a task of the group fails (returns an error, panics
// or calls [runtime.Goexit]); [context.Cause] then gives the failure. A task
// whose ctx ends before it starts never runs, as with [SubmitContext].
//
// Made inside a task of p with the task's ctx, the group's tasks are that
// task's children: Go never blocks, and Wait lends the task's worker (see
// "Nested work" in the package documentation). Besides the Group, NewGroup
// allocates its context and a few records; each task costs what a Future of
// Submit does, and a small record. NewGroup panics if ctx or p is nil.
func NewGroup[R any](ctx context.Context, p *Pool) *Group[R] {
	if ctx == nil {
		panic("pool: NewGroup called with nil Context")
	}
	if p == nil {
		panic("pool: NewGroup called with nil Pool")
	}
	g := &Group[R]{p: p, parent: ctx}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	if !p.isTaskCtx(ctx) {
		// Not a task's own ctx, which alone is known to end with the pool's
		// (a ctx that carries a task's slot may not: context.WithoutCancel
		// keeps it): make the group's end with it, once for all its tasks,
		// which then run with it as it is.
		g.ends = append(g.ends, after(p.ctx, func() { g.cancel(context.Cause(p.ctx)) }))
	}
	// Queued tasks never run once the group's ctx has ended: they are
	// skipped at once, all of them by one AfterFunc rather than one each.
	g.ends = append(g.ends, after(g.ctx, g.dropQueued))
	return g
}

// after registers f to run when ctx ends.
func after(ctx context.Context, f func()) end {
	e := end{done: make(chan struct{})}
	e.stop = context.AfterFunc(ctx, func() {
		defer close(e.done)
		f()
	})
	return e
}

// Go adds a task of the group that calls fn, as [SubmitContext] does with the
// group's ctx: it blocks while the pool's queue is full, unless the group
// belongs to a task of the pool. Its value and error are the group's, for
// Wait. A task of the group may call Go too, also while Wait waits. It
// panics if fn is nil, or if Wait has returned.
func (g *Group[R]) Go(fn func(ctx context.Context) (R, error)) {
	f := g.newTask(fn, "Go")
	g.mu.Lock()
	ok := !g.waited
	if ok {
		// Added before it is submitted, so that Wait waits for it while Go
		// blocks on the full queue.
		g.tasks = append(g.tasks, f)
	}
	g.mu.Unlock()
	if !ok {
		panic("pool: Group.Go called after Wait")
	}
	g.p.submit(f, true)
}

// TryGo is the non-blocking twin of [Group.Go]: it reports false, and adds
// nothing to the group, when the pool's queue is full and no worker is idle.
// It panics if fn is nil, or if Wait has returned.
func (g *Group[R]) TryGo(fn func(ctx context.Context) (R, error)) bool {
	f := g.newTask(fn, "TryGo")
	// mu is held across the attempt, which never blocks, so that the task
	// is the group's if and only if it was accepted; one of the group's
	// tasks that fails at once waits for mu only to record it.
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.waited {
		panic("pool: Group.TryGo called after Wait")
	}
	if !g.p.submit(f, false) {
		return false
	}
	g.tasks = append(g.tasks, f)
	return true
}

// Wait blocks until every task of the group has completed, then returns their
// values in the order Go and TryGo added them. If a task's function failed,
// Wait returns nil and the first such error in time, or, if one panicked,
// panics with the first [*errgroupx.PanicError] in its caller's goroutine, as
// errgroupx.Group.Wait does: a panic outranks an error. Otherwise, if a task
// never ran, Wait returns nil and its error: [ErrClosed] if the pool was
// closed, or one that says which context ended. The return of every task's
// function synchronizes before the return of Wait.
//
// Wait may be called again, and from several goroutines at once: each call
// returns the same. Once it has returned, the group takes no more tasks.
func (g *Group[R]) Wait() ([]R, error) {
	on := g.p.slotOf(g.parent)
	var tasks []*Future[R]
	for i := 0; ; i++ {
		g.mu.Lock()
		if i == len(g.tasks) {
			// Every task added so far has completed, and none can add
			// another: the group is done.
			g.waited = true
			tasks = g.tasks
			g.mu.Unlock()
			break
		}
		f := g.tasks[i]
		g.mu.Unlock()
		if on != nil && !f.s.completed() {
			g.p.waitNested(g.parent, f, on, false)
		}
		f.s.settled.Wait()
	}
	g.stopped.Do(func() {
		for _, e := range g.ends {
			if !e.stop() {
				<-e.done // so that no goroutine of the group outlives Wait
			}
		}
		g.cancel(nil)
	})

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

// newTask makes the task of fn, not yet the group's.
func (g *Group[R]) newTask(fn func(ctx context.Context) (R, error), method string) *Future[R] {
	if fn == nil {
		panic("pool: Group." + method + " called with nil func")
	}
	f := newFuture(g.p, g.ctx, fn)
	f.s.caller.group = g
	return f
}

// failed records that a task of the group failed with err, and cancels the
// group's tasks. The pool calls it when the task returns, before it settles
// the task's Future.
func (g *Group[R]) failed(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	if pe, ok := err.(*errgroupx.PanicError); ok && g.panicked == nil {
		g.panicked = pe
	}
	g.mu.Unlock()
	g.cancel(err)
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
