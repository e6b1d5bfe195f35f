package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
)

// count yields 0, 1, ... n-1, or forever for n < 0, and counts what it read.
func count(n int, read *atomic.Int64) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; n < 0 || i < n; i++ {
			if read != nil {
				read.Add(1)
			}
			if !yield(i) {
				return
			}
		}
	}
}

// collect ranges over seq and returns its results and its final error.
func collect[R any](seq iter.Seq2[R, error]) ([]R, error) {
	out := []R{}
	for r, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestMapSeqOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 255, 256, 257, 3000, 20_000} {
		for _, limit := range []int{1, 3, 0, 50} {
			t.Run(fmt.Sprintf("n=%d/limit=%d", n, limit), func(t *testing.T) {
				want := make([]int, n)
				for i := range want {
					want[i] = 2 * i
				}
				got, err := collect(mapx.MapSeq(context.Background(), count(n, nil), limit, double))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("MapSeq (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestMapSeqNilIsEmpty(t *testing.T) {
	got, err := collect(mapx.MapSeq(context.Background(), nil, 2, double))
	if err != nil || len(got) != 0 {
		t.Fatalf("MapSeq(nil) = %v, %v; want nothing", got, err)
	}
}

// TestMapSeqEndlessIsBounded reads an endless input and checks that MapSeq
// never reads far ahead of what was consumed, and that breaking out stops it.
func TestMapSeqEndlessIsBounded(t *testing.T) {
	const limit, consume = 4, 50_000
	// At most 2·limit batches of 256 elements, and the one being filled.
	const bound = (2*limit + 1) * 256
	var read atomic.Int64
	var g gauge
	yielded := 0
	for v, err := range mapx.MapSeq(context.Background(), count(-1, &read), limit,
		func(_ context.Context, v int) (int, error) {
			g.enter()
			defer g.leave()
			return v, nil
		}) {
		if err != nil {
			t.Fatal(err)
		}
		if v != yielded {
			t.Fatalf("result %d is %d", yielded, v)
		}
		yielded++
		if ahead := read.Load() - int64(yielded); ahead > bound {
			t.Fatalf("%d elements read ahead of the consumer, want at most %d", ahead, bound)
		}
		if yielded == consume {
			break
		}
	}
	if n := g.now.Load(); n != 0 {
		t.Errorf("%d calls still running after the loop ended", n)
	}
	if p := g.peak.Load(); p > limit {
		t.Errorf("peak concurrency %d, want at most %d", p, limit)
	}
}

// Breaking out of a range over either sequence cancels the calls in flight
// and waits for them before the loop statement ends.
func TestSeqBreakCancelsCallsInFlight(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			var g gauge
			var canceled atomic.Int64
			held := inFlight(func() { canceled.Add(1) })
			s.run(count(100, nil), 4, func(ctx context.Context, v int) (int, error) {
				g.enter()
				defer g.leave()
				return held(ctx, v)
			}, func(int) bool { return false })
			if n := g.now.Load(); n != 0 {
				t.Errorf("%d calls still running after the loop ended", n)
			}
			if canceled.Load() == 0 {
				t.Error("no call in flight saw its ctx canceled")
			}
		})
	}
}

func TestMapSeqError(t *testing.T) {
	errBad := errors.New("bad")
	const failAt = 3000
	got, err := collect(mapx.MapSeq(context.Background(), count(10_000, nil), 4,
		func(_ context.Context, v int) (int, error) {
			if v == failAt {
				return 0, errBad
			}
			return 2 * v, nil
		}))
	wantItemError(t, err, failAt, errBad)
	// The results before the error are a prefix of the successful ones.
	for i, r := range got {
		if r != 2*i || i >= failAt {
			t.Fatalf("result %d is %d: not a prefix of the successful results", i, r)
		}
	}
}

func TestMapSeqErrorIsLast(t *testing.T) {
	errBad := errors.New("bad")
	var pairs int
	var last error
	for _, err := range mapx.MapSeq(context.Background(), count(1000, nil), 2,
		func(_ context.Context, v int) (int, error) {
			if v == 500 {
				return 0, errBad
			}
			return v, nil
		}) {
		pairs++
		if last != nil {
			t.Fatalf("a pair came after the error %v", last)
		}
		last = err
	}
	wantItemError(t, last, 500, errBad)
}

func TestMapSeqContextDoneOnEntry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var read atomic.Int64
	var pairs []error
	for r, err := range mapx.MapSeq(ctx, count(10, &read), 2, double) {
		if r != 0 {
			t.Errorf("result %d, want zero", r)
		}
		pairs = append(pairs, err)
	}
	if len(pairs) != 1 || !errors.Is(pairs[0], context.Canceled) || read.Load() != 0 {
		t.Fatalf("got %v after reading %d, want one context.Canceled and nothing read", pairs, read.Load())
	}
}

func TestMapSeqContextCanceledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, err := collect(mapx.MapSeq(ctx, count(-1, nil), 3, func(_ context.Context, v int) (int, error) {
		if v == 1000 {
			cancel()
		}
		return v, nil
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v after %d results, want context.Canceled", err, len(got))
	}
	if !slices.Equal(got, ints(len(got))) {
		t.Error("results before the error are not a prefix")
	}
}

func TestMapSeqPanic(t *testing.T) {
	pe := catchPanic(t, func() {
		for range mapx.MapSeq(context.Background(), count(1000, nil), 4,
			func(_ context.Context, v int) (int, error) {
				if v == 300 {
					panic("bad element")
				}
				return v, nil
			}) {
		}
	})
	if pe == nil || pe.Value != "bad element" {
		t.Fatalf("range panicked with %v, want bad element", pe)
	}
}

func TestMapSeqPanicInLoopBodyStopsWorkers(t *testing.T) {
	defer func() {
		if v := recover(); v != "body" {
			t.Fatalf("recovered %v, want the loop body's panic", v)
		}
	}()
	for range mapx.MapSeq(context.Background(), count(-1, nil), 4, double) {
		panic("body") // goleak checks that the workers are gone
	}
}

func TestMapSeqGoexit(t *testing.T) {
	_, err := collect(mapx.MapSeq(context.Background(), count(1000, nil), 3,
		func(_ context.Context, v int) (int, error) {
			if v == 10 {
				runtime.Goexit()
			}
			return v, nil
		}))
	if !errors.Is(err, errgroupx.ErrGoexit) {
		t.Fatalf("error = %v, want ErrGoexit", err)
	}
}

func TestMapSeqRangedTwice(t *testing.T) {
	seq := mapx.MapSeq(context.Background(), count(300, nil), 2, double)
	a, errA := collect(seq)
	b, errB := collect(seq)
	if errA != nil || errB != nil || len(a) != 300 {
		t.Fatalf("errors %v, %v; %d results", errA, errB, len(a))
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("second range differs (-first +second):\n%s", diff)
	}
}
