package mapx_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
)

// fuzzFn returns fn's behaviour in the fuzz targets of Settle and SettleSeq,
// and the sequential oracle of its outcomes: element v fails with its own
// error when errMod divides it, panics at panicAt, cancels ctx at cancelAt.
// calls counts the calls of each element; ended[v] is set if ctx had ended
// when v's call returned.
func fuzzFn(ctx context.Context, n int, errMod uint8, panicAt, cancelAt int32, cancel context.CancelFunc) (
	fn func(context.Context, int) (int, error), oracle func(v int) outcome, calls []atomic.Int32, ended []atomic.Bool) {
	calls = make([]atomic.Int32, n)
	ended = make([]atomic.Bool, n)
	oracle = func(v int) outcome {
		if errMod > 0 && v%int(errMod) == 0 {
			return outcome{Index: v, Value: -v, Err: oddError(v)}
		}
		return outcome{Index: v, Value: 3 * v}
	}
	fn = func(_ context.Context, v int) (int, error) {
		calls[v].Add(1)
		switch int32(v) {
		case panicAt:
			panic(v)
		case cancelAt:
			cancel()
		}
		o := oracle(v)
		ended[v].Store(ctx.Err() != nil)
		return o.Value, o.Err
	}
	return fn, oracle, calls, ended
}

// checkCalled checks the outcome got of a called element v against the
// oracle's: the same, but marked cut short if its error came back after the
// cancel, as it must be if fn saw ctx ended before it returned. A cancel
// just after fn returned may mark it too, as one other call may pass its
// check before a cancel: racing is how many such calls there are, at most
// one a worker.
func checkCalled(t *testing.T, got, want outcome, ended bool, racing *int) {
	t.Helper()
	if got == want && (!ended || want.Err == nil) {
		return // a success is never marked
	}
	marked := want.Err != nil && got.Index == want.Index && got.Value == want.Value &&
		isCutShort(got.Err, context.Canceled, want.Err)
	if !marked {
		t.Fatalf("element %d: %+v, want %+v, cut short if ctx had ended (%v)", want.Index, got, want, ended)
	}
	if !ended {
		*racing++
	}
}

// FuzzSettle drives Settle with random lengths, limits, errors, a panic and
// a cancel, and checks each element's outcome against a sequential oracle:
// called once with its outcome, or (after a cancel) never, with ctx's error.
//
//	go test -run '^$' -fuzz FuzzSettle$ ./mapx
func FuzzSettle(f *testing.F) {
	f.Add(uint16(0), int8(0), uint8(0), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(3), uint8(7), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(1), uint8(1), int32(-1), int32(500))
	f.Add(uint16(3000), int8(8), uint8(2), int32(2000), int32(-1))
	f.Add(uint16(4000), int8(-1), uint8(3), int32(3000), int32(100))
	f.Fuzz(func(t *testing.T, n uint16, limit int8, errMod uint8, panicAt, cancelAt int32) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		length := int(n) % 5000
		in := func(v int32) bool { return v >= 0 && int(v) < length }
		fn, oracle, calls, ended := fuzzFn(ctx, length, errMod, panicAt, cancelAt, cancel)

		var out []int
		var errs []error
		pe := catchPanic(t, func() { out, errs = mapx.Settle(ctx, ints(length), int(limit), fn) })
		if pe != nil {
			// A cancel first may leave the panicking element uncalled, never
			// the other way round.
			if !in(panicAt) || pe.Value != int(panicAt) {
				t.Fatalf("panic %v, want none or the panic of element %d", pe.Value, panicAt)
			}
			return
		}
		if in(panicAt) && (!in(cancelAt) || calls[panicAt].Load() != 0) {
			t.Fatalf("no panic, but element %d panicked", panicAt)
		}
		errs = aligned(t, errs, length)
		if len(out) != length {
			t.Fatalf("%d results and %d errors for %d elements", len(out), len(errs), length)
		}
		racing := 0
		for i := range length {
			got := outcome{Index: i, Value: out[i], Err: errs[i]}
			switch calls[i].Load() {
			case 1:
				checkCalled(t, got, oracle(i), ended[i].Load(), &racing)
			case 0:
				if !in(cancelAt) || got.Value != 0 || !isCutShort(got.Err, context.Canceled, nil) {
					t.Fatalf("element %d not called: %+v, want a cancel at %d and ctx's error", i, got, cancelAt)
				}
			default:
				t.Fatalf("element %d called %d times", i, calls[i].Load())
			}
		}
		if racing >= max(1, workers(int(limit), length)) {
			t.Fatalf("%d errors that came back before the cancel marked cut short, want fewer than the workers", racing)
		}
	})
}

