package mapx_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
	gocmp "github.com/google/go-cmp/cmp"
)

// outcome is an Outcome[int], short to write in tests.
type outcome = mapx.Outcome[int]

// settled ranges over seq and returns its outcomes sorted by index (the
// outcome of index -1 first, if any), failing the test if an index comes
// twice or if the outcome of index -1 is not the last.
func settled(t *testing.T, seq func(func(mapx.Outcome[int]) bool)) []outcome {
	t.Helper()
	got := []outcome{}
	seen := map[int]bool{}
	for o := range seq {
		if seen[-1] {
			t.Fatalf("outcome %+v after the outcome of index -1", o)
		}
		if seen[o.Index] {
			t.Fatalf("index %d yielded twice", o.Index)
		}
		seen[o.Index] = true
		got = append(got, o)
	}
	slices.SortFunc(got, func(a, b outcome) int { return cmp.Compare(a.Index, b.Index) })
	return got
}

// diffOutcomes returns the difference between two lists of outcomes, or ""
// if they are equal. (cmp.Diff is called only to show a difference: with
// errors.Is on every pair it takes seconds for 20,000 outcomes under -race.)
func diffOutcomes(want, got []outcome) string {
	if slices.Equal(want, got) {
		return ""
	}
	return gocmp.Diff(want, got, equateErrors)
}

// wantSettled returns oddFails' outcomes for the elements of indices.
func wantSettled(indices []int) []outcome {
	want := []outcome{}
	for _, i := range indices {
		r, err := oddFails(context.Background(), i)
		want = append(want, outcome{Index: i, Value: r, Err: err})
	}
	return want
}

// SettleSeq yields every element's outcome once, whatever fails.
func TestSettleSeqOutcomes(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 255, 256, 257, 3000, 20_000} {
		for _, limit := range []int{1, 3, 0, 50} {
			t.Run(fmt.Sprintf("n=%d/limit=%d", n, limit), func(t *testing.T) {
				got := settled(t, mapx.SettleSeq(context.Background(), count(n, nil), limit, oddFails))
				if diff := diffOutcomes(wantSettled(ints(n)), got); diff != "" {
					t.Errorf("SettleSeq (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestSettleSeqNilIsEmpty(t *testing.T) {
	for o := range mapx.SettleSeq(context.Background(), nil, 2, oddFails) {
		t.Fatalf("SettleSeq(nil) yielded %+v", o)
	}
}

// A slow call handed out alone, as the first is, holds back no other outcome,
// and no other call: element 0's call returns only once every other
// element's outcome has been yielded. MapSeq would wait for it forever.
func TestSettleSeqSlowCallHoldsNothingBack(t *testing.T) {
	const n = 10_000
	release := make(chan struct{})
	var order []int
	seq := mapx.SettleSeq(context.Background(), count(n, nil), 4, func(_ context.Context, v int) (int, error) {
		if v == 0 {
			<-release
		}
		return v, nil
	})
	for o := range seq {
		order = append(order, o.Index)
		if len(order) == n-1 {
			close(release)
		}
	}
	if len(order) != n || order[n-1] != 0 {
		t.Fatalf("%d outcomes, the last of index %d; want %d, the last of index 0", len(order), order[len(order)-1], n)
	}
}

// A slow call among fast ones holds back no other batch, only the elements
// handed out with it, at most 255: element 5000's call returns only once
// every other outcome but 255 at most has been yielded. In the bubble every
// batch of calls takes no time, so batches grow to their largest, and if
// more were held back, every goroutine would block and the test would fail.
func TestSettleSeqSlowCallHoldsBackItsBatchAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, slow, maxBatch = 10_000, 5000, 256
		release := make(chan struct{})
		yielded := 0
		for o := range mapx.SettleSeq(context.Background(), count(n, nil), 4, func(_ context.Context, v int) (int, error) {
			if v == slow {
				<-release
			}
			return v, nil
		}) {
			if o.Err != nil || o.Value != o.Index {
				t.Fatalf("outcome %+v, want its index and no error", o)
			}
			yielded++
			if yielded == n-maxBatch {
				close(release)
			}
		}
		if yielded != n {
			t.Errorf("%d outcomes, want %d", yielded, n)
		}
	})
}

func TestSettleSeqContextDoneOnEntry(t *testing.T) {
	errStop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errStop)
	var read atomic.Int64
	var got []mapx.Outcome[int]
	for o := range mapx.SettleSeq(ctx, count(10, &read), 2, oddFails) {
		got = append(got, o)
	}
	if len(got) != 1 || got[0].Index != -1 || !isCutShort(got[0].Err, errStop, nil) || got[0].Value != 0 || read.Load() != 0 {
		t.Fatalf("got %+v after reading %d, want {-1, 0, stop} alone and nothing read", got, read.Load())
	}
}

// A ctx that ends midway: the outcomes of the calls made, each once, then the
// outcome of index -1 with ctx's cause; no call starts after it ended.
func TestSettleSeqContextCanceledMidway(t *testing.T) {
	errStop := errors.New("stop")
	for _, limit := range []int{1, 4} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var called []int
			calls := make(chan int, 1<<20)
			var afterCancel atomic.Int64
			got := settled(t, mapx.SettleSeq(ctx, count(-1, nil), limit, func(fctx context.Context, v int) (int, error) {
				if ctx.Err() != nil {
					afterCancel.Add(1)
				}
				calls <- v
				if v == 1000 {
					cancel(errStop)
				}
				return oddFails(fctx, v)
			}))
			close(calls)
			for v := range calls {
				called = append(called, v)
			}
			slices.Sort(called)
			want := append([]outcome{{Index: -1, Err: errStop}}, wantSettled(called)...)
			if diff := diffOutcomes(want, got); diff != "" {
				t.Errorf("SettleSeq (-want +got):\n%s", diff)
			}
			if n := afterCancel.Load(); n >= int64(limit) {
				t.Errorf("%d calls started after the cancel, want fewer than %d", n, limit)
			}
		})
	}
}

