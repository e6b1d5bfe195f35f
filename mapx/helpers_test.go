package mapx_test

import (
	"errors"
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
