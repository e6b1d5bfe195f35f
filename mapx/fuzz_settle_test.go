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
// calls counts the calls of each element.
func fuzzFn(n int, errMod uint8, panicAt, cancelAt int32, cancel context.CancelFunc) (
	fn func(context.Context, int) (int, error), oracle func(v int) outcome, calls []atomic.Int32) {
	calls = make([]atomic.Int32, n)
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
		return o.Value, o.Err
	}
	return fn, oracle, calls
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
		fn, oracle, calls := fuzzFn(length, errMod, panicAt, cancelAt, cancel)

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
		for i := range length {
			got := outcome{Index: i, Value: out[i], Err: errs[i]}
			switch calls[i].Load() {
			case 1:
				if got != oracle(i) {
					t.Fatalf("element %d: %+v, want %+v", i, got, oracle(i))
				}
			case 0:
				if !in(cancelAt) || got != (outcome{Index: i, Err: context.Canceled}) {
					t.Fatalf("element %d not called: %+v, want a cancel at %d and ctx's error", i, got, cancelAt)
				}
			default:
				t.Fatalf("element %d called %d times", i, calls[i].Load())
			}
		}
	})
}

// FuzzSettleSeq drives SettleSeq likewise, with an early break too: the
// outcomes yielded, as a multiset, are the oracle's outcomes of the elements
// called, each index once, and the sequence ends with the outcome of index
// -1 when a cancel left elements uncalled.
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
		fn, oracle, calls := fuzzFn(length, errMod, panicAt, cancelAt, cancel)

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
			if end := (outcome{Index: -1, Err: context.Canceled}); !in(cancelAt) || got[len(got)-1] != end {
				t.Fatalf("last outcome %+v, without a cancel at %d", got[len(got)-1], cancelAt)
			}
			got = got[:len(got)-1]
		}
		switch {
		case broke:
			// The outcomes yielded are some of the calls'.
			for _, o := range got {
				if o.Index < 0 || o.Index >= length || calls[o.Index].Load() != 1 || o != oracle(o.Index) {
					t.Fatalf("outcome %+v before the break, want the oracle's", o)
				}
			}
			return
		case uncalled && !seen[-1]:
			t.Fatalf("elements left uncalled, but no outcome of index -1 (cancel at %d)", cancelAt)
		}
		slices.SortFunc(got, func(a, b outcome) int { return a.Index - b.Index })
		if !slices.Equal(want, got) {
			t.Fatalf("outcomes (-want +got):\n%s", cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })))
		}
	})
}