// FuzzSettleSeq drives SettleSeq likewise, with an early break too: the
// outcomes yielded, as a multiset, are the oracle's outcomes of the elements
// called, each index once, and the sequence ends with the outcome of index
// -1 when a cancel came before its end, and only then.
//
//	go test -run '^$' -fuzz FuzzSettleSeq ./mapx
func FuzzSettleSeq(f *testing.F) {
	f.Add(uint16(0), int8(0), uint8(0), int32(-1), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(3), uint8(7), int32(-1), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(1), uint8(1), int32(-1), int32(500), int32(-1))
	f.Add(uint16(3000), int8(8), uint8(2), int32(2000), int32(-1), int32(-1))
	f.Add(uint16(3000), int8(4), uint8(5), int32(-1), int32(-1), int32(700))
	f.Add(uint16(4000), int8(-1), uint8(3), int32(3000), int32(100), int32(1500))
	f.Fuzz(func(t *testing.T, n uint16, limit int8, errMod uint8, panicAt, cancelAt, breakAt int32) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		length := int(n) % 5000
		in := func(v int32) bool { return v >= 0 && int(v) < length }
		fn, oracle, calls, ended := fuzzFn(ctx, length, errMod, panicAt, cancelAt, cancel)

		got := []outcome{}
		seen := make(map[int]bool)
		broke := false
		pe := catchPanic(t, func() {
			for o := range mapx.SettleSeq(ctx, count(length, nil), int(limit), fn) {
				if seen[o.Index] || seen[-1] {
					t.Fatalf("outcome %+v after index %d or the end", o, o.Index)
				}
				seen[o.Index] = true
				got = append(got, o)
				if len(got)-1 == int(breakAt) {
					broke = true
					break
				}
			}
		})
		if pe != nil {
			if !in(panicAt) || pe.Value != int(panicAt) {
				t.Fatalf("panic %v, want none or the panic of element %d", pe.Value, panicAt)
			}
			return
		}

		// Every outcome is an element's, called once, as the oracle says,
		// but for the end, which a cancel alone may bring.
		want := []outcome{}
		uncalled := false
		for i := range length {
			switch calls[i].Load() {
			case 0:
				uncalled = true
			case 1:
				want = append(want, oracle(i))
			default:
				t.Fatalf("element %d called %d times", i, calls[i].Load())
			}
		}
		if in(panicAt) && calls[panicAt].Load() != 0 {
			t.Fatalf("no panic, but element %d panicked", panicAt)
		}
		if seen[-1] {
			if end := got[len(got)-1]; !in(cancelAt) || calls[cancelAt].Load() == 0 || end.Value != 0 ||
				!isCutShort(end.Err, context.Canceled, nil) {
				t.Fatalf("last outcome %+v, without a cancel at %d", got[len(got)-1], cancelAt)
			}
			got = got[:len(got)-1]
		}
		switch {
		case broke:
			// The outcomes yielded are some of the calls'.
			racing := 0
			for _, o := range got {
				if o.Index < 0 || o.Index >= length || calls[o.Index].Load() != 1 {
					t.Fatalf("outcome %+v before the break, want the oracle's", o)
				}
				checkCalled(t, o, oracle(o.Index), ended[o.Index].Load(), &racing)
			}
			return
		case (uncalled || in(cancelAt) && calls[cancelAt].Load() == 1) && !seen[-1]:
			t.Fatalf("ctx ended before the sequence, but no outcome of index -1 (cancel at %d)", cancelAt)
		}
		slices.SortFunc(got, func(a, b outcome) int { return a.Index - b.Index })
		if len(got) != len(want) {
			t.Fatalf("outcomes (-want +got):\n%s", cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })))
		}
		racing := 0
		for i, o := range got {
			checkCalled(t, o, want[i], ended[o.Index].Load(), &racing)
		}
		if racing >= max(1, workers(int(limit), length)) {
			t.Fatalf("%d errors that came back before the cancel marked cut short, want fewer than the workers", racing)
		}
	})
}
