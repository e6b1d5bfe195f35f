package bench

import (
	"context"
	"iter"
	"slices"
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
	Stream:    loop,
	Unordered: loop,
	Go: func(n, _ int, task func(int)) {
		for i := range n {
			task(i)
		}
	},
	Settle: func(ctx context.Context, in []int, _ int,
		fn func(context.Context, int) (int, error)) ([]int, []error) {
		out, errs := make([]int, len(in)), make([]error, len(in))
		for i, v := range in {
			out[i], errs[i] = fn(ctx, v)
		}
		return out, errs
	},
	// Tree keeps the values still to visit on a stack: depth first.
	Tree: func(ctx context.Context, start []int, _ int,
		visit func(context.Context, int) (int, int, error)) error {
		stack := slices.Clone(start)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			lo, hi, err := visit(ctx, v)
			if err != nil {
				return err
			}
			for k := lo; k < hi; k++ {
				stack = append(stack, k)
			}
		}
		return nil
	},
	SharedPool: func(int) (func(int, func(int)), func()) {
		return func(n int, task func(int)) {
			for i := range n {
				task(i)
			}
		}, func() {}
	},
	// Keyed runs each task as it is added: in order for every key.
	Keyed: func(int) (func(int, func()), func()) {
		return func(_ int, task func()) { task() }, func() {}
	},
	Nested: func(outer, inner, _ int, call func(o, i int)) {
		for o := range outer {
			for i := range inner {
				call(o, i)
			}
		}
	},
}

// loop emits fn of each item of in, in order, on the caller's goroutine.
func loop(in iter.Seq[int], _ int, fn func(int) int, emit func(int)) {
	for v := range in {
		emit(fn(v))
	}
}
