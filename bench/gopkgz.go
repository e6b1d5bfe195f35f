package bench

import (
	"context"
	"strconv"

	"github.com/go-pkgz/pool"
)

// goPkgz is go-pkgz/pool: a WorkerGroup of a fixed number of goroutines
// that all call one worker, fed by Submit from one goroutine and ended by
// Close, with its defaults (items go to the workers in batches of 10). The
// items it carries are indices, so that each call writes its own slot. Its
// first error cancels the workers' ctx and stops them. It has no ordered
// stream, and a WorkerGroup runs once: no group can share it.
var goPkgz = &Contender{
	Name:   "go-pkgz",
	Module: "github.com/go-pkgz/pool",
	Note:   "pool.New[int](n, WorkerFunc), Go, Submit per item, Close",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		goPkgzRun(context.Background(), len(in), limit, false, func(_ context.Context, i int) error {
			out[i] = fn(in[i])
			return nil
		})
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		err := goPkgzRun(ctx, len(in), limit, false, func(ctx context.Context, i int) error {
			r, err := fn(ctx, in[i])
			out[i] = r
			return err
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	},
	Pool: func(n, workers int, task func(int) int) []int {
		out := make([]int, n)
		goPkgzRun(context.Background(), n, workers, false, func(_ context.Context, i int) error {
			out[i] = task(i)
			return nil
		})
		return out
	},
	Go: func(n, workers int, task func(int)) {
		goPkgzRun(context.Background(), n, workers, false, func(_ context.Context, i int) error {
			task(i)
			return nil
		})
	},
	// Settle: WithContinueOnError keeps the workers going after a failure;
	// Close then reports the number of errors and the last one, so the
	// glue keeps each item's error in its slot.
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out, errs := make([]int, len(in)), make([]error, len(in))
		goPkgzRun(ctx, len(in), limit, true, func(ctx context.Context, i int) error {
			out[i], errs[i] = fn(ctx, in[i])
			return errs[i]
		})
		return out, errs
	},
	// Keyed: WithChunkFn, go-pkgz/pool's own way to keep the order of
	// related items: it sends every item of a key to the same worker, by a
	// hash of the key as a string.
	Keyed: func(workers int) (func(int, func()), func()) {
		p := pool.New[keyedItem](workers, pool.WorkerFunc[keyedItem](
			func(_ context.Context, it keyedItem) error {
				it.task()
				return nil
			})).WithChunkFn(func(it keyedItem) string { return strconv.Itoa(it.key) })
		if err := p.Go(context.Background()); err != nil {
			panic(err) // a new group is not yet started
		}
		return func(key int, task func()) { p.Submit(keyedItem{key, task}) }, func() {
			if err := p.Close(context.Background()); err != nil {
				panic(err) // no task fails
			}
		}
	},
}

// keyedItem is an item of go-pkgz's keyed pool: a task and its key.
type keyedItem struct {
	key  int
	task func()
}

// fewWorkersOnly reports whether c is go-pkgz, which the workloads of tens
// of thousands of workers leave out. Once Close has closed go-pkgz/pool
// v0.9.0's item channel, a worker spins in its select while batches are
// left (a closed channel is always ready), and with that many workers the
// spinning starves those with work of the CPU: 100,000 tasks of ants'
// benchmark on 50,000 workers took ten minutes, and of pond's on 20,000
// workers four.
func (c *Contender) fewWorkersOnly() bool { return c == goPkgz }

// goPkgzRun submits 0, ..., n-1 to a new WorkerGroup of the given size that
// calls do on each, and returns what Close returns once the workers are
// done. With continueOnError the group goes on after a failure.
func goPkgzRun(ctx context.Context, n, size int, continueOnError bool,
	do func(ctx context.Context, i int) error) error {
	p := pool.New[int](size, pool.WorkerFunc[int](do))
	if continueOnError {
		p = p.WithContinueOnError()
	}
	if err := p.Go(ctx); err != nil {
		panic(err) // a new group is not yet started
	}
	for i := range n {
		p.Submit(i)
	}
	return p.Close(ctx)
}
