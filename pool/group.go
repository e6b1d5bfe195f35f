package pool

import (
	"context"
	"errors"
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

	mu sync.Mutex
	// Guarded by mu.
	tasks []*Future[R] // in the order of Go and TryGo
	// failed lists the tasks whose function failed (returned an error,
	// panicked or called runtime.Goexit), in the order they failed.
	failed []*Future[R]
	waited bool
}

// NewGroup returns a Group of tasks run by p. Their ctx derives from ctx: it
// carries ctx's values and pprof labels, and ends when ctx or the pool's
// context ends, or when a task of the group fails (returns an error, panics
// or calls [runtime.Goexit]); [context.Cause] then gives the failure. A task
// whose ctx ends before it starts never runs, as with [SubmitContext].
//
// Made inside a task of p with the task's ctx, the group's tasks are that
// task's children: Go never blocks, and Wait lends the task's worker (see
// "Nested work" in the package documentation). NewGroup panics if ctx or p
// is nil.
func NewGroup[R any](ctx context.Context, p *Pool) *Group[R] {
	if ctx == nil {
		panic("pool: NewGroup called with nil Context")
	}
	if p == nil {
		panic("pool: NewGroup called with nil Pool")
	}
	g := &Group[R]{p: p, parent: ctx}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	return g
}

// Go adds a task of the group that calls fn, as [SubmitContext] does with the
// group's ctx: it blocks while the pool's queue is full, unless the group
// belongs to a task of the pool. Its value and error are the group's, for
// Wait. A task of the group may call Go too, also while Wait waits. Go
// allocates what SubmitContext does. It panics if fn is nil, or if Wait has
// returned.
func (g *Group[R]) Go(fn func(ctx context.Context) (R, error)) {
	f := g.newTask(fn, "Go")
	g.add(f, "Go")
	// Added before it is submitted, so that Wait waits for it while Go
	// blocks on the full queue.
	g.p.submit(f, true)
}

// TryGo is the non-blocking twin of [Group.Go]: it reports false, and adds
// nothing to the group, when the pool's queue is full and no worker is idle.
// It panics if fn is nil, or if Wait has returned.
func (g *Group[R]) TryGo(fn func(ctx context.Context) (R, error)) bool {
	f := g.newTask(fn, "TryGo")
	// mu is held across the attempt, which never blocks, so that the task
	// is the group's if and only if it was accepted.
	g.mu.Lock()
	defer g.mu.Unlock()
	g.addLocked(f, "TryGo")
	if !g.p.submit(f, false) {
		g.tasks = g.tasks[:len(g.tasks)-1]
		return false
	}
	return true
}

// add adds f to the group's tasks, unless Wait has returned.
func (g *Group[R]) add(f *Future[R], method string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.addLocked(f, method)
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
	g.cancel(nil)

	g.mu.Lock()
	failed := g.failed
	g.mu.Unlock()
	for _, f := range failed {
		var pe *errgroupx.PanicError
		if errors.As(f.s.err, &pe) {
			panic(pe)
		}
	}
	if len(failed) > 0 {
		return nil, failed[0].s.err
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

// addLocked adds f to the group's tasks, unless Wait has returned.
func (g *Group[R]) addLocked(f *Future[R], method string) {
	if g.waited {
		panic("pool: Group." + method + " called after Wait")
	}
	g.tasks = append(g.tasks, f)
}

// newTask makes the task of fn, not yet the group's.
func (g *Group[R]) newTask(fn func(ctx context.Context) (R, error), method string) *Future[R] {
	if fn == nil {
		panic("pool: Group." + method + " called with nil func")
	}
	var f *Future[R]
	f = newFuture(g.p, g.ctx, func(ctx context.Context) (v R, err error) {
		returned := false
		defer func() {
			if !returned {
				g.fail(f, nil) // a panic or Goexit: the Future will say which
			}
		}()
		v, err = fn(ctx)
		returned = true
		if err != nil {
			g.fail(f, err)
		}
		return v, err
	})
	return f
}

// fail records that f's function failed, with err if it returned one, and
// cancels the group's tasks.
func (g *Group[R]) fail(f *Future[R], err error) {
	g.mu.Lock()
	g.failed = append(g.failed, f)
	g.mu.Unlock()
	if err == nil {
		err = errTaskFailed
	}
	g.cancel(err)
}

// errTaskFailed is the cause of a group's ctx canceled by a task that
// panicked or called runtime.Goexit, before the pool has its error.
var errTaskFailed = errors.New("pool: a task of the group panicked or called runtime.Goexit")
