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
// every call and joins their errors, which makes it conc's way to every
// outcome.
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
	// Settle: MapErr's joined error is the one report of the failures.
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out, err := conciter.Mapper[int, int]{MaxGoroutines: limit}.MapErr(in,
			func(v *int) (int, error) { return fn(ctx, *v) })
		return out, []error{err}
	},
}

// concPool is conc's pool package, one Go per item; for the stream, conc's
// stream package, which is a pool that runs callbacks in submission order.
// A conc pool ends at its Wait, so no groups can share one, and its Go
// blocks while the pool is full, with no TryGo: a tree's visits that add
// visits would all block there once the pool is full.
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
	Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		p := pool.New().WithMaxGoroutines(limit)
		unorderedOn(in, fn, emit, p.Go, p.Wait)
	},
	// Settle: an ErrorPool without WithFirstError, whose Wait joins the
	// errors of every task.
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out := make([]int, len(in))
		p := pool.New().WithErrors().WithMaxGoroutines(limit)
		for i, v := range in {
			p.Go(func() error {
				r, err := fn(ctx, v)
				out[i] = r
				return err
			})
		}
		return out, []error{p.Wait()}
	},
	Go: func(n, workers int, task func(int)) {
		p := pool.New().WithMaxGoroutines(workers)
		for i := range n {
			p.Go(func() { task(i) })
		}
		p.Wait()
	},
	// Nested: a pool for the tasks and, in each task, a pool for its calls,
	// each WithMaxGoroutines(limit).
	Nested: func(outer, inner, limit int, call func(o, i int)) {
		p := pool.New().WithMaxGoroutines(limit)
		for o := range outer {
			p.Go(func() {
				q := pool.New().WithMaxGoroutines(limit)
				for i := range inner {
					q.Go(func() { call(o, i) })
				}
				q.Wait()
			})
		}
		p.Wait()
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
