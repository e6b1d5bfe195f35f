package pool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// gauge counts the task functions of a pool that run at once, leaving out a
// task while it blocks in one of fanout's waits: then it lends its worker,
// which may run another task meanwhile.
type gauge struct{ now, peak atomic.Int64 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

// wait calls f, a wait of fanout's, with the task that calls it left out of
// the count.
func (g *gauge) wait(f func()) {
	g.leave()
	defer g.enter()
	f()
}

// task returns a task function that counts itself in g while it runs, and
// runs body.
func (g *gauge) task(body func(ctx context.Context) int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		g.enter()
		defer g.leave()
		return body(ctx), nil
	}
}

// busy gives the scheduler room to run other goroutines in the middle of a
// task, so that tasks that should not overlap would.
func busy() {
	for range 20 {
		runtime.Gosched()
	}
}

// children submits n children that do a little work with ctx, waits for them
// with ctx and returns how many ran. own says whether the caller is the
// task's own goroutine, whose waits g counts out; another goroutine the
// task handed its ctx to is not counted in the first place.
func (g *gauge) children(t *testing.T, ctx context.Context, p *pool.Pool, n int, own bool) int {
	// SubmitContext runs the child at once on the task's own goroutine when
	// the queue is full: the task waits in it, as in WaitContext.
	call := func(f func()) { f() }
	if own {
		call = g.wait
	}
	futures := make([]*pool.Future[int], n)
	for i := range futures {
		call(func() {
			futures[i] = pool.SubmitContext(ctx, p, g.task(func(context.Context) int { busy(); return 1 }))
		})
	}
	sum := 0
	for _, f := range futures {
		var v int
		var err error
		call(func() { v, err = f.WaitContext(ctx) })
		if err != nil {
			t.Errorf("child: %v", err)
		}
		sum += v
	}
	return sum
}

// At no moment do more task functions of a pool run than it has workers,
// whatever a task does with its ctx: it submits children and waits for them
// on its own goroutine, or hands its ctx to mapx.Map's or mapx.Expand's fn,
// to 16 goroutines of an errgroupx group, or to a Group, which do. Every worker
// does it at once, with queues of every size, and none deadlocks: synctest
// fails a test whose goroutines all block.
func TestNestedWorkKeepsTheBound(t *testing.T) {
	shapes := []struct {
		name string
		// root is what each root task does with its ctx; it returns how many
		// children ran.
		root func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int
		want int // children per root
	}{
		{"own goroutine", func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int {
			return g.children(t, ctx, p, 8, true)
		}, 8},
		{"mapx.Map's fn", func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int {
			var out []int
			g.wait(func() {
				out, _ = mapx.Map(ctx, make([]int, 20), 20, func(ctx context.Context, _ int) (int, error) {
					return g.children(t, ctx, p, 1, false), nil
				})
			})
			return len(out)
		}, 20},
		{"mapx.Expand's fn", func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int {
			var n atomic.Int64
			g.wait(func() {
				mapx.Expand(ctx, []int{1}, 4, func(ctx context.Context, v int, more mapx.Adder[int]) error {
					if v < 8 { // a tree of 15 items
						more.Add(2 * v)
						more.Add(2*v + 1)
					}
					n.Add(int64(g.children(t, ctx, p, 1, false)))
					return nil
				})
			})
			return int(n.Load())
		}, 15},
		{"errgroupx goroutines", func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int {
			eg, _ := errgroupx.WithContext(ctx)
			var n atomic.Int64
			for range 16 {
				eg.Go(func() error {
					// The task's own ctx, not the group's: handed down as is.
					n.Add(int64(g.children(t, ctx, p, 1, false)))
					return nil
				})
			}
			g.wait(func() { eg.Wait() })
			return int(n.Load())
		}, 16},
		{"Group", func(t *testing.T, g *gauge, ctx context.Context, p *pool.Pool) int {
			grp := pool.NewGroup[int](ctx, p)
			for range 8 {
				grp.Go(g.task(func(context.Context) int { busy(); return 1 }))
			}
			var values []int
			g.wait(func() { values, _ = grp.Wait() })
			return len(values)
		}, 8},
	}
	for _, shape := range shapes {
		for _, workers := range []int{1, 2, 4} {
			for _, queue := range []int{0, 1, 1000} {
				name := fmt.Sprintf("%s/workers=%d/queue=%d", shape.name, workers, queue)
				t.Run(name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						p := pool.New(context.Background(), workers, pool.QueueSize(queue))
						var g gauge
						roots := make([]*pool.Future[int], 2*workers)
						for i := range roots {
							roots[i] = pool.Submit(p, g.task(func(ctx context.Context) int {
								return shape.root(t, &g, ctx, p)
							}))
						}
						for i, f := range roots {
							if v, err := f.Wait(); v != shape.want || err != nil {
								t.Errorf("root %d: %d children ran, %v; want %d", i, v, err, shape.want)
							}
						}
						if err := p.Close(); err != nil {
							t.Fatal(err)
						}
						if peak := g.peak.Load(); peak > int64(workers) {
							t.Errorf("%d task functions ran at once on %d workers", peak, workers)
						}
						n := int64(len(roots) * (1 + shape.want))
						checkStats(t, p, pool.Stats{Submitted: n, Completed: n})
					})
				})
			}
		}
	}
}

// A task that hands its ctx to goroutines of its own and waits for them with
// a sync.WaitGroup, which is not fanout's, keeps its worker while it waits:
// the goroutines' children run on the other workers, never beside it on its
// own. (If every worker's task did this, nothing could run the children: the
// rule in the package doc.)
func TestTaskWaitingOutsideFanoutKeepsItsWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 2
		p := pool.New(context.Background(), workers, pool.QueueSize(1))
		var g gauge
		root := pool.Submit(p, g.task(func(ctx context.Context) int {
			var wg sync.WaitGroup
			var n atomic.Int64
			for range 16 {
				wg.Go(func() { n.Add(int64(g.children(t, ctx, p, 1, false))) })
			}
			wg.Wait() // counted as running: the task holds its worker
			return int(n.Load())
		}))
		if v, err := root.Wait(); v != 16 || err != nil {
			t.Errorf("root: %d children ran, %v; want 16", v, err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if peak := g.peak.Load(); peak > workers {
			t.Errorf("%d task functions ran at once on %d workers", peak, workers)
		}
	})
}
