package bench

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync/atomic"
	"time"
)

// Workload is one task that every [Contender] does its own way. The
// workloads are the values in [Workloads]; they must not be modified.
type Workload struct {
	// Name is the benchmark's name, such as "TinyMap".
	Name string
	// Title describes the workload in a few words, for tables and charts.
	Title string
	// Items is how many items one operation handles at full size.
	Items int
	// Metric is the unit of the workload's own metric, reported beside
	// ns/item, or "" when it has none.
	Metric string

	supports func(c *Contender) bool
	prepare  func(c *Contender, items int) *trial
}

// trial is one workload prepared for one contender: the input built and the
// expected output computed, outside the timed part.
type trial struct {
	run   func()       // one operation: the part that is timed
	check func() error // whether the last run's output was right
	// metric returns the value of [Workload.Metric] after ops runs that
	// took nsPerOp each.
	metric func(ops int, nsPerOp float64) float64
}

// ioLimit is the I/O map's limit: at most this many calls sleep at once.
const ioLimit = 100

// Workloads lists the workloads in the order of issue 5.
var Workloads = []*Workload{
	{
		Name: "TinyMap", Title: "tiny map: 100,000 × v*2", Items: 100_000,
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare:  func(c *Contender, n int) *trial { return mapTrial(c, n, runtime.GOMAXPROCS(0), double, double) },
	},
	{
		Name: "CPUMap", Title: "CPU map: 10,000 × 1 µs", Items: 10_000,
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare:  func(c *Contender, n int) *trial { return mapTrial(c, n, runtime.GOMAXPROCS(0), spin, spin) },
	},
	{
		Name: "IOMap", Title: "I/O map: 2,000 × 1 ms sleep, limit 100", Items: 2_000,
		Metric:   "x-ideal",
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare: func(c *Contender, n int) *trial {
			t := mapTrial(c, n, ioLimit, nap, napResult)
			// Ideal: every wave of ioLimit calls takes exactly the 1 ms.
			ideal := float64((n + ioLimit - 1) / ioLimit * int(time.Millisecond))
			t.metric = func(_ int, nsPerOp float64) float64 { return nsPerOp / ideal }
			return t
		},
	},
	{
		Name: "FirstError", Title: "first error: 100,000 tiny, fails at item 1,000", Items: 100_000,
		Metric:   "late-calls",
		supports: func(c *Contender) bool { return c.MapErr != nil },
		prepare:  firstErrorTrial,
	},
	{
		Name: "PoolRoundTrip", Title: "pool round trip: 100,000 tiny tasks", Items: 100_000,
		supports: func(c *Contender) bool { return c.Pool != nil },
		prepare: func(c *Contender, n int) *trial {
			want := apply(iota(n), double)
			var got []int
			return &trial{
				run:   func() { got = c.Pool(n, runtime.GOMAXPROCS(0), double) },
				check: func() error { return sameInAnyOrder(want, got) },
			}
		},
	},
	{
		Name: "Stream", Title: "stream: 1,000,000 × 1 µs from an iterator, in order", Items: 1_000_000,
		Metric:   "peak-items",
		supports: func(c *Contender) bool { return c.Stream != nil },
		prepare:  streamTrial,
	},
}

// Size returns how many items a workload of the given full size handles in
// this build: items itself, or a tenth of it under the race detector, where
// timings mean nothing and every item costs many times more.
func Size(items int) int {
	if raceEnabled {
		return items / 10
	}
	return items
}

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
// for item failAt has failed. They are work the caller no longer wants.
func firstErrorTrial(c *Contender, n int) *trial {
	in := iota(n)
	var failed atomic.Bool
	var late atomic.Int64
	fn := func(_ context.Context, v int) (int, error) {
		if failed.Load() {
			late.Add(1)
		}
		if v == failAt {
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

// streamTrial feeds 0..n-1 through an iterator and checks, as each result
// arrives, that it is the right one in the right place. Its metric is the
// most items ever read from the iterator but not yet emitted: what a
// contender holds in memory at once.
func streamTrial(c *Contender, n int) *trial {
	want := apply(iota(n), spin)
	var (
		emitted atomic.Int64 // written by the consumer, read by the producer
		peak    int64        // the producer's alone; read once run returns
		wrong   int          // the consumer's alone
		firstAt = -1
	)
	in := iter.Seq[int](func(yield func(int) bool) {
		for i := range n {
			if held := int64(i) + 1 - emitted.Load(); held > peak {
				peak = held
			}
			if !yield(i) {
				return
			}
		}
	})
	emit := func(r int) {
		k := emitted.Load()
		if k >= int64(n) || r != want[k] {
			if wrong++; firstAt < 0 {
				firstAt = int(k)
			}
		}
		emitted.Store(k + 1)
	}
	return &trial{
		run: func() {
			emitted.Store(0)
			c.Stream(in, runtime.GOMAXPROCS(0), spin, emit)
		},
		check: func() error {
			if got := emitted.Load(); got != int64(n) {
				return fmt.Errorf("emitted %d results, want %d", got, n)
			}
			if wrong > 0 {
				return fmt.Errorf("%d results wrong or out of order, the first at %d", wrong, firstAt)
			}
			return nil
		},
		metric: func(int, float64) float64 { return float64(peak) },
	}
}
