package bench

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
)

// reference is the hand-written mark of how close to the hardware a library
// can get: limit goroutines (the caller's among them) claim chunks of
// indices from one atomic counter, with no per-item allocation, channel or
// closure of its own. Where the shape has no indices, it is the loop a
// careful user writes by hand: workers on channels for results as they
// finish, on a shared stack for the tree, and on a channel of tasks for the
// shared pool.
var reference = &Contender{
	Name: "reference",
	Note: "hand-written: workers claim chunks of indices from an atomic counter",
	Map: func(in []int, limit int, fn func(int) int) []int {
		out := make([]int, len(in))
		parallelFor(len(in), limit, func(i int) bool {
			out[i] = fn(in[i])
			return true
		})
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		var first error
		var once sync.Once
		parallelFor(len(in), limit, func(i int) bool {
			r, err := fn(ctx, in[i])
			if err != nil {
				once.Do(func() { first = err })
				return false
			}
			out[i] = r
			return true
		})
		if first != nil {
			return nil, first
		}
		return out, nil
	},
	Pool: func(n, workers int, task func(int) int) []int {
		out := make([]int, n)
		parallelFor(n, workers, func(i int) bool {
			out[i] = task(i)
			return true
		})
		return out
	},
	Go: func(n, workers int, task func(int)) {
		parallelFor(n, workers, func(i int) bool {
			task(i)
			return true
		})
	},
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out, errs := make([]int, len(in)), make([]error, len(in))
		parallelFor(len(in), limit, func(i int) bool {
			out[i], errs[i] = fn(ctx, in[i])
			return true
		})
		return out, errs
	},
	// Nested holds one limit over all the calls: it runs them as one
	// parallelFor, the mark of what that limit costs.
	Nested: func(outer, inner, limit int, call func(o, i int)) {
		parallelFor(outer*inner, limit, func(k int) bool {
			call(k/inner, k%inner)
			return true
		})
	},
	Unordered:  handUnordered,
	Tree:       handTree,
	SharedPool: handPool,
	Groups:     handGroups,
	Keyed:      handKeyed,
	// Stream reads a batch of items, maps it with parallelFor, emits it, and
	// reads the next: memory stays at one batch, at the price of the workers
	// idling while the caller reads and emits (cheap next to 1 µs of work).
	Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		batch := make([]int, 0, 256*limit)
		flush := func() {
			parallelFor(len(batch), limit, func(i int) bool {
				batch[i] = fn(batch[i])
				return true
			})
			for _, r := range batch {
				emit(r)
			}
			batch = batch[:0]
		}
		for v := range in {
			if batch = append(batch, v); len(batch) == cap(batch) {
				flush()
			}
		}
		flush()
	},
}

// parallelFor calls body(i) for every i in [0, n) from min(workers, n)
// goroutines, the caller's among them, and returns when they are done. Each
// goroutine claims a chunk of indices at a time from a shared counter, so the
// counter is touched about 8 times per goroutine rather than once per item.
// Once a body returns false, no new body starts: every goroutine checks a
// shared flag before each item (a plain load while nobody writes it).
func parallelFor(n, workers int, body func(i int) bool) {
	workers = min(workers, n)
	if workers <= 0 {
		return
	}
	chunk := max(1, n/(8*workers))
	var next atomic.Int64
	var stop atomic.Bool
	work := func() {
		for {
			hi := int(next.Add(int64(chunk)))
			lo := hi - chunk
			if lo >= n {
				return
			}
			for i := lo; i < min(hi, n); i++ {
				if stop.Load() {
					return
				}
				if !body(i) {
					stop.Store(true)
					return
				}
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
