package bench

import (
	"context"
	"iter"
	"sync"

	"github.com/alitto/pond/v2"
)

// pondC is pond v2: a ResultPool of limit workers per operation, a task
// group for the maps (whose Wait returns results in submission order), and
// futures for the pool round trip and every outcome. Its queue is unbounded
// by default, so submitting never blocks, and a task may submit more: the
// tree needs no more than a WaitGroup to know when the last is done. Groups
// share a pool with NewGroup.
var pondC = &Contender{
	Name:   "pond",
	Module: "github.com/alitto/pond/v2",
	Note:   "NewResultPool, NewGroup().Submit per item; futures for Pool and Stream",
	Map: func(in []int, limit int, fn func(int) int) []int {
		p := pond.NewResultPool[int](limit)
		defer p.StopAndWait()
		g := p.NewGroup()
		for _, v := range in {
			g.Submit(func() int { return fn(v) })
		}
		out, _ := g.Wait() // no task fails
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		p := pond.NewResultPool[int](limit)
		defer p.StopAndWait()
		// The group skips its queued tasks once one has failed.
		g := p.NewGroupContext(ctx)
		for _, v := range in {
			g.SubmitErr(func() (int, error) { return fn(ctx, v) })
		}
		return g.Wait()
	},
	Pool: func(n, workers int, task func(int) int) []int {
		p := pond.NewResultPool[int](workers)
		defer p.StopAndWait()
		futures := make([]pond.ResultTask[int], n)
		for i := range n {
			futures[i] = p.Submit(func() int { return task(i) })
		}
		out := make([]int, n)
		for i, f := range futures {
			out[i], _ = f.Wait()
		}
		return out
	},
	Go: func(n, workers int, task func(int)) {
		p := pond.NewPool(workers)
		defer p.StopAndWait()
		for i := range n {
			if err := p.Go(func() { task(i) }); err != nil {
				panic(err) // a running pool accepts every task
			}
		}
	},
	Settle: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		p := pond.NewResultPool[int](limit)
		defer p.StopAndWait()
		futures := make([]pond.ResultTask[int], len(in))
		for i, v := range in {
			futures[i] = p.SubmitErr(func() (int, error) { return fn(ctx, v) })
		}
		out, errs := make([]int, len(in)), make([]error, len(in))
		for i, f := range futures {
			out[i], errs[i] = f.Wait()
		}
		return out, errs
	},
	// Tree: pond stops nothing at a failure here; the glue keeps the first.
	Tree: func(ctx context.Context, start []int, limit int,
		visit func(context.Context, int) (int, int, error)) error {
		p := pond.NewPool(limit)
		defer p.StopAndWait()
		var (
			wg    sync.WaitGroup
			once  sync.Once
			first error
			add   func(v int)
		)
		add = func(v int) {
			wg.Add(1)
			err := p.Go(func() {
				defer wg.Done()
				lo, hi, err := visit(ctx, v)
				if err != nil {
					once.Do(func() { first = err })
				}
				for k := lo; k < hi && err == nil; k++ {
					add(k)
				}
			})
			if err != nil {
				panic(err) // a running pool accepts every task
			}
		}
		for _, v := range start {
			add(v)
		}
		wg.Wait()
		return first
	},
	// Groups: one pool, a task group per group of tasks. Its queue has no
	// bound, so an add never blocks, and the pool serves tasks in the order
	// they came, whatever their group.
	Groups: func(workers int) (func() (func(func()), func()), func()) {
		p := pond.NewPool(workers)
		return func() (func(func()), func()) {
			g := p.NewGroup()
			return func(task func()) { g.Submit(task) }, func() { _ = g.Wait() } // no task fails
		}, p.StopAndWait
	},
	// Keyed: a pool, which starts tasks in the order they came, and a lock
	// per key taken in turn (see keyTurns): a task holds its worker while
	// it waits for the task before it of its key.
	Keyed: func(workers int) (func(int, func()), func()) {
		p := pond.NewPool(workers)
		return keyTurnsOn(func(f func()) {
			if err := p.Go(f); err != nil {
				panic(err) // a running pool accepts every task
			}
		}, p.StopAndWait)
	},
	SharedPool: func(workers int) (func(int, func(int)), func()) {
		p := pond.NewPool(workers)
		return func(n int, task func(int)) {
			g := p.NewGroup()
			for i := range n {
				g.Submit(func() { task(i) })
			}
			_ = g.Wait() // no task fails
		}, p.StopAndWait
	},
	// Nested: a pool for the tasks and, in each task, a pool for its calls,
	// each of limit workers.
	Nested: func(outer, inner, limit int, call func(o, i int)) {
		p := pond.NewPool(limit)
		defer p.StopAndWait()
		for o := range outer {
			if err := p.Go(func() {
				q := pond.NewPool(limit)
				defer q.StopAndWait()
				for i := range inner {
					if err := q.Go(func() { call(o, i) }); err != nil {
						panic(err) // a running pool accepts every task
					}
				}
			}); err != nil {
				panic(err)
			}
		}
	},
	// Stream: pond has no ordered stream. The nearest is its futures in a
	// window of 32×limit, waited on oldest first: the window keeps every
	// worker busy while the oldest result is emitted, and bounds memory. It
	// holds as many items as MapSeq holds at its peak (64 at limit 2), so
	// that neither gets more read-ahead than the other.
	Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		p := pond.NewResultPool[int](limit)
		defer p.StopAndWait()
		window := make([]pond.ResultTask[int], 32*limit) // a ring, oldest at head
		head, n := 0, 0
		pop := func() {
			r, _ := window[head].Wait()
			window[head] = nil
			head, n = (head+1)%len(window), n-1
			emit(r)
		}
		for v := range in {
			if n == len(window) {
				pop()
			}
			window[(head+n)%len(window)] = p.Submit(func() int { return fn(v) })
			n++
		}
		for n > 0 {
			pop()
		}
	},
}
