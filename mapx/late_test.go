package mapx_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
)

// runner runs fn over in with one of mapx's functions, dropping what it
// returns: the panic, re-raised, is the caller's to catch.
type runner struct {
	name string
	run  func(in []int, limit int, fn func(context.Context, int) (int, error))
}

var runners = []runner{
	{"Map", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.Map(context.Background(), in, limit, fn)
	}},
	{"ForEach", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.ForEach(context.Background(), in, limit, func(ctx context.Context, v int) error {
			_, err := fn(ctx, v)
			return err
		})
	}},
	{"Settle", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.Settle(context.Background(), in, limit, fn)
	}},
	{"MapSeq", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		for range mapx.MapSeq(context.Background(), slices.Values(in), limit, fn) {
		}
	}},
	{"SettleSeq", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		for range mapx.SettleSeq(context.Background(), slices.Values(in), limit, fn) {
		}
	}},
	{"Expand", func(in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.Expand(context.Background(), in, limit, func(ctx context.Context, v int, _ mapx.Adder[int]) error {
			_, err := fn(ctx, v)
			return err
		})
	}},
}

// lateCalls runs fn over n tiny elements at limit, element k panicking
// (goexit: calling runtime.Goexit instead), and returns how many calls
// started with fn's ctx already done, how many after element k set a flag
// just before it panicked, and how many after fn's own deferred call, the
// last code of fn's that runs, set another.
func lateCalls(t *testing.T, r runner, n, k, limit int, goexit bool) (ctxDone, afterFlag, afterDefer int64) {
	var flag, deferred atomic.Bool
	var done, after, afterDeferred atomic.Int64
	fn := func(ctx context.Context, v int) (int, error) {
		if ctx.Err() != nil {
			done.Add(1)
		}
		if flag.Load() {
			after.Add(1)
		}
		if deferred.Load() {
			afterDeferred.Add(1)
		}
		if v == k {
			defer deferred.Store(true)
			flag.Store(true)
			if goexit {
				runtime.Goexit()
			}
			panic("element k")
		}
		return v, nil
	}
	pe := catchPanic(t, func() { r.run(ints(n), limit, fn) })
	if (pe == nil) != goexit {
		t.Fatalf("%s: panic %v, want one only for a panic", r.name, pe)
	}
	return done.Load(), after.Load(), afterDeferred.Load()
}

// Once a panic or Goexit of fn reaches mapx, no new call starts: the calls
// that began before it, at most one per other worker, run on. fn's ctx is
// canceled after that moment, so a call that starts with it done started
// late. (The runtime's own unwinding, before mapx's deferred call runs, is
// out of reach: TestLateCallsProbe reports it.)
func TestNoCallAfterPanicReachesMapx(t *testing.T) {
	for _, r := range runners {
		for _, limit := range []int{2, 8, 50} {
			for _, goexit := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/limit=%d/goexit=%v", r.name, limit, goexit), func(t *testing.T) {
					for range 20 {
						done, _, _ := lateCalls(t, r, 20_000, 5_000, limit, goexit)
						if done >= int64(limit) {
							t.Fatalf("%d calls started with fn's ctx done, want fewer than the %d workers", done, limit)
						}
					}
				})
			}
		}
	}
}

// TestLateCallsProbe reports, for each function, the calls that start after
// fn set a flag just before it panicked: how long the runtime takes to reach
// mapx's deferred call, with the other workers running meanwhile.
//
// It checks nothing and takes seconds, so it runs only when asked for:
//
//	MAPX_PROBE=1 GOMAXPROCS=2 go test -run LateCallsProbe -v -count 1 ./mapx
func TestLateCallsProbe(t *testing.T) {
	if os.Getenv("MAPX_PROBE") == "" || raceEnabled {
		t.Skip("a probe, not a check: set MAPX_PROBE=1 to run it")
	}
	for _, r := range runners {
		for _, limit := range []int{8, 50} {
			for _, goexit := range []bool{false, true} {
				const runs = 21
				var afters, deferreds []int64
				var mostDone int64
				for range runs {
					done, after, deferred := lateCalls(t, r, 1_000_000, 500_000, limit, goexit)
					afters, deferreds = append(afters, after), append(deferreds, deferred)
					mostDone = max(mostDone, done)
				}
				slices.Sort(afters)
				slices.Sort(deferreds)
				// Medians: a run in which the OS or the scheduler happened to
				// set the panicking goroutine aside says nothing of mapx.
				t.Logf("%-9s limit=%-2d goexit=%-5v after the flag: median %4d, most %6d; after fn's defer: median %4d, most %6d; with ctx done: most %d",
					r.name, limit, goexit, afters[runs/2], afters[runs-1], deferreds[runs/2], deferreds[runs-1], mostDone)
			}
		}
	}
}
