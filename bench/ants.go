package bench

import (
	"context"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"
)

// antsC is ants v2: a Pool of limit workers per operation, one Submit per
// item, a WaitGroup to know when all are done, results written into their
// slots. ants has no errors, results or ordered stream of its own; the glue
// for the first error is a sync.Once and a canceled context.
var antsC = &Contender{
	Name:   "ants",
	Module: "github.com/panjf2000/ants/v2",
	Note:   "NewPool, Submit per item, a WaitGroup",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		antsRun(len(in), limit, func(i int) { out[i] = fn(in[i]) })
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		out := make([]int, len(in))
		var once sync.Once
		var first error
		antsRun(len(in), limit, func(i int) {
			r, err := fn(ctx, in[i])
			if err != nil {
				once.Do(func() { first = err; cancel() })
			}
			out[i] = r
		})
		if first != nil {
			return nil, first
		}
		return out, nil
	},
	Pool: func(n, workers int, task func(int) int) []int {
		out := make([]int, n)
		antsRun(n, workers, func(i int) { out[i] = task(i) })
		return out
	},
}

// antsRun submits body(0), ..., body(n-1) to a new ants pool of the given
// size and returns once all have run and the pool's goroutines are gone.
// Release alone would leave workers and the pool's purge goroutine to exit
// in their own time; ReleaseTimeout waits for them, which goleak (and
// fairness to the pools that join theirs) needs.
func antsRun(n, size int, body func(i int)) {
	p, err := ants.NewPool(size)
	if err != nil {
		panic(err)
	}
	defer func() {
		if err := p.ReleaseTimeout(10 * time.Second); err != nil {
			panic(err)
		}
	}()
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		if err := p.Submit(func() { body(i); wg.Done() }); err != nil {
			panic(err) // a blocking pool that is open accepts every task
		}
	}
	wg.Wait()
}
