package mapx_test

import (
	"context"
	"iter"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
)

// A panic that a deferred call raises while fn unwinds from runtime.Goexit
// (a cleanup that panics after t.FailNow) outranks the Goexit: it is
// re-raised as a *PanicError, as plain Go would crash with it.
func TestPanicDuringGoexit(t *testing.T) {
	for _, f := range every {
		t.Run(f.name, func(t *testing.T) {
			pe := catchPanic(t, func() {
				f.run(context.Background(), ints(1000), 3, func(_ context.Context, v int) (int, error) {
					if v == 100 {
						defer func() { panic("cleanup failed") }()
						runtime.Goexit()
					}
					return v, nil
				})
			})
			if pe == nil || pe.Value != "cleanup failed" {
				t.Fatalf("panicked with %v, want a *PanicError of %q", pe, "cleanup failed")
			}
		})
	}
}

func TestNilContextPanics(t *testing.T) {
	var nilCtx context.Context
	tests := []struct {
		name string
		call func()
	}{
		{"Map", func() { mapx.Map(nilCtx, ints(3), 1, double) }},
		{"ForEach", func() { mapx.ForEach(nilCtx, ints(3), 1, func(context.Context, int) error { return nil }) }},
		{"Settle", func() { mapx.Settle(nilCtx, ints(3), 1, double) }},
		// The sequences panic at the call, not once ranged over.
		{"MapSeq", func() { mapx.MapSeq(nilCtx, count(3, nil), 1, double) }},
		{"SettleSeq", func() { mapx.SettleSeq(nilCtx, count(3, nil), 1, double) }},
		{"Expand", func() {
			mapx.Expand(nilCtx, ints(3), 1, func(context.Context, int, mapx.Adder[int]) error { return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				want := "mapx: " + tt.name + " called with nil Context"
				if msg, _ := recover().(string); msg != want {
					t.Errorf("panic %q, want %q", msg, want)
				}
			}()
			tt.call()
		})
	}
}

// seqs runs fn over in with MapSeq and with SettleSeq, calling body on each
// element's result until it returns false.
var seqs = []struct {
	name string
	run  func(in iter.Seq[int], limit int, fn func(context.Context, int) (int, error), body func(int) bool)
}{
	{"MapSeq", func(in iter.Seq[int], limit int, fn func(context.Context, int) (int, error), body func(int) bool) {
		for r := range mapx.MapSeq(context.Background(), in, limit, fn) {
			if !body(r) {
				break
			}
		}
	}},
	{"SettleSeq", func(in iter.Seq[int], limit int, fn func(context.Context, int) (int, error), body func(int) bool) {
		for o := range mapx.SettleSeq(context.Background(), in, limit, fn) {
			if !body(o.Value) {
				break
			}
		}
	}},
}

// recovered runs f and returns what it panicked with, nil if nothing.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// inFlight returns a fn whose call on 0 returns only once another call has
// started, and whose other calls wait for their ctx to end, then do what
// canceled says and return ctx's error: so that when the first result reaches
// the loop body, calls are in flight that react to the cancel. (The loop body
// must not wait for a call to start: the ranging goroutine reads no input
// while the body runs.)
func inFlight(canceled func()) func(ctx context.Context, v int) (int, error) {
	started := make(chan struct{})
	var once sync.Once
	return func(ctx context.Context, v int) (int, error) {
		if v == 0 {
			<-started
			return v, nil
		}
		once.Do(func() { close(started) })
		<-ctx.Done()
		canceled()
		return v, ctx.Err()
	}
}

// The loop body's panic comes out of the range, not the panic that fn raises
// in reaction to the cancel that the body's panic caused.
func TestSeqBodyPanicComesOut(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			fn := inFlight(func() { panic("reaction") })
			v := recovered(func() {
				s.run(count(2, nil), 2, fn, func(int) bool { panic("body") })
			})
			if v != "body" {
				t.Fatalf("recovered %v, want the loop body's panic", v)
			}
		})
	}
}

// The same for a panic of the input iterator.
func TestSeqInputPanicComesOut(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			started := make(chan struct{})
			in := func(yield func(int) bool) {
				if !yield(0) {
					return
				}
				<-started // fn's call is in flight
				panic("in")
			}
			fn := func(ctx context.Context, v int) (int, error) {
				close(started)
				<-ctx.Done()
				panic("reaction")
			}
			v := recovered(func() { s.run(in, 2, fn, func(int) bool { return true }) })
			if v != "in" {
				t.Fatalf("recovered %v, want the input's panic", v)
			}
		})
	}
}

// A panic of fn that came before the input's is the first, and the one that
// comes out.
func TestSeqFirstPanicComesOut(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			fnCtx := make(chan context.Context, 1)
			in := func(yield func(int) bool) {
				if !yield(0) {
					return
				}
				<-(<-fnCtx).Done() // fn's panic was recorded and canceled fn's ctx
				panic("in")
			}
			fn := func(ctx context.Context, v int) (int, error) {
				fnCtx <- ctx
				panic("fn first")
			}
			v := recovered(func() { s.run(in, 2, fn, func(int) bool { return true }) })
			if pe, ok := v.(*errgroupx.PanicError); !ok || pe.Value != "fn first" {
				t.Fatalf("recovered %v, want fn's panic, the first", v)
			}
		})
	}
}

// runtime.Goexit in the loop body (t.FailNow) ends the goroutine, not a
// panic that fn raises in reaction; the workers are gone (goleak checks).
func TestSeqGoexitInLoopBody(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			fn := inFlight(func() { panic("reaction") })
			got := make(chan any, 1)
			go func() {
				defer func() { got <- recover() }()
				s.run(count(2, nil), 2, fn, func(int) bool { runtime.Goexit(); return true })
			}()
			if v := <-got; v != nil {
				t.Fatalf("the goroutine panicked with %v, want it to end by Goexit", v)
			}
		})
	}
}

// A panic that fn raises in reaction to the cancel of a break is a panic
// all the same: the loop statement panics with it once the calls have
// returned, rather than lose it.
func TestSeqPanicAfterBreak(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			fn := inFlight(func() { panic("after the break") })
			v := recovered(func() { s.run(count(2, nil), 2, fn, func(int) bool { return false }) })
			pe, ok := v.(*errgroupx.PanicError)
			if !ok || pe.Value != "after the break" || !strings.Contains(string(pe.Stack), "panic_test.go") {
				t.Fatalf("recovered %v, want fn's panic with its stack", v)
			}
		})
	}
}
