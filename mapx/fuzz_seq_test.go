package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
)

// FuzzForEach checks that ForEach calls fn once on every element when nothing
// fails, at most once on any element when something does, and reports the
// failure that happened.
func FuzzForEach(f *testing.F) {
	f.Add(uint16(0), int8(0), int32(-1))
	f.Add(uint16(300), int8(2), int32(-1))
	f.Add(uint16(300), int8(7), int32(299))
	f.Add(uint16(4000), int8(-1), int32(1))
	f.Fuzz(func(t *testing.T, n uint16, limit int8, errAt int32) {
		in := ints(int(n) % 5000)
		calls := make([]atomic.Int32, len(in))
		err := mapx.ForEach(context.Background(), in, int(limit), func(_ context.Context, v int) error {
			calls[v].Add(1)
			if int32(v) == errAt {
				return fmt.Errorf("item %d: %w", v, errFuzz)
			}
			return nil
		})
		errIn := errAt >= 0 && int(errAt) < len(in)
		if errIn != (err != nil) || (errIn && !errors.Is(err, errFuzz)) {
			t.Fatalf("ForEach() = %v; want an error: %v", err, errIn)
		}
		for i := range calls {
			switch c := calls[i].Load(); {
			case c > 1, c == 0 && !errIn, errIn && i == int(errAt) && c != 1:
				t.Fatalf("element %d called %d times (error at %d)", i, c, errAt)
			}
		}
	})
}

// FuzzMapSeq drives MapSeq with random lengths, limits, errors, panics, cancel
// points and early breaks, and checks what it yields against the sequential
// results: a prefix of them, ended as the faults allow.
func FuzzMapSeq(f *testing.F) {
	f.Add(uint16(0), int8(0), int32(-1), int32(-1), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(3), int32(-1), int32(-1), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(3), int32(500), int32(-1), int32(-1), int32(-1))
	f.Add(uint16(1000), int8(4), int32(-1), int32(700), int32(-1), int32(-1))
	f.Add(uint16(3000), int8(2), int32(-1), int32(-1), int32(1200), int32(-1))
	f.Add(uint16(3000), int8(8), int32(-1), int32(-1), int32(-1), int32(10))
	f.Add(uint16(3000), int8(-1), int32(2000), int32(2500), int32(100), int32(1500))
	f.Fuzz(func(t *testing.T, n uint16, limit int8, errAt, panicAt, cancelAt, breakAt int32) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		length := int(n) % 5000
		in := func(v int) bool { return v >= 0 && v < length }
		fn := func(_ context.Context, v int) (string, error) {
			switch int32(v) {
			case panicAt:
				panic(v)
			case errAt:
				return "", fmt.Errorf("item %d: %w", v, errFuzz)
			case cancelAt:
				cancel()
			}
			return fmt.Sprint(v * 3), nil
		}

		var got []string
		var err error
		broke := false
		pe := catchPanic(t, func() {
			for r, e := range mapx.MapSeq(ctx, count(length, nil), int(limit), fn) {
				if e != nil {
					err = e
					continue // must be the last pair: checked below
				}
				if err != nil {
					t.Fatalf("result %q after the error %v", r, err)
				}
				got = append(got, r)
				if len(got)-1 == int(breakAt) {
					broke = true
					break
				}
			}
		})

		for i, r := range got {
			if want := fmt.Sprint(i * 3); r != want || int32(i) == errAt || int32(i) == panicAt {
				t.Fatalf("result %d = %q, not a prefix of the successful results", i, r)
			}
		}
		switch {
		case pe != nil:
			if !in(int(panicAt)) || pe.Value != int(panicAt) {
				t.Fatalf("panic %v, want none or the panic of item %d", pe.Value, panicAt)
			}
		case err != nil:
			errOK := in(int(errAt)) && errAt != panicAt && errors.Is(err, errFuzz)
			cancelOK := in(int(cancelAt)) && errors.Is(err, context.Canceled)
			if !errOK && !cancelOK {
				t.Fatalf("error %v: neither the error of item %d nor a cancel at %d", err, errAt, cancelAt)
			}
		case broke:
		default:
			// Nothing went wrong, so nothing may have been meant to.
			if len(got) != length || in(int(errAt)) || in(int(panicAt)) || in(int(cancelAt)) {
				t.Fatalf("%d of %d results and no error (error at %d, panic at %d, cancel at %d)",
					len(got), length, errAt, panicAt, cancelAt)
			}
		}
	})
}
