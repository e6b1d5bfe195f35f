package bench

import (
	"context"

	"github.com/fanout-go/fanout/pool"
)

// fanout is the toolkit itself: a pool.Pool with a Future per task for the
// round trip. mapx (for the maps, the first error and the stream) is not on
// this branch yet; until it is merged in, those workloads say n/a.
var fanout = &Contender{
	Name:   "fanout",
	Module: "github.com/fanout-go/fanout",
	Note:   "pool.New, pool.Submit per task, Future.Wait",
	Pool: func(n, workers int, task func(int) int) []int {
		p := pool.New(context.Background(), workers)
		futures := make([]*pool.Future[int], n)
		for i := range n {
			futures[i] = pool.Submit(p, func(context.Context) (int, error) { return task(i), nil })
		}
		out := make([]int, n)
		for i, f := range futures {
			out[i], _ = f.Wait() // no task fails and the pool's ctx never ends
		}
		if err := p.Close(); err != nil {
			panic(err) // nothing was added with Go, so Close has nothing to report
		}
		return out
	},
}
