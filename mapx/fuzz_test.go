package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
)

var errFuzz = errors.New("fuzz error")

// FuzzMap drives Map with random lengths, limits and error and panic
// positions, and checks it against a sequential oracle:
//
//	go test -run '^$' -fuzz FuzzMap ./mapx
func FuzzMap(f *testing.F) {
	f.Add(uint16(0), int8(0), int32(-1), int32(-1))
	f.Add(uint16(1), int8(1), int32(0), int32(-1))
	f.Add(uint16(100), int8(3), int32(50), int32(-1))
	f.Add(uint16(100), int8(3), int32(-1), int32(99))
	f.Add(uint16(1000), int8(-5), int32(10), int32(900))
	f.Add(uint16(5000), int8(64), int32(-1), int32(-1))
	f.Fuzz(func(t *testing.T, n uint16, limit int8, errAt, panicAt int32) {
		in := ints(int(n) % 5000)
		fn := func(_ context.Context, v int) (string, error) {
			switch int32(v) {
			case panicAt:
				panic(v)
			case errAt:
				return "", errFuzz
			}
			return fmt.Sprint(v * 3), nil
		}

		// The oracle. Without errors or panics: every result, in order. With
		// one of them: that one. With both, whichever happens first in time
		// cancels the other element, unless it already ran: both outcomes are
		// correct, but a panic that happened must outrank the error.
		panicIn := panicAt >= 0 && int(panicAt) < len(in)
		errIn := errAt >= 0 && int(errAt) < len(in) && errAt != panicAt
		want := make([]string, len(in))
		for i, v := range in {
			want[i] = fmt.Sprint(v * 3)
		}

		var got []string
		var err error
		pe := catchPanic(t, func() { got, err = mapx.Map(context.Background(), in, int(limit), fn) })
		switch {
		case pe != nil:
			if !panicIn || pe.Value != int(panicAt) {
				t.Fatalf("panic %v, want the panic of item %d", pe.Value, panicAt)
			}
		case panicIn && !errIn:
			t.Fatalf("Map() = %d results, %v; want the panic of item %d", len(got), err, panicAt)
		case err != nil:
			var ie *mapx.ItemError
			if !errIn || !errors.As(err, &ie) || ie.Index != int(errAt) || ie.Err != errFuzz || got != nil ||
				err.Error() != fmt.Sprintf("item %d: %v", errAt, errFuzz) {
				t.Fatalf("Map() = %d results, %v; want nil and the error of item %d", len(got), err, errAt)
			}
		case errIn:
			t.Fatalf("Map() = %d results, nil; want the error of item %d", len(got), errAt)
		default:
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Map (-want +got):\n%s", diff)
			}
		}
	})
}
