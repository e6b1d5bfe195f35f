package bench

import (
	"context"
	"iter"

	"github.com/fanout-go/fanout/errgroupx"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// group is the method set errgroup.Group and errgroupx.Group share, so that
// both contenders run the same glue: the comparison then shows only what the
// group itself costs.
type group interface {
	SetLimit(n int)
	Go(f func() error)
	TryGo(f func() error) bool
	Wait() error
}

// errgroupC is golang.org/x/sync/errgroup as most Go code uses it for a
// bounded map: SetLimit, then one Go per item writing its own slot.
var errgroupC = perItemContender("errgroup", "golang.org/x/sync",
	"errgroup.Group, SetLimit, one Go per item",
	func(ctx context.Context) (group, context.Context) { return errgroup.WithContext(ctx) })

// errgroupxC is fanout's own errgroupx in errgroup's place, with the same
// glue: it shows what recovering panics costs per goroutine.
var errgroupxC = perItemContender("errgroupx", "github.com/fanout-go/fanout",
	"fanout's errgroupx.Group, SetLimit, one Go per item",
	func(ctx context.Context) (group, context.Context) { return errgroupx.WithContext(ctx) })

// perItemContender returns a contender that starts one goroutine per item on
// a group made by newGroup, limited to limit at once.
func perItemContender(name, module, note string,
	newGroup func(context.Context) (group, context.Context)) *Contender {
	// each runs task(i) for i in [0, n), at most limit at once, and returns
	// the first error.
	each := func(ctx context.Context, n, limit int, task func(ctx context.Context, i int) error) error {
		g, ctx := newGroup(ctx)
		g.SetLimit(limit)
		for i := range n {
			g.Go(func() error { return task(ctx, i) })
		}
		return g.Wait()
	}
	return &Contender{
		Name:   name,
		Module: module,
		Note:   note,
		Map: func(in []int, limit int, fn func(int) int) []int {
			out := make([]int, len(in))
			_ = each(context.Background(), len(in), limit, func(_ context.Context, i int) error {
				out[i] = fn(in[i])
				return nil
			}) // no call fails
			return out
		},
		MapErr: func(ctx context.Context, in []int, limit int,
			fn func(context.Context, int) (int, error)) ([]int, error) {
			out := make([]int, len(in))
			err := each(ctx, len(in), limit, func(ctx context.Context, i int) error {
				r, err := fn(ctx, in[i])
				out[i] = r
				return err
			})
			if err != nil {
				return nil, err
			}
			return out, nil
		},
		// Pool: neither group is a pool; SetLimit with a goroutine per task is
		// what their users write instead, so it stands here as the nearest thing.
		Pool: func(n, workers int, task func(int) int) []int {
			out := make([]int, n)
			_ = each(context.Background(), n, workers, func(_ context.Context, i int) error {
				out[i] = task(i)
				return nil
			})
			return out
		},
		Go: func(n, workers int, task func(int)) {
			_ = each(context.Background(), n, workers, func(_ context.Context, i int) error {
				task(i)
				return nil
			})
		},
		Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
			g, _ := newGroup(context.Background())
			g.SetLimit(limit)
			unorderedOn(in, fn, emit,
				func(f func()) { g.Go(func() error { f(); return nil }) },
				func() { _ = g.Wait() }) // no call fails
		},
		// Settle: every task returns nil, so that none cancels the rest, and
		// keeps its error in a slice of one per item.
		Settle: func(ctx context.Context, in []int, limit int,
			fn func(context.Context, int) (int, error)) ([]int, []error) {
			out, errs := make([]int, len(in)), make([]error, len(in))
			_ = each(ctx, len(in), limit, func(ctx context.Context, i int) error {
				out[i], errs[i] = fn(ctx, in[i])
				return nil
			})
			return out, errs
		},
		// Tree: each value a visit found starts its visit with TryGo, which
		// is made inline when the group is full. Go would block there, and
		// once every goroutine of the group blocked in Go, waiting for one of
		// them to return, none would (errgroupx's doc says so too).
		Tree: func(ctx context.Context, start []int, limit int,
			visit func(context.Context, int) (int, int, error)) error {
			g, ctx := newGroup(ctx)
			g.SetLimit(limit)
			var walk func(v int) error
			walk = func(v int) error {
				lo, hi, err := visit(ctx, v)
				for k := lo; k < hi && err == nil; k++ {
					if !g.TryGo(func() error { return walk(k) }) {
						err = walk(k)
					}
				}
				return err
			}
			for _, v := range start {
				g.Go(func() error { return walk(v) })
			}
			return g.Wait()
		},
		// SharedPool: a group is no pool that groups could share; each group
		// is one with SetLimit(workers), what its users write instead.
		SharedPool: func(workers int) (func(int, func(int)), func()) {
			return func(n int, task func(int)) {
				_ = each(context.Background(), n, workers, func(_ context.Context, i int) error {
					task(i)
					return nil
				})
			}, func() {}
		},
		// Groups: a group is no pool that groups could share; the nearest
		// shape is a group per group of tasks and one semaphore.Weighted of
		// workers that they share, acquired before each Go and released when
		// the task ends, as the semaphore's own worker-pool example does.
		// An add blocks while every worker is busy, and the semaphore serves
		// the blocked adds in the order they came.
		Groups: func(workers int) (func() (func(func()), func()), func()) {
			sem := semaphore.NewWeighted(int64(workers))
			return func() (func(func()), func()) {
				g, _ := newGroup(context.Background())
				return func(task func()) {
						if err := sem.Acquire(context.Background(), 1); err != nil {
							panic(err) // the context never ends
						}
						g.Go(func() error {
							defer sem.Release(1)
							task()
							return nil
						})
					}, func() {
						_ = g.Wait() // no task fails
					}
			}, func() {}
		},
		// Keyed: a group with SetLimit(workers), which starts the tasks in
		// the order they were added, and a lock per key taken in turn (see
		// keyTurns): a task holds its goroutine, one of the workers, while it
		// waits for the task before it of its key.
		Keyed: func(workers int) (func(int, func()), func()) {
			g, _ := newGroup(context.Background())
			g.SetLimit(workers)
			return keyTurnsOn(func(f func()) { g.Go(func() error { f(); return nil }) },
				func() { _ = g.Wait() })
		},
		// Nested: a group for the tasks and, in each task, a group for its
		// calls, each with SetLimit(limit): the limits multiply.
		Nested: func(outer, inner, limit int, call func(o, i int)) {
			_ = each(context.Background(), outer, limit, func(ctx context.Context, o int) error {
				return each(ctx, inner, limit, func(_ context.Context, i int) error {
					call(o, i)
					return nil
				})
			})
		},
	}
}
