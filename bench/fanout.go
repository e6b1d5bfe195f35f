package bench

import (
	"context"
	"iter"

	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// fanout is the toolkit itself: mapx.Map for the maps and the first error,
// a pool.Pool with a Future per task for the round trip and with Pool.Go
// for the peers' own pool workloads, mapx.MapSeq for the ordered streams,
// mapx.SettleSeq for the unordered one and mapx.Settle for every outcome.
//
// Tree is mapx.Expand, SharedPool a pool.Group per batch on one pool, and
// Nested a pool whose tasks each run a pool.Group of their calls on the
// same pool, which keeps the one bound for both levels.
var fanout = &Contender{
	Name:   "fanout",
	Module: "github.com/fanout-go/fanout",
	Note:   "mapx.Map; pool.New + pool.Submit per task, or Pool.Go; mapx.MapSeq; mapx.SettleSeq; mapx.Settle; mapx.Expand; pool.Group; groups: pool.Group on a pool with QueueSize(200_000); keyed: Pool.GoKey, QueueSize(4096)",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out, _ := mapx.Map(context.Background(), in, limit,
			func(_ context.Context, v int) (int, error) { return fn(v), nil })
		return out // no call fails
	},
	MapErr: mapx.Map[int, int],
	Pool: func(n, workers int, task func(int) int) []int {
		p := pool.New(context.Background(), workers)
		futures := make([]*pool.Future[int], n)
		for i := range n {
			futures[i] = pool.Submit(p, func(context.Context) (int, error) { return task(i), nil })
		}
		out := make([]int, n)
		for i, f := range futures {
			out[i], _ = f.Wait()
		}
		if err := p.Close(); err != nil {
			panic(err) // no task was added with Go, so nothing can fail
		}
		return out
	},
	Go: func(n, workers int, task func(int)) {
		p := pool.New(context.Background(), workers)
		for i := range n {
			p.Go(func(context.Context) error {
				task(i)
				return nil
			})
		}
		if err := p.Close(); err != nil {
			panic(err) // no task fails
		}
	},
	Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		seq := mapx.MapSeq(context.Background(), in, limit,
			func(_ context.Context, v int) (int, error) { return fn(v), nil })
		for r, err := range seq {
			if err != nil {
				panic(err) // no call fails and the context never ends
			}
			emit(r)
		}
	},
	Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		seq := mapx.SettleSeq(context.Background(), in, limit,
			func(_ context.Context, v int) (int, error) { return fn(v), nil })
		for o := range seq {
			if o.Err != nil {
				panic(o.Err) // no call fails and the context never ends
			}
			emit(o.Value)
		}
	},
	Settle: mapx.Settle[int, int],
	Tree: func(ctx context.Context, start []int, limit int,
		visit func(context.Context, int) (int, int, error)) error {
		return mapx.Expand(ctx, start, limit, func(ctx context.Context, v int, more mapx.Adder[int]) error {
			lo, hi, err := visit(ctx, v)
			if err != nil {
				return err
			}
			for k := lo; k < hi; k++ {
				more.Add(k)
			}
			return nil
		})
	},
	// Groups: one pool, a pool.Group per group, served in turns. Its queue
	// holds 200,000 tasks, so that the big group waits queued, in turns
	// with the small ones, rather than blocked at the door before them.
	Groups: func(workers int) (func() (func(func()), func()), func()) {
		p := pool.New(context.Background(), workers, pool.QueueSize(200_000))
		group := func() (func(func()), func()) {
			g := pool.NewGroup[struct{}](context.Background(), p)
			add := func(task func()) {
				g.Go(func(context.Context) (struct{}, error) { task(); return struct{}{}, nil })
			}
			return add, func() {
				if _, err := g.Wait(); err != nil {
					panic(err) // no task fails
				}
			}
		}
		return group, func() {
			if err := p.Close(); err != nil {
				panic(err)
			}
		}
	},
	// Keyed: Pool.GoKey. A task waiting for its key counts in the queue: 4,096
	// places, so that the slow keys' waiting tasks do not fill it.
	Keyed: func(workers int) (func(int, func()), func()) {
		p := pool.New(context.Background(), workers, pool.QueueSize(4096))
		return func(key int, task func()) {
				p.GoKey(key, func(context.Context) error { task(); return nil })
			}, func() {
				if err := p.Close(); err != nil {
					panic(err) // no task fails
				}
			}
	},
	SharedPool: func(workers int) (func(int, func(int)), func()) {
		p := pool.New(context.Background(), workers)
		group := func(n int, task func(int)) {
			g := pool.NewGroup[struct{}](context.Background(), p)
			for i := range n {
				g.Go(func(context.Context) (struct{}, error) {
					task(i)
					return struct{}{}, nil
				})
			}
			if _, err := g.Wait(); err != nil {
				panic(err) // no task fails
			}
		}
		return group, func() {
			if err := p.Close(); err != nil {
				panic(err)
			}
		}
	},
	Nested: func(outer, inner, limit int, call func(o, i int)) {
		p := pool.New(context.Background(), limit)
		g := pool.NewGroup[struct{}](context.Background(), p)
		for o := range outer {
			g.Go(func(ctx context.Context) (struct{}, error) {
				// Made with the task's ctx, the group's calls are the task's
				// children: they run on the same workers, and its Wait lends
				// the task's worker, so one limit holds for both levels.
				calls := pool.NewGroup[struct{}](ctx, p)
				for i := range inner {
					calls.Go(func(context.Context) (struct{}, error) {
						call(o, i)
						return struct{}{}, nil
					})
				}
				_, err := calls.Wait()
				return struct{}{}, err
			})
		}
		if _, err := g.Wait(); err != nil {
			panic(err)
		}
		if err := p.Close(); err != nil {
			panic(err)
		}
	},
}
