package bench

import (
	"context"
	"iter"

	conciter "github.com/sourcegraph/conc/iter"
	"github.com/sourcegraph/conc/pool"
	"github.com/sourcegraph/conc/stream"
)

// concIter is conc's iter package: a Mapper with MaxGoroutines set to the
// limit. It has no pool and no stream, and MapErr has no context: it runs
// every call and joins their errors.
var concIter = &Contender{
	Name:   "conc-iter",
	Module: "github.com/sourcegraph/conc",
	Note:   "iter.Mapper{MaxGoroutines}.Map / MapErr",
	Map: func(in []int, limit int, fn func(int) int) []int {
		return conciter.Mapper[int, int]{MaxGoroutines: limit}.Map(in,
			func(v *int) int { return fn(*v) })
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		return conciter.Mapper[int, int]{MaxGoroutines: limit}.MapErr(in,
			func(v *int) (int, error) { return fn(ctx, *v) })
	},
}

// concPool is conc's pool package, one Go per item; for the stream, conc's
// stream package, which is a pool that runs callbacks in submission order.
var concPool = &Contender{
	Name:   "conc-pool",
	Module: "github.com/sourcegraph/conc",
	Note:   "pool.New().WithMaxGoroutines, one Go per item; stream.Stream for Stream",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		p := pool.New().WithMaxGoroutines(limit)
		for i, v := range in {
			p.Go(func() { out[i] = fn(v) })
		}
		p.Wait()
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().
			WithMaxGoroutines(limit)
		for i, v := range in {
			p.Go(func(ctx context.Context) error {
				r, err := fn(ctx, v)
				out[i] = r
				return err
			})
		}
		if err := p.Wait(); err != nil {
			return nil, err
		}
		return out, nil
	},
	// Pool collects with a ResultPool, which returns results in the order
	// they finished: the workload accepts any order.
	Pool: func(n, workers int, task func(int) int) []int {
		p := pool.NewWithResults[int]().WithMaxGoroutines(workers)
		for i := range n {
			p.Go(func() int { return task(i) })
		}
		return p.Wait()
	},
	Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		s := stream.New().WithMaxGoroutines(limit)
		for v := range in {
			s.Go(func() stream.Callback {
				r := fn(v)
				return func() { emit(r) }
			})
		}
		s.Wait()
	},
}
