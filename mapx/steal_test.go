package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/mapx"
)

// The tests of work stealing: a call that blocks holds back no other
// element's call while a worker is free, and no element is called twice or
// left out however the workers split the work.

// TestNoCallWaitsBehindABlockedOne blocks the call of one element until
// every other element's call has returned, with each function of the
// package: the elements handed out with the blocked one must go to the
// workers that are free. At limit 1 no worker is, so it starts at 2. In a
// bubble, so that a worker left waiting fails the test at once, as a
// deadlock, instead of hanging it.
func TestNoCallWaitsBehindABlockedOne(t *testing.T) {
	// 1000: within MapSeq's window even at limit 2 (512 elements a unit of
	// limit), which caps how far it runs past a result not yet yielded.
	const n = 1000
	for _, f := range every {
		for _, limit := range []int{2, 3, 8, 64} {
			for _, blocked := range []int{0, 1, 500, n - 1} {
				t.Run(fmt.Sprintf("%s/limit=%d/blocked=%d", f.name, limit, blocked), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						release := make(chan struct{})
						var others, calls atomic.Int64
						f.run(context.Background(), ints(n), limit, func(ctx context.Context, v int) (int, error) {
							calls.Add(1)
							if v == blocked {
								<-release
							} else if others.Add(1) == n-1 {
								close(release)
							}
							return v, nil
						})
						if got := calls.Load(); got != n {
							t.Fatalf("%d calls, want %d", got, n)
						}
					})
				})
			}
		}
	}
}

// TestEachElementCalledOnce runs the slice functions and the sequences over
// inputs whose calls take very different times, so that workers steal from
// each other all the time: every element must be called exactly once, and
// its result land in its place.
func TestEachElementCalledOnce(t *testing.T) {
	runs := 30
	if testing.Short() {
		runs = 5
	}
	for _, f := range every {
		t.Run(f.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(f.name))))
			for run := range runs {
				n := []int{1, 2, 7, 100, 3000}[run%5]
				limit := []int{2, 3, 4, 8, 33}[rng.IntN(5)]
				slow := rng.IntN(50) + 1
				calls := make([]atomic.Int32, n)
				f.run(context.Background(), ints(n), limit, func(ctx context.Context, v int) (int, error) {
					calls[v].Add(1)
					if v%slow == 0 {
						// A call that takes a while: the rest of its chunk
						// or batch goes to whoever is free.
						for range 20 {
							runtime.Gosched()
						}
					}
					return v, nil
				})
				for i := range calls {
					if c := calls[i].Load(); c != 1 {
						t.Fatalf("run %d (n %d, limit %d): element %d called %d times", run, n, limit, i, c)
					}
				}
			}
		})
	}
}

var errBad = errors.New("bad")

// TestStolenResultsInPlace checks, beside the calls, what comes out: Map's
// and Settle's results in place, MapSeq's in order, SettleSeq's one per
// index, while the calls take uneven times.
func TestStolenResultsInPlace(t *testing.T) {
	const n = 5000
	fn := func(ctx context.Context, v int) (int, error) {
		if v%61 == 0 {
			for range 50 {
				runtime.Gosched()
			}
		}
		if v%7 == 0 {
			return -v, errBad
		}
		return 2 * v, nil
	}
	for _, limit := range []int{2, 5, 16} {
		out, errs := mapx.Settle(context.Background(), ints(n), limit, fn)
		for i := range n {
			want, werr := fn(context.Background(), i)
			if out[i] != want || errs[i] != werr {
				t.Fatalf("Settle limit %d: element %d gave %d, %v; want %d, %v", limit, i, out[i], errs[i], want, werr)
			}
		}
		seen := make([]bool, n)
		for o := range mapx.SettleSeq(context.Background(), slices.Values(ints(n)), limit, fn) {
			want, werr := fn(context.Background(), o.Index)
			if o.Index < 0 || seen[o.Index] || o.Value != want || o.Err != werr {
				t.Fatalf("SettleSeq limit %d: outcome %+v (seen %v)", limit, o, o.Index >= 0 && seen[o.Index])
			}
			seen[o.Index] = true
		}
		if i := slices.Index(seen, false); i >= 0 {
			t.Fatalf("SettleSeq limit %d: no outcome for %d", limit, i)
		}
		ok := func(ctx context.Context, v int) (int, error) {
			r, _ := fn(ctx, v)
			return r, nil
		}
		got, err := mapx.Map(context.Background(), ints(n), limit, ok)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for r, err := range mapx.MapSeq(context.Background(), slices.Values(ints(n)), limit, ok) {
			want, _ := ok(context.Background(), i)
			if err != nil || r != want || got[i] != want {
				t.Fatalf("limit %d: element %d: MapSeq %d, %v; Map %d; want %d", limit, i, r, err, got[i], want)
			}
			i++
		}
		if i != n {
			t.Fatalf("MapSeq limit %d: %d results, want %d", limit, i, n)
		}
	}
}

// TestSettleCutShortWhileStealing ends ctx at a random call while workers
// steal: each element is called at most once, and Settle gives each one not
// called ErrCutShort with ctx's cause, and each one called its own outcome.
func TestSettleCutShortWhileStealing(t *testing.T) {
	cause := errors.New("enough")
	rng := rand.New(rand.NewPCG(2, 3))
	for run := range 40 {
		n, limit, at := 2000, []int{2, 3, 8}[run%3], rng.IntN(2000)
		ctx, cancel := context.WithCancelCause(context.Background())
		calls := make([]atomic.Int32, n)
		var count atomic.Int64
		_, errs := mapx.Settle(ctx, ints(n), limit, func(ctx context.Context, v int) (int, error) {
			calls[v].Add(1)
			if v%37 == 0 {
				runtime.Gosched()
			}
			if count.Add(1) == int64(at) {
				cancel(cause)
			}
			return v, nil
		})
		cancel(nil)
		if len(errs) != n {
			t.Fatalf("run %d: %d errors for %d elements", run, len(errs), n)
		}
		for i := range calls {
			switch c := calls[i].Load(); {
			case c > 1:
				t.Fatalf("run %d: element %d called %d times", run, i, c)
			case c == 0 && !(errors.Is(errs[i], mapx.ErrCutShort) && errors.Is(errs[i], cause)):
				t.Fatalf("run %d: element %d not called, error %v, want ErrCutShort with %v", run, i, errs[i], cause)
			case c == 1 && errs[i] != nil:
				t.Fatalf("run %d: element %d called, error %v, want nil", run, i, errs[i])
			}
		}
	}
}
