package mapx_test

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
	"golang.org/x/sync/errgroup"
)

// The workloads of work that finds more work, each run by Expand and by
// baselines in the same run: errgroup with one g.Go per item, and plain
// loops over a stack (depth first, as Expand) and over a FIFO queue (breadth
// first), whose peaks of queued items say what each order costs in memory.
// impl=Expand-func hands fn a func per call: what Expand would cost if fn
// got an add func(T) rather than an Adder.
//
//	go test -run '^$' -bench Expand -benchmem -count 6 ./mapx | benchstat -col /impl -

// walkFunc is fn for the baselines, which hand it a plain func to add items.
type walkFunc = func(ctx context.Context, v int, add func(int)) error

// children calls add with the children of node v in the tree of n nodes, 0
// to n-1, in which node v's children are 10v+1 to 10v+10.
func children(n, v int, add func(int)) {
	for c := 10*v + 1; c <= 10*v+10 && c < n; c++ {
		add(c)
	}
}

// treeWalk and treeExpand return the fn that walks the tree of n nodes:
// each call adds its node's children, and does nothing else.
func treeWalk(n int) walkFunc {
	return func(_ context.Context, v int, add func(int)) error {
		children(n, v, add)
		return nil
	}
}

func treeExpand(n int) func(context.Context, int, mapx.Adder[int]) error {
	return func(_ context.Context, v int, more mapx.Adder[int]) error {
		for c := 10*v + 1; c <= 10*v+10 && c < n; c++ {
			more.Add(c)
		}
		return nil
	}
}

// expandFunc is Expand with fn handed more.Add, a func that the call of fn
// allocates, as Expand would if fn took an add func(T).
//
//go:noinline
func expandFunc(ctx context.Context, start []int, limit int, fn walkFunc) error {
	return mapx.Expand(ctx, start, limit, func(ctx context.Context, v int, more mapx.Adder[int]) error {
		return fn(ctx, v, more.Add)
	})
}

// perItemExpand is the walk as it is written on errgroup, one g.Go per item:
// the caller's goroutine takes items from a stack and starts each with g.Go,
// which waits while limit run; each call pushes what it found. Only the
// caller calls g.Go: a call that did would deadlock once limit calls wait
// for room.
func perItemExpand(ctx context.Context, start []int, limit int, fn walkFunc) error {
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	var mu sync.Mutex
	more := sync.NewCond(&mu)
	stack := slices.Clone(start)
	running := 0
	for ctx.Err() == nil {
		mu.Lock()
		for len(stack) == 0 && running > 0 {
			more.Wait()
		}
		if len(stack) == 0 {
			mu.Unlock()
			break
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		running++
		mu.Unlock()
		g.Go(func() error {
			var found []int
			err := fn(ctx, v, func(c int) { found = append(found, c) })
			mu.Lock()
			stack = append(stack, found...)
			running--
			more.Signal()
			mu.Unlock()
			return err
		})
	}
	return g.Wait()
}

// loopExpand is the sequential walk over a stack (lifo) or a FIFO queue; it
// records the most items it ever held in *peak.
func loopExpand(start []int, lifo bool, fn walkFunc, peak *int) error {
	queue := slices.Clone(start)
	add := func(v int) { queue = append(queue, v) }
	for len(queue) > 0 {
		*peak = max(*peak, len(queue))
		var v int
		if lifo {
			v, queue = queue[len(queue)-1], queue[:len(queue)-1]
		} else {
			v, queue = queue[0], queue[1:]
		}
		if err := fn(context.Background(), v, add); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkExpandTree walks the tree of a million nodes (20,000 under the
// race detector) at limit GOMAXPROCS. peak-queued is the most items added
// and not yet started at any time; Expand's is measured in one more walk,
// after the timed ones, that counts them.
func BenchmarkExpandTree(b *testing.B) {
	n := 1_000_000
	if raceEnabled {
		n = 20_000
	}
	walk, expandFn := treeWalk(n), treeExpand(n)
	var lifoPeak, fifoPeak int
	contenders := []struct {
		name string
		run  func() error
		peak func() int
	}{
		{"impl=Expand", func() error { return mapx.Expand(context.Background(), []int{0}, 0, expandFn) },
			func() int { return expandPeak(b, n) }},
		// fn handed a func per call, as an add func(T) would be: the
		// allocation that Adder, a value, saves.
		{"impl=Expand-func", func() error { return expandFunc(context.Background(), []int{0}, 0, walk) }, nil},
		{"impl=errgroup", func() error { return perItemExpand(context.Background(), []int{0}, 0, walk) }, nil},
		{"impl=loop-lifo", func() error { return loopExpand([]int{0}, true, walk, &lifoPeak) },
			func() int { return lifoPeak }},
		{"impl=loop-fifo", func() error { return loopExpand([]int{0}, false, walk, &fifoPeak) },
			func() int { return fifoPeak }},
	}
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
			if c.peak != nil {
				b.ReportMetric(float64(c.peak()), "peak-queued")
			}
		})
	}
}

// expandPeak walks the tree of n nodes with Expand, counting the items added
// and not yet started, and returns the most there ever were.
func expandPeak(b *testing.B, n int) int {
	var queued, peak, calls atomic.Int64
	queued.Store(1) // the root
	err := mapx.Expand(context.Background(), []int{0}, 0, func(_ context.Context, v int, more mapx.Adder[int]) error {
		queued.Add(-1)
		calls.Add(1)
		children(n, v, func(c int) {
			q := queued.Add(1)
			for p := peak.Load(); q > p && !peak.CompareAndSwap(p, q); p = peak.Load() {
			}
			more.Add(c)
		})
		return nil
	})
	if err != nil || calls.Load() != int64(n) {
		b.Fatalf("Expand() = %v after %d calls, want nil after %d", err, calls.Load(), n)
	}
	return int(peak.Load())
}

// BenchmarkExpandIO walks a tree of 2,000 nodes whose every call sleeps
// 1 ms, as a fetch would, at limit 50. x-ideal is the time over the ideal,
// the total sleep over 50: 40 ms. A sleep of 1 ms takes longer, the more so
// on a loaded machine: impl=sleeps is the floor, 40 sleeps one after
// another, what 50 workers never idle would take; x-slept is the time over
// the total the calls actually slept, over 50. The tree's first two levels
// (1 and 10 calls) cannot use 50 workers: about 1.05 either way.
func BenchmarkExpandIO(b *testing.B) {
	const n, limit = 2000, 50
	walk, expandFn := treeWalk(n), treeExpand(n)
	var slept atomic.Int64 // ns, summed over the calls
	sleep := func() {
		start := time.Now()
		time.Sleep(time.Millisecond)
		slept.Add(int64(time.Since(start)))
	}
	contenders := []struct {
		name string
		run  func() error
	}{
		{"impl=Expand", func() error {
			return mapx.Expand(context.Background(), []int{0}, limit, func(ctx context.Context, v int, more mapx.Adder[int]) error {
				sleep()
				return expandFn(ctx, v, more)
			})
		}},
		{"impl=errgroup", func() error {
			return perItemExpand(context.Background(), []int{0}, limit, func(ctx context.Context, v int, add func(int)) error {
				sleep()
				return walk(ctx, v, add)
			})
		}},
		{"impl=sleeps", func() error {
			for range n / limit {
				time.Sleep(time.Millisecond)
			}
			return nil
		}},
	}
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			slept.Store(0)
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/(float64(n/limit)*float64(time.Millisecond)), "x-ideal")
			if s := slept.Load(); s > 0 {
				b.ReportMetric(perOp/(float64(s)/float64(b.N)/limit), "x-slept")
			}
		})
	}
}
