package errgroupx

import (
	"context"
	"sync"
)

// A ResultGroup is a [Group] whose functions return a value as well as an
// error. Wait returns the values in the order the functions were added.
//
// The zero ResultGroup is ready to use: it has no limit and cancels no
// context. It is safe for concurrent use, must not be copied after first use,
// and must be given no more functions once Wait has returned. Each function
// started keeps one value for the life of the group; a refused TryGo keeps
// nothing.
type ResultGroup[T any] struct {
	g Group

	mu     sync.Mutex
	values []T // in the order of Go and TryGo; guarded by mu
}

// ResultGroupWithContext returns a new ResultGroup and a Context derived from
// ctx, canceled as [WithContext] describes.
func ResultGroupWithContext[T any](ctx context.Context) (*ResultGroup[T], context.Context) {
	g := new(ResultGroup[T])
	return g, g.g.init(ctx)
}

// SetLimit limits the number of the group's goroutines that run at once, as
// [Group.SetLimit] does.
func (g *ResultGroup[T]) SetLimit(n int) {
	g.g.SetLimit(n)
}

// Go calls f in a new goroutine, as [Group.Go] does, and keeps its value for
// Wait. Go panics if f is nil.
func (g *ResultGroup[T]) Go(f func() (T, error)) {
	if f == nil {
		panic("errgroupx: ResultGroup.Go called with nil func")
	}
	g.g.Go(g.task(g.reserve(), f))
}

// TryGo calls f in a new goroutine only if the group runs fewer goroutines
// than its limit, as [Group.TryGo] does, and reports whether it did. TryGo
// panics if f is nil.
func (g *ResultGroup[T]) TryGo(f func() (T, error)) bool {
	if f == nil {
		panic("errgroupx: ResultGroup.TryGo called with nil func")
	}
	// mu is held across the attempt, so that the place taken is the next
	// one in the order of the calls, and a refused call takes none. TryGo
	// never blocks, so neither does anyone waiting for mu; a function that
	// starts at once waits for mu only to store its value.
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.g.TryGo(g.task(len(g.values), f)) {
		return false
	}
	g.values = append(g.values, *new(T))
	return true
}

// Wait blocks until every function has returned, then returns their values
// in the order Go and TryGo added them. If a function failed, Wait returns nil
// and the first error, as [Group.Wait] does; if one panicked, Wait panics.
// Wait may be called more than once, also at once from several goroutines:
// each call returns the same values in a slice of its own.
func (g *ResultGroup[T]) Wait() ([]T, error) {
	if err := g.g.Wait(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return append(make([]T, 0, len(g.values)), g.values...), nil
}

// reserve takes the next place for a value, in the order of the calls.
func (g *ResultGroup[T]) reserve() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.values = append(g.values, *new(T))
	return len(g.values) - 1
}

func (g *ResultGroup[T]) task(i int, f func() (T, error)) func() error {
	return func() error {
		v, err := f()
		if err != nil {
			return err
		}
		// The slice may be grown by a concurrent Go, so the store holds mu.
		g.mu.Lock()
		g.values[i] = v
		g.mu.Unlock()
		return nil
	}
}
