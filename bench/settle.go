package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// settleFailEvery is the every-outcome workload's failure rate: the call
// for every item v with v%settleFailEvery == settleFailEvery-1 fails.
const settleFailEvery = 10

// failure is the error of the call for item int(f) in the every-outcome
// workload.
type failure int

func (f failure) Error() string { return fmt.Sprintf("bench: item %d failed", int(f)) }

// fails reports whether the every-outcome workload's call for v fails.
func fails(v int) bool { return v%settleFailEvery == settleFailEvery-1 }

// settleTrial maps 0..n-1 with double, one call in settleFailEvery
// failing, and checks that every result and every failure came back.
func settleTrial(c *Contender, n int) *trial {
	in := iota(n)
	want := apply(in, double)
	fn := func(_ context.Context, v int) (int, error) {
		if fails(v) {
			return 0, failure(v)
		}
		return double(v), nil
	}
	var (
		out  []int
		errs []error
	)
	return &trial{
		run: func() {
			out, errs = c.Settle(context.Background(), in, runtime.GOMAXPROCS(0), fn)
		},
		check: func() error { return checkOutcomes(want, out, errs) },
	}
}

// checkOutcomes reports how out and errs differ from every outcome of the
// every-outcome workload: out[i] must be want[i] wherever the call
// succeeded, and each failure must be reported once. When errs has an
// entry per item, the failure of item i must be errs[i]; otherwise errs
// may hold the failures in any order, and joined (errors.Join).
func checkOutcomes(want, out []int, errs []error) error {
	if len(out) != len(want) {
		return fmt.Errorf("got %d results, want %d", len(out), len(want))
	}
	for i := range want {
		if !fails(i) && out[i] != want[i] {
			return fmt.Errorf("result %d is %d, want %d", i, out[i], want[i])
		}
	}
	byItem := len(errs) == len(want)
	reported := make([]int, len(want))
	for k, err := range errs {
		// An explicit stack rather than recursion: a library that joins
		// its errors one at a time nests them as deep as there are.
		stack := []error{err}
		for len(stack) > 0 {
			err := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				stack = append(stack, j.Unwrap()...)
				continue
			}
			if err == nil {
				continue
			}
			var f failure
			if !errors.As(err, &f) || int(f) < 0 || int(f) >= len(want) {
				return fmt.Errorf("unexpected error %v", err)
			}
			if byItem && int(f) != k {
				return fmt.Errorf("the failure of item %d is reported for item %d", int(f), k)
			}
			reported[f]++
		}
	}
	for i, r := range reported {
		w := 0
		if fails(i) {
			w = 1
		}
		if r != w {
			return fmt.Errorf("the failure of item %d is reported %d times, want %d", i, r, w)
		}
	}
	return nil
}
