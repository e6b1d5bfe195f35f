package mapx_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
)

// mappers runs the same test on Map and on MapSeq, each as a function of a
// slice that returns the results and the error.
var mappers = []struct {
	name string
	run  func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) ([]int, error)
}{
	{"Map", mapx.Map[int, int]},
	{"MapSeq", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) ([]int, error) {
		return collect(mapx.MapSeq(ctx, slices.Values(in), limit, fn))
	}},
}

// deep calls f n frames down, so that a panic in f has a deep stack to take.
func deep(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	deep(n-1, f)
}

// A panic stops the other workers as an error does, the moment fn panics,
// not once the stack has been taken and the group has canceled fn's ctx:
// taking a deep stack is time in which the other worker would start tens of
// thousands of tiny calls (about 1,500 under the race detector), where
// unwinding to the worker takes the time of about 900 (20). The count is of
// calls started after the panicking call began to panic, the median of a few
// tries.
func TestPanicStopsOtherCallsAtOnce(t *testing.T) {
	const tries, failAt, depth = 5, 20_000, 500
	most := int64(5_000)
	if raceEnabled {
		most = 300
	}
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			var counts []int64
			for range tries {
				var panicking atomic.Bool
				var after, calls atomic.Int64
				pe := catchPanic(t, func() {
					m.run(context.Background(), ints(200_000), 2, func(_ context.Context, v int) (int, error) {
						if panicking.Load() {
							after.Add(1)
						}
						if calls.Add(1) == failAt {
							deep(depth, func() {
								panicking.Store(true)
								panic("boom")
							})
						}
						return v, nil
					})
				})
				if pe == nil || pe.Value != "boom" {
					t.Fatalf("panicked with %v, want boom", pe)
				}
				counts = append(counts, after.Load())
			}
			slices.Sort(counts)
			if median := counts[tries/2]; median > most {
				t.Errorf("calls started after the panic: %v; want a median of at most %d", counts, most)
			}
		})
	}
}

// When ctx ends first, its error is returned, even if the call that saw it
// end returns an error of its own.
func TestContextEndedFirstIsTheError(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := m.run(ctx, ints(100), 4, func(ctx context.Context, v int) (int, error) {
				if v == 10 {
					cancel()
					return 0, errors.New("fetch aborted")
				}
				return v, nil
			})
			if err != context.Canceled {
				t.Fatalf("error %v, want %v", err, context.Canceled)
			}
		})
	}
}

// lateCtx is a ctx of a type of its own, which the context package cannot
// see into: the contexts derived from it learn that it ended from a
// goroutine, a moment after it ended.
type lateCtx struct {
	context.Context // Background, for Deadline and Value
	done            chan struct{}
}

func (c *lateCtx) Done() <-chan struct{} { return c.done }

