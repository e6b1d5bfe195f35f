package bench

import (
	"context"
	"iter"
)

// sequential is a plain loop on the caller's goroutine: what parallelism has
// to beat. It ignores every limit, since it never runs two calls at once.
var sequential = &Contender{
	Name: "sequential",
	Note: "a for loop",
	Map: func(in []int, _ int, fn func(int) int) []int {
		out := make([]int, len(in))
		for i, v := range in {
			out[i] = fn(v)
		}
		return out
	},
	MapErr: func(ctx context.Context, in []int, _ int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		for i, v := range in {
			r, err := fn(ctx, v)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	},
	Pool: func(n, _ int, task func(int) int) []int {
		out := make([]int, n)
		for i := range n {
			out[i] = task(i)
		}
		return out
	},
	Stream: func(in iter.Seq[int], _ int, fn func(int) int, emit func(int)) {
		for v := range in {
			emit(fn(v))
		}
	},
}
