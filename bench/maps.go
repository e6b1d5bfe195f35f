package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
)

// mapTrial maps 0..n-1 with fn; pure computes the same results as fn, and
// may skip what fn does besides (such as sleeping).
func mapTrial(c *Contender, n, limit int, fn, pure func(int) int) *trial {
	in := iota(n)
	want := apply(in, pure)
	var got []int
	return &trial{
		run:   func() { got = c.Map(in, limit, fn) },
		check: func() error { return sameInOrder(want, got) },
	}
}

// firstErrorTrial counts late calls: calls of fn that start after the call
// for item failAt (the middle item, in fewer than 2·failAt items) has
// failed. They are work the caller no longer wants.
func firstErrorTrial(c *Contender, n int) *trial {
	in := iota(n)
	at := min(failAt, n/2)
	var failed atomic.Bool
	var late atomic.Int64
	fn := func(_ context.Context, v int) (int, error) {
		if failed.Load() {
			late.Add(1)
		}
		if v == at {
			failed.Store(true)
			return 0, errBoom
		}
		return double(v), nil
	}
	var err error
	return &trial{
		run: func() {
			failed.Store(false)
			_, err = c.MapErr(context.Background(), in, runtime.GOMAXPROCS(0), fn)
		},
		check: func() error {
			if !errors.Is(err, errBoom) {
				return fmt.Errorf("error is %v, want %v", err, errBoom)
			}
			return nil
		},
		metric: func(ops int, _ float64) float64 { return float64(late.Load()) / float64(ops) },
	}
}
