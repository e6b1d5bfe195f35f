package bench

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
	"golang.org/x/sync/errgroup"
)

// group is the method set errgroup.Group and errgroupx.Group share, so that
// both contenders run the same glue: the comparison then shows only what the
// group itself costs.
type group interface {
	SetLimit(n int)
	Go(f func() error)
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
	}
}
