package bench

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
	"golang.org/x/sync/errgroup"
)

// errgroupC is golang.org/x/sync/errgroup as most Go code uses it for a
// bounded map: SetLimit, then one Go per item writing its own slot.
var errgroupC = &Contender{
	Name:   "errgroup",
	Module: "golang.org/x/sync",
	Note:   "errgroup.Group, SetLimit, one Go per item",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		var g errgroup.Group
		g.SetLimit(limit)
		for i, v := range in {
			g.Go(func() error {
				out[i] = fn(v)
				return nil
			})
		}
		_ = g.Wait() // no call fails
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(limit)
		for i, v := range in {
			g.Go(func() error {
				r, err := fn(ctx, v)
				out[i] = r
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		return out, nil
	},
	// Pool: errgroup has no pool; SetLimit with a goroutine per task is
	// what its users write instead, so it stands here as the nearest thing.
	Pool: func(n, workers int, task func(int) int) []int {
		out := make([]int, n)
		var g errgroup.Group
		g.SetLimit(workers)
		for i := range n {
			g.Go(func() error {
				out[i] = task(i)
				return nil
			})
		}
		_ = g.Wait()
		return out
	},
}

// errgroupxC is fanout's own errgroupx in errgroup's place, with the same
// glue: it shows what recovering panics costs per goroutine.
var errgroupxC = &Contender{
	Name:   "errgroupx",
	Module: "github.com/fanout-go/fanout",
	Note:   "fanout's errgroupx.Group, SetLimit, one Go per item",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		var g errgroupx.Group
		g.SetLimit(limit)
		for i, v := range in {
			g.Go(func() error {
				out[i] = fn(v)
				return nil
			})
		}
		_ = g.Wait()
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		g, ctx := errgroupx.WithContext(ctx)
		g.SetLimit(limit)
		for i, v := range in {
			g.Go(func() error {
				r, err := fn(ctx, v)
				out[i] = r
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		return out, nil
	},
	Pool: func(n, workers int, task func(int) int) []int {
		out := make([]int, n)
		var g errgroupx.Group
		g.SetLimit(workers)
		for i := range n {
			g.Go(func() error {
				out[i] = task(i)
				return nil
			})
		}
		_ = g.Wait()
		return out
	},
}
