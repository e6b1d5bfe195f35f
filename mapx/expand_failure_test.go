package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
)

// treeWith walks the ten-tree of n nodes with Expand at limit, calling each
// node's visit first: its error stops the walk.
func treeWith(ctx context.Context, n, limit int, visit func(ctx context.Context, v int) error) error {
	return mapx.Expand(ctx, []int{0}, limit, func(ctx context.Context, v int, more mapx.Adder[int]) error {
		if err := visit(ctx, v); err != nil {
			return err
		}
		for c := 10*v + 1; c <= 10*v+10 && c < n; c++ {
			more.Add(c)
		}
		return nil
	})
}

// The first error is returned unchanged, not wrapped, and cancels fn's ctx:
// a worker may have passed its check just before, so each other worker may
// start one call after it, no more.
func TestExpandFirstError(t *testing.T) {
	errBad := errors.New("bad item")
	const failAt, limit = 500, 4
	var afterErr atomic.Int64
	err := treeWith(context.Background(), 10_000, limit, func(ctx context.Context, v int) error {
		if ctx.Err() != nil {
			afterErr.Add(1)
		}
		if v == failAt {
			return errBad
		}
		return nil
	})
	if err != errBad {
		t.Fatalf("Expand() = %v, want %v itself", err, errBad)
	}
	if n := afterErr.Load(); n >= limit {
		t.Errorf("%d calls started after the error, want fewer than the limit", n)
	}
}

func TestExpandErrorCancelsRunningCalls(t *testing.T) {
	errBad := errors.New("bad")
	err := mapx.Expand(context.Background(), []int{0, 1}, 2, func(ctx context.Context, v int, _ mapx.Adder[int]) error {
		if v == 0 {
			<-ctx.Done() // hangs unless the error cancels fn's ctx
			return ctx.Err()
		}
		return errBad
	})
	if err != errBad {
		t.Fatalf("Expand() = %v, want %v", err, errBad)
	}
}

// A panic outranks an error, whichever comes first.
func TestExpandPanicOutranksError(t *testing.T) {
	for _, panicFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("panicFirst=%v", panicFirst), func(t *testing.T) {
			var started atomic.Int64
			both := make(chan struct{})
			pe := catchPanic(t, func() {
				mapx.Expand(context.Background(), []int{0, 1}, 2, func(ctx context.Context, v int, _ mapx.Adder[int]) error {
					if started.Add(1) == 2 {
						close(both)
					}
					<-both
					if (v == 0) == panicFirst {
						<-ctx.Done() // wait for the other to fail first
					}
					if v == 0 {
						return errors.New("plain error")
					}
					panic("worse")
				})
			})
			if pe == nil || pe.Value != "worse" {
				t.Fatalf("Expand panicked with %v, want the panic to outrank the error", pe)
			}
		})
	}
}

// A panic in an added item's call is re-raised in Expand's caller with the
// stack where it happened; errors.Is sees through a panic(err).
func TestExpandPanic(t *testing.T) {
	errInner := errors.New("inner")
	pe := catchPanic(t, func() {
		treeWith(context.Background(), 1000, 3, func(_ context.Context, v int) error {
			if v == 77 {
				panic(fmt.Errorf("item %d: %w", v, errInner))
			}
			return nil
		})
	})
	if pe == nil || !errors.Is(pe, errInner) {
		t.Fatalf("Expand panicked with %v, want a *PanicError that errors.Is reaches %v through", pe, errInner)
	}
	if !strings.Contains(string(pe.Stack), "expand_failure_test.go") {
		t.Errorf("the stack does not show where fn panicked:\n%s", pe.Stack)
	}
}

// runtime.Goexit in fn (t.FailNow in a call) is reported, not dropped; a
// panic that a deferred call raises while fn unwinds from Goexit is
// re-raised as a panic.
func TestExpandGoexit(t *testing.T) {
	err := treeWith(context.Background(), 1000, 3, func(_ context.Context, v int) error {
		if v == 42 {
			runtime.Goexit()
		}
		return nil
	})
	if !errors.Is(err, errgroupx.ErrGoexit) {
		t.Errorf("Expand() = %v, want ErrGoexit", err)
	}

	pe := catchPanic(t, func() {
		treeWith(context.Background(), 1000, 3, func(_ context.Context, v int) error {
			if v == 42 {
				defer panic("cleanup failed")
				runtime.Goexit()
			}
			return nil
		})
	})
	if pe == nil || pe.Value != "cleanup failed" {
		t.Errorf("Expand panicked with %v, want the panic raised during Goexit", pe)
	}
}

func TestExpandContextDoneOnEntry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := mapx.Expand(ctx, ints(10), 2, func(context.Context, int, mapx.Adder[int]) error {
		t.Error("fn called with a done ctx")
		return nil
	})
	if err != context.Canceled {
		t.Fatalf("Expand() = %v, want %v", err, context.Canceled)
	}
}

// A ctx that ends midway stops new calls at once, and is the error, though
// every call succeeded. With limit 1 not one call starts after it.
func TestExpandContextCanceledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const stopAt = 100
	var calls atomic.Int64
	err := treeWith(ctx, 10_000, 1, func(_ context.Context, v int) error {
		calls.Add(1)
		if v == stopAt {
			cancel()
		}
		return nil
	})
	if err != context.Canceled {
		t.Fatalf("Expand() = %v, want %v", err, context.Canceled)
	}
	// At limit 1 the calls run in preorder: node 100 comes after the 11
	// nodes on its path from the root and their earlier subtrees.
	want := int64(len(tenTree(10_000).preorderUntil(stopAt)))
	if n := calls.Load(); n != want {
		t.Errorf("%d calls, want %d: no call may start after ctx ends", n, want)
	}
}

// preorderUntil returns the preorder of f up to and including v.
func (f forest) preorderUntil(v int) []int {
	order := f.preorder()
	for i, u := range order {
		if u == v {
			return order[:i+1]
		}
	}
	return order
}

// When ctx ends first, its error is returned, even if the call that saw it
// end returns an error of its own; a call blocked on ctx returns.
func TestExpandContextEndedFirstIsTheError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := mapx.Expand(ctx, []int{0, 1}, 2, func(ctx context.Context, v int, _ mapx.Adder[int]) error {
		if v == 0 {
			cancel()
			return errors.New("fetch aborted")
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if err != context.Canceled {
		t.Fatalf("Expand() = %v, want %v", err, context.Canceled)
	}
}

// A ctx canceled after Expand returned changes nothing: the result stands,
// and nothing runs.
func TestExpandContextCanceledAfter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	err := treeWith(ctx, 1000, 4, func(context.Context, int) error {
		calls.Add(1)
		return nil
	})
	n := calls.Load()
	cancel()
	if err != nil || n != 1000 {
		t.Fatalf("Expand() = %v after %d calls, want nil after 1000", err, n)
	}
	if calls.Load() != n {
		t.Errorf("calls after Expand returned")
	}
}

func TestExpandNilPanics(t *testing.T) {
	fn := func(context.Context, int, mapx.Adder[int]) error { return nil }
	tests := []struct {
		name string
		call func()
	}{
		{"nil fn", func() { mapx.Expand[int](context.Background(), ints(3), 1, nil) }},
		//lint:ignore SA1012 a nil ctx is what is tested
		{"nil ctx", func() { mapx.Expand(nil, ints(3), 1, fn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, "mapx: Expand") {
					t.Errorf("panic %q does not name mapx.Expand", msg)
				}
			}()
			tt.call()
		})
	}
}