func (c *lateCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// No call starts once the caller's ctx has ended, even before the end has
// reached fn's ctx, derived from it: here a ctx of a type of its own, whose
// children hear of its end from a goroutine (the context package's own pass
// the cancel on while the first is canceled, a shorter time). At limit 1 no
// other worker may have passed its check just before.
func TestNoCallAfterContextEnded(t *testing.T) {
	run := func(t *testing.T, call func(ctx context.Context, fn func(context.Context, int) (int, error))) {
		t.Helper()
		ctx := &lateCtx{Context: context.Background(), done: make(chan struct{})}
		var after atomic.Int64
		call(ctx, func(_ context.Context, v int) (int, error) {
			if ctx.Err() != nil {
				after.Add(1)
			}
			if v == 10 {
				close(ctx.done)
			}
			return v, nil
		})
		if n := after.Load(); n != 0 {
			t.Errorf("%d calls started after ctx ended, want none", n)
		}
	}
	for _, f := range every {
		t.Run(f.name, func(t *testing.T) {
			run(t, func(ctx context.Context, fn func(context.Context, int) (int, error)) {
				f.run(ctx, ints(1000), 1, fn)
			})
		})
	}
	t.Run("Expand", func(t *testing.T) {
		run(t, func(ctx context.Context, fn func(context.Context, int) (int, error)) {
			mapx.Expand(ctx, ints(1000), 1, func(ctx context.Context, v int, _ mapx.Adder[int]) error {
				_, err := fn(ctx, v)
				return err
			})
		})
	})
}

// A ctx done on entry is reported whatever the input, an empty one too,
// except by Settle, which reports it in errs for each element: an empty
// input gets an empty out and nil errs.
func TestContextDoneOnEntryWithEmptyInput(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	never := func(context.Context, int) (int, error) {
		t.Error("fn called with a done ctx")
		return 0, nil
	}
	if out, err := mapx.Map(ctx, nil, 2, never); out != nil || err != context.Canceled {
		t.Errorf("Map() = %v, %v; want nil, %v", out, err, context.Canceled)
	}
	if err := mapx.ForEach(ctx, []int{}, 2, func(context.Context, int) error { return nil }); err != context.Canceled {
		t.Errorf("ForEach() = %v, want %v", err, context.Canceled)
	}
	if out, err := collect(mapx.MapSeq(ctx, nil, 2, never)); len(out) != 0 || err != context.Canceled {
		t.Errorf("MapSeq yielded %v, %v; want the error %v alone", out, err, context.Canceled)
	}
	var got []mapx.Outcome[int]
	for o := range mapx.SettleSeq(ctx, nil, 2, never) {
		got = append(got, o)
	}
	if len(got) != 1 || got[0].Index != -1 || !isCutShort(got[0].Err, context.Canceled, nil) {
		t.Errorf("SettleSeq yielded %+v, want the outcome of index -1 alone", got)
	}
	if err := mapx.Expand(ctx, nil, 2, func(context.Context, int, mapx.Adder[int]) error { return nil }); err != context.Canceled {
		t.Errorf("Expand() = %v, want %v", err, context.Canceled)
	}
	if out, errs := mapx.Settle(ctx, nil, 2, never); out == nil || len(out) != 0 || len(errs) != 0 {
		t.Errorf("Settle() = %#v, %#v; want an empty out and no errs", out, errs)
	}
}

// A limit far beyond the input, math.MaxInt for "no bound", costs what a
// small one does: nothing is sized by the limit in advance.
func TestHugeLimitOnShortInput(t *testing.T) {
	for _, m := range mappers {
		for _, limit := range []int{math.MaxInt, math.MaxInt / 2, 1 << 40, 1 << 24} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, err := m.run(context.Background(), ints(3), limit, double)
			runtime.ReadMemStats(&after)
			if err != nil || !slices.Equal(got, []int{0, 2, 4}) {
				t.Errorf("%s limit %d: %v, %v; want [0 2 4]", m.name, limit, got, err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("%s limit %d: allocated %d bytes for 3 elements", m.name, limit, n)
			}
		}
	}
}

// MapSeq with a limit larger than its queue of batches still reaches that
// many calls at once, however it sends the batches. Every call blocks until
// limit of them have started.
func TestMapSeqLimitBeyondQueue(t *testing.T) {
	const n, limit = 12_000, 10_000
	var g gauge
	var started atomic.Int64
	release := make(chan struct{})
	in := func(yield func(int) bool) {
		for i := range n {
			if i == limit {
				for started.Load() < limit {
					runtime.Gosched() // the calls start on other goroutines
				}
				close(release)
			}
			if !yield(i) {
				return
			}
		}
	}
	seq := mapx.MapSeq(context.Background(), iter.Seq[int](in), limit, func(_ context.Context, v int) (int, error) {
		g.enter()
		defer g.leave()
		started.Add(1)
		<-release
		return v, nil
	})
	got, err := collect(seq)
	if err != nil || !slices.Equal(got, ints(n)) {
		t.Fatalf("%d results, %v; want 0 to %d in order", len(got), err, n-1)
	}
	if p := g.peak.Load(); p != limit {
		t.Errorf("peak %d calls at once, want %d", p, limit)
	}
}

// A call that fails while limit calls run and the queue of batches behind
// them is full ends the sequence with its error: the reader, waiting for
// room in the queue, sees the failure.
func TestMapSeqFailureWhileQueueFull(t *testing.T) {
	const limit = 10_000
	errBad := errors.New("bad")
	var started atomic.Int64
	seq := mapx.MapSeq(context.Background(), count(-1, nil), limit, func(ctx context.Context, v int) (int, error) {
		started.Add(1)
		if v == 0 {
			for started.Load() < limit {
				runtime.Gosched() // the other calls start on other goroutines
			}
			return 0, errBad
		}
		<-ctx.Done()
		return 0, ctx.Err()
	})
	got, err := collect(seq)
	if len(got) != 0 {
		t.Fatalf("%d results, %v; want none and %v", len(got), err, errBad)
	}
	wantItemError(t, err, 0, errBad)
}
