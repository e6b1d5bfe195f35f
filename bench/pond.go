package bench

import (
	"context"
	"iter"

	"github.com/alitto/pond/v2"
)

// pondC is pond v2: a ResultPool of limit workers per operation, a task
// group for the maps (whose Wait returns results in submission order), and
// futures for the pool round trip. Its queue is unbounded by default, so
// submitting never blocks.
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
