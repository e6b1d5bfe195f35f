package errgroupx

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/fanout-go/fanout/internal/nest"
	"golang.org/x/sync/errgroup"
)

// A Group is a collection of goroutines working on subtasks of one task, like
// an [errgroup.Group], that also recovers their panics and reports a call of
// [runtime.Goexit] as an error.
//
// The zero Group is ready to use: it has no limit and cancels no context. A
// Group is safe for concurrent use by the goroutines that call Go, TryGo and
// Wait. It must not be copied after first use and must not be reused for
// another task once Wait has returned.
type Group struct {
	eg     errgroup.Group // runs the goroutines and enforces the limit
	cancel context.CancelCauseFunc
	// slot is the pool worker's slot that WithContext's ctx carries, when
	// the group is made by a task of a pool: a goroutine that holds it lends
	// it while it blocks in Go or Wait (see internal/nest).
	slot *nest.Slot

	errOnce sync.Once
	err     error // the first error in time; read after eg.Wait

	panicked atomic.Pointer[PanicError] // the first panic in time
}

// WithContext returns a new Group and a Context derived from ctx. The Context
// is canceled the first time a function passed to Go or TryGo returns an
// error, panics or calls [runtime.Goexit], or when Wait returns, whichever
// happens first; [context.Cause] gives that error (a [*PanicError] for a
// panic).
//
// Made with the ctx of a task of a fanout pool, the Group lends the task's
// worker while the task's goroutine blocks in Wait, or in Go at the limit,
// so that the group's functions may run tasks of that pool on it (see
// "Nested work" in package pool).
func WithContext(ctx context.Context) (*Group, context.Context) {
	g := new(Group)
	return g, g.init(ctx)
}

// init makes g cancel a ctx derived from ctx, and returns that ctx.
func (g *Group) init(ctx context.Context) context.Context {
	g.slot = nest.FromContext(ctx)
	ctx, g.cancel = context.WithCancelCause(ctx)
	return ctx
}

// SetLimit limits the number of goroutines of the group that run at once to n.
// A negative n means no limit; zero lets no goroutine start. The limit must
// not be changed while goroutines of the group are running: SetLimit panics
// if n >= 0 and goroutines started under a limit are running.
func (g *Group) SetLimit(n int) {
	g.eg.SetLimit(n)
}

// Go calls f in a new goroutine, blocking first while the group already runs
// its limit of goroutines. The first call to Go must happen before Wait.
//
// The first error, panic or [runtime.Goexit] of the group's functions cancels
// the group's context. Go panics if f is nil.
//
// A function of a limited group that calls Go on its own group can deadlock:
// when every slot is held by such a function, none can add its child. Use
// TryGo there, and run the child inline when it reports false.
func (g *Group) Go(f func() error) {
	if f == nil {
		panic("errgroupx: Group.Go called with nil func")
	}
	w := g.wrap(f)
	if g.slot == nil {
		g.eg.Go(w)
		return
	}
	if !g.eg.TryGo(w) {
		// At the limit, Go blocks until a function returns; a task of a
		// pool lends its worker meanwhile, which those functions may need.
		takeBack := g.slot.Lend()
		defer takeBack()
		g.eg.Go(w)
	}
}

// TryGo calls f in a new goroutine only if the group runs fewer goroutines
// than its limit, and reports whether it did. TryGo panics if f is nil.
func (g *Group) TryGo(f func() error) bool {
	if f == nil {
		panic("errgroupx: Group.TryGo called with nil func")
	}
	return g.eg.TryGo(g.wrap(f))
}

// Wait blocks until every function passed to Go and TryGo has returned. If one
// of them panicked, Wait then panics with the first [*PanicError], in its
// caller's goroutine. Otherwise it returns the first error in time, which is
// [ErrGoexit] for a function that called [runtime.Goexit], or nil.
func (g *Group) Wait() error {
	// The wrapped functions never return an error to eg: the group keeps its
	// own, so that a Goexit, which eg cannot see, is recorded the same way.
	// A task of a pool lends its worker while it waits.
	takeBack := func() {}
	if g.slot != nil {
		takeBack = g.slot.Lend()
	}
	_ = g.eg.Wait()
	takeBack()
	if g.cancel != nil {
		g.cancel(g.err)
	}
	if p := g.panicked.Load(); p != nil {
		panic(p)
	}
	return g.err
}

// wrap returns f as the function eg runs: it recovers f's panic and records
// f's outcome in g.
func (g *Group) wrap(f func() error) func() error {
	return func() error {
		if err := Recover(f, g.fail); err != nil {
			g.fail(err)
		}
		return nil
	}
}

// fail records err as the group's error if it is the first, and cancels the
// group's context with it. A panic is kept apart as well, because it outranks
// an earlier error in Wait.
func (g *Group) fail(err error) {
	if p, ok := err.(*PanicError); ok {
		g.panicked.CompareAndSwap(nil, p)
	}
	g.errOnce.Do(func() {
		g.err = err
		if g.cancel != nil {
			g.cancel(err)
		}
	})
}
