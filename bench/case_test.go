package bench_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/bench"
	"go.uber.org/goleak"
)

// TestCases checks the output of every contender on every workload it can
// do, before anyone times it.
func TestCases(t *testing.T) {
	for _, w := range bench.Workloads {
		items := bench.Size(w.Items)
		if testing.Short() {
			items /= 10
		}
		for _, c := range bench.Contenders {
			cs := bench.Case{Workload: w, Contender: c}
			if !cs.Supported() {
				continue
			}
			t.Run(cs.Name(), func(t *testing.T) {
				if err := cs.Check(items); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestSupport pins down which contender does which workload, so that a
// contender cannot drop out of the table unnoticed.
func TestSupport(t *testing.T) {
	want := map[string]string{ // workloads each contender has no way to do
		"fanout":     "",
		"sequential": "",
		"errgroup":   "Stream",
		"errgroupx":  "Stream",
		"conc-iter":  "PoolRoundTrip Stream",
		"conc-pool":  "",
		"pond":       "",
		"ants":       "Stream",
		"rill":       "PoolRoundTrip",
		"reference":  "",
	}
	if len(bench.Contenders) != len(want) {
		t.Errorf("%d contenders, want %d", len(bench.Contenders), len(want))
	}
	for _, c := range bench.Contenders {
		var got []string
		for _, w := range bench.Workloads {
			if !(bench.Case{Workload: w, Contender: c}).Supported() {
				got = append(got, w.Name)
			}
		}
		if g, w := strings.Join(got, " "), want[c.Name]; g != w {
			t.Errorf("%s has no way to do %q, want %q", c.Name, g, w)
		}
	}
}

// TestMapLimit checks that every contender's Map runs at most limit calls at
// once, the promise all the map workloads rely on.
func TestMapLimit(t *testing.T) {
	const limit = 3
	in := make([]int, 2000)
	for _, c := range bench.Contenders {
		if c.Map == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			var running, peak atomic.Int64
			c.Map(in, limit, func(v int) int {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				runtime.Gosched() // give other calls a chance to overlap this one
				running.Add(-1)
				return v
			})
			if p := peak.Load(); p > limit {
				t.Errorf("%d calls ran at once, limit %d", p, limit)
			}
		})
	}
}

// TestEmpty checks that every contender copes with no items at all: no
// result, no error, no hang.
func TestEmpty(t *testing.T) {
	id := func(v int) int { return v }
	for _, c := range bench.Contenders {
		t.Run(c.Name, func(t *testing.T) {
			if c.Map != nil {
				if out := c.Map(nil, 2, id); len(out) != 0 {
					t.Errorf("Map(nil) = %v, want no results", out)
				}
			}
			if c.MapErr != nil {
				out, err := c.MapErr(context.Background(), nil, 2,
					func(_ context.Context, v int) (int, error) { return v, nil })
				if len(out) != 0 || err != nil {
					t.Errorf("MapErr(nil) = %v, %v, want no results and no error", out, err)
				}
			}
			if c.Pool != nil {
				if out := c.Pool(0, 2, id); len(out) != 0 {
					t.Errorf("Pool(0) = %v, want no results", out)
				}
			}
			if c.Stream != nil {
				c.Stream(func(func(int) bool) {}, 2, id, func(r int) {
					t.Errorf("Stream of nothing emitted %d", r)
				})
			}
		})
	}
}

// TestNoWorkAfterReturn checks the promise of [bench.Contender] that every
// func leaves no goroutine running when it returns: no call of fn may start
// after it, and its goroutines must all end. goleak waits for them, so a
// contender that returns early and leaves its workers going (as rill's
// ToSlice does at an error) is caught by the calls they make meanwhile.
func TestNoWorkAfterReturn(t *testing.T) {
	const n, failAt = 2000, 10
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	seq := func(yield func(int) bool) {
		for _, v := range in {
			if !yield(v) {
				return
			}
		}
	}
	for _, c := range bench.Contenders {
		t.Run(c.Name, func(t *testing.T) {
			var returned atomic.Bool
			var after atomic.Int64
			id := func(v int) int {
				if returned.Load() {
					after.Add(1)
				}
				return v
			}
			check := func(what string, call func()) {
				t.Helper()
				returned.Store(false)
				after.Store(0)
				others := goleak.IgnoreCurrent()
				call()
				returned.Store(true)
				goleak.VerifyNone(t, others)
				if a := after.Load(); a > 0 {
					t.Errorf("%s: %d calls of fn started after it returned", what, a)
				}
			}
			if c.Map != nil {
				check("Map", func() { c.Map(in, 4, id) })
			}
			if c.MapErr != nil {
				check("MapErr", func() {
					c.MapErr(context.Background(), in, 4, func(_ context.Context, v int) (int, error) {
						if id(v) == failAt {
							return 0, errors.New("fail")
						}
						return v, nil
					})
				})
			}
			if c.Pool != nil {
				check("Pool", func() { c.Pool(n, 4, id) })
			}
			if c.Stream != nil {
				check("Stream", func() { c.Stream(seq, 4, id, func(int) {}) })
			}
		})
	}
}
