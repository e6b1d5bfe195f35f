package bench

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"
)

// antsC is ants v2: a Pool of limit workers per operation, one Submit per
// item, a WaitGroup to know when all are done, results written into their
// slots. ants has no errors, results or ordered stream of its own; the glue
// for the first error is a sync.Once and a canceled context. Its Submit
// blocks while the pool is full: a tree's visits that add visits would all
// block there once it is.
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
	Go: antsRun,
	Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		p := newAntsPool(limit)
		var wg sync.WaitGroup
		unorderedOn(in, fn, emit, func(f func()) {
			wg.Add(1)
			if err := p.Submit(func() { f(); wg.Done() }); err != nil {
				panic(err) // a blocking pool that is open accepts every task
			}
		}, func() {
			wg.Wait()
			releaseAnts(p)
		})
	},
	// Nested: a pool for the tasks and, in each task, a pool for its calls,
	// each of limit workers.
	Nested: func(outer, inner, limit int, call func(o, i int)) {
		antsRun(outer, limit, func(o int) {
			antsRun(inner, limit, func(i int) { call(o, i) })
		})
	},
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out, errs := make([]int, len(in)), make([]error, len(in))
		antsRun(len(in), limit, func(i int) { out[i], errs[i] = fn(ctx, in[i]) })
		return out, errs
	},
	// Groups: one ants pool, a WaitGroup per group. ants has no queue:
	// Submit blocks while every worker is busy, and a worker that frees
	// wakes one blocked Submit.
	Groups: func(workers int) (func() (func(func()), func()), func()) {
		p := newAntsPool(workers)
		return func() (func(func()), func()) {
			var wg sync.WaitGroup
			return func(task func()) {
				wg.Add(1)
				if err := p.Submit(func() { task(); wg.Done() }); err != nil {
					panic(err) // a blocking pool that is open accepts every task
				}
			}, wg.Wait
		}, func() { releaseAnts(p) }
	},
	// SharedPool: one ants pool for every group, a WaitGroup per group.
	SharedPool: func(workers int) (func(int, func(int)), func()) {
		p := newAntsPool(workers)
		return func(n int, task func(int)) { antsSubmit(p, n, task) }, func() { releaseAnts(p) }
	},
}

// antsRun submits body(0), ..., body(n-1) to a new ants pool of the given
// size and returns once all have run and the pool's goroutines are gone.
func antsRun(n, size int, body func(i int)) {
	p := newAntsPool(size)
	defer releaseAnts(p)
	antsSubmit(p, n, body)
}

// antsSubmit submits body(0), ..., body(n-1) to p and returns once all have
// run.
func antsSubmit(p *ants.Pool, n int, body func(i int)) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		if err := p.Submit(func() { body(i); wg.Done() }); err != nil {
			panic(err) // a blocking pool that is open accepts every task
		}
	}
	wg.Wait()
}

func newAntsPool(size int) *ants.Pool {
	p, err := ants.NewPool(size)
	if err != nil {
		panic(err)
	}
	return p
}

// releaseAnts ends p and waits for its goroutines. Release alone would
// leave workers and the pool's purge goroutine to exit in their own time;
// ReleaseTimeout waits for them, which goleak (and fairness to the pools
// that join theirs) needs.
func releaseAnts(p *ants.Pool) {
	if err := p.ReleaseTimeout(10 * time.Second); err != nil {
		panic(err)
	}
}