// A ctx that ends once the range is over changes nothing; the next range
// yields its cause alone.
func TestSettleSeqContextCanceledAfter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	seq := mapx.SettleSeq(ctx, count(1000, nil), 3, oddFails)
	if diff := diffOutcomes(wantSettled(ints(1000)), settled(t, seq)); diff != "" {
		t.Errorf("SettleSeq (-want +got):\n%s", diff)
	}
	cancel()
	if diff := diffOutcomes([]outcome{{Index: -1, Err: context.Canceled}}, settled(t, seq)); diff != "" {
		t.Errorf("after the cancel (-want +got):\n%s", diff)
	}
}

// A ctx that the last call ends, once every element has been called, still
// ends the sequence with the outcome of index -1, after every element's: ctx
// ended before the sequence did. The reader waits for room just after it
// sent the last batch; the batch before it comes back and the cancel follows
// at once, so that both are ready when the reader looks: a race, run many
// times.
func TestSettleSeqContextEndedByLastCall(t *testing.T) {
	for range 3000 {
		ctx, cancel := context.WithCancel(context.Background())
		var got []outcome
		for o := range mapx.SettleSeq(ctx, count(2, nil), 1, func(_ context.Context, v int) (int, error) {
			if v == 1 {
				cancel()
			}
			return v, nil
		}) {
			got = append(got, o)
		}
		if len(got) != 3 || got[0].Index == -1 || got[1].Index == -1 || got[2].Index != -1 ||
			!isCutShort(got[2].Err, context.Canceled, nil) {
			t.Fatalf("outcomes %+v, want those of elements 0 and 1, then index -1 cut short", got)
		}
	}
}

func TestSettleSeqEveryCallFails(t *testing.T) {
	errBad := errors.New("bad")
	n := 0
	for o := range mapx.SettleSeq(context.Background(), count(5000, nil), 4, func(_ context.Context, v int) (int, error) {
		return v, errBad
	}) {
		if o.Err != errBad || o.Value != o.Index {
			t.Fatalf("outcome %+v, want its index and %v", o, errBad)
		}
		n++
	}
	if n != 5000 {
		t.Errorf("%d outcomes, want 5000", n)
	}
}

// SettleSeq reads an endless input no further ahead of what was consumed
// than MapSeq does, even with a call that never returns until the end.
func TestSettleSeqEndlessIsBounded(t *testing.T) {
	const limit, consume = 4, 50_000
	// At most 2·limit batches of 256 elements, and the one being filled.
	const bound = (2*limit + 1) * 256
	var read atomic.Int64
	release := make(chan struct{})
	yielded := 0
	for o := range mapx.SettleSeq(context.Background(), count(-1, &read), limit,
		func(ctx context.Context, v int) (int, error) {
			if v == 0 {
				<-release // one worker stuck, the others go on
			}
			return v, nil
		}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		yielded++
		if ahead := read.Load() - int64(yielded); ahead > bound {
			t.Fatalf("%d elements read ahead of the consumer, want at most %d", ahead, bound)
		}
		if yielded == consume {
			close(release)
			break
		}
	}
}

func TestSettleSeqPanic(t *testing.T) {
	pe := catchPanic(t, func() {
		for range mapx.SettleSeq(context.Background(), count(1000, nil), 4,
			func(_ context.Context, v int) (int, error) {
				if v == 300 {
					panic("bad element")
				}
				return v, errors.New("an error beside the panic")
			}) {
		}
	})
	if pe == nil || pe.Value != "bad element" {
		t.Fatalf("range panicked with %v, want bad element", pe)
	}
}

// runtime.Goexit in fn is its element's outcome, and stops the sequence as
// the end of ctx would.
func TestSettleSeqGoexit(t *testing.T) {
	got := settled(t, mapx.SettleSeq(context.Background(), count(1000, nil), 1,
		func(ctx context.Context, v int) (int, error) {
			if v == 10 {
				runtime.Goexit()
			}
			return oddFails(ctx, v)
		}))
	want := append([]outcome{{Index: -1, Err: errgroupx.ErrGoexit}}, wantSettled(ints(10))...)
	want = append(want, outcome{Index: 10, Err: errgroupx.ErrGoexit})
	if diff := diffOutcomes(want, got); diff != "" {
		t.Errorf("SettleSeq (-want +got):\n%s", diff)
	}
}

// A Goexit that comes after ctx ended, in reaction to it, is its element's
// outcome, but the sequence still ends with ctx's cause: ctx stopped it.
func TestSettleSeqGoexitAfterContextEnded(t *testing.T) {
	errStop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	got := settled(t, mapx.SettleSeq(ctx, count(10, nil), 2, goexitAfterCancel(cancel, errStop)))
	want := []outcome{{Index: -1, Err: errStop}, {Index: 0, Err: errgroupx.ErrGoexit}, {Index: 1, Value: 1}}
	if diff := diffOutcomes(want, got); diff != "" {
		t.Errorf("SettleSeq (-want +got):\n%s", diff)
	}
}

func TestSettleSeqRangedTwice(t *testing.T) {
	seq := mapx.SettleSeq(context.Background(), count(300, nil), 2, oddFails)
	a, b := settled(t, seq), settled(t, seq)
	if diff := diffOutcomes(wantSettled(ints(300)), a); diff != "" {
		t.Errorf("first range (-want +got):\n%s", diff)
	}
	if diff := diffOutcomes(a, b); diff != "" {
		t.Errorf("second range differs (-first +second):\n%s", diff)
	}
}
