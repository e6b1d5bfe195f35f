package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// BenchmarkNestedMap is nested work: on an 8-worker pool, 20 tasks each map
// 100 items with mapx.Map at limit 8, and each call of Map's fn adds a tiny
// task to the same pool and waits for it. peak-tasks is the most task
// functions seen running at once, leaving out those waiting in Map: it must
// not pass the 8 workers, where the limits of the two levels alone would
// allow 64. The calls yield instead of working, so that tasks that run at
// once overlap.
//
//	go test -run '^$' -bench NestedMap -benchmem ./pool
func BenchmarkNestedMap(b *testing.B) {
	const workers, outer, inner = 8, 20, 100
	p := pool.New(context.Background(), workers)
	defer p.Close()
	var running, peak atomic.Int64
	enter := func() {
		n := running.Add(1)
		for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
		}
	}
	leave := func() { running.Add(-1) }
	leaf := func(context.Context) (int, error) {
		enter()
		runtime.Gosched()
		leave()
		return 1, nil
	}
	items := make([]int, inner)
	task := func(ctx context.Context) (int, error) {
		enter()
		leave() // while Map waits, the task lends its worker
		out, err := mapx.Map(ctx, items, workers, func(ctx context.Context, _ int) (int, error) {
			return pool.SubmitContext(ctx, p, leaf).WaitContext(ctx)
		})
		enter()
		defer leave()
		return len(out), err
	}
	b.ReportAllocs()
	for b.Loop() {
		futures := make([]*pool.Future[int], outer)
		for i := range futures {
			futures[i] = pool.Submit(p, task)
		}
		for _, f := range futures {
			if n, err := f.Wait(); n != inner || err != nil {
				b.Fatalf("a task mapped %d items, %v", n, err)
			}
		}
	}
	b.ReportMetric(float64(peak.Load()), "peak-tasks")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*outer*inner), "ns/item")
	if peak.Load() > workers {
		b.Fatalf("%d task functions ran at once on %d workers", peak.Load(), workers)
	}
}
