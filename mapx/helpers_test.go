package mapx_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
)

// wantItemError fails the test unless err is an *mapx.ItemError for the
// element at index whose call returned cause.
func wantItemError(t *testing.T, err error, index int, cause error) {
	t.Helper()
	var ie *mapx.ItemError
	if !errors.As(err, &ie) || ie.Index != index || ie.Err != cause || !errors.Is(err, cause) {
		t.Fatalf("error %v, want an *ItemError for item %d holding %v", err, index, cause)
	}
}

// catchPanic calls f and returns the *errgroupx.PanicError it panics with, or
// nil if it returns; a panic of another type fails the test.
func catchPanic(t *testing.T, f func()) (pe *errgroupx.PanicError) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			var ok bool
			if pe, ok = v.(*errgroupx.PanicError); !ok {
				t.Fatalf("panicked with %T %v, want *errgroupx.PanicError", v, v)
			}
		}
	}()
	f()
	return nil
}

// gauge tracks how many calls run at once and the most that ever did.
type gauge struct{ now, peak atomic.Int64 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// every runs fn over in with each function of the package and drains what it
// gives; a panic comes out of run.
var every = []struct {
	name string
	run  func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error))
}{
	{"Map", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.Map(ctx, in, limit, fn)
	}},
	{"ForEach", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.ForEach(ctx, in, limit, func(ctx context.Context, v int) error {
			_, err := fn(ctx, v)
			return err
		})
	}},
	{"Settle", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) {
		mapx.Settle(ctx, in, limit, fn)
	}},
	{"MapSeq", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) {
		for range mapx.MapSeq(ctx, slices.Values(in), limit, fn) {
		}
	}},
	{"SettleSeq", func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) {
		for range mapx.SettleSeq(ctx, slices.Values(in), limit, fn) {
		}
	}},
}
