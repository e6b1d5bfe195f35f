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
	"github.com/google/go-cmp/cmp"
)

func double(_ context.Context, v int) (int, error) { return 2 * v, nil }

func TestMapOrder(t *testing.T) {
	tests := []struct {
		n, limit int
	}{
		{1, 1}, {10, 1}, {10, 3}, {100, 0}, {1000, 7}, {5000, 64}, {3, 100}, {100_000, -1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d/limit=%d", tt.n, tt.limit), func(t *testing.T) {
			in := ints(tt.n)
			want := make([]int, tt.n)
			for i := range want {
				want[i] = 2 * i
			}
			got, err := mapx.Map(context.Background(), in, tt.limit, double)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Map (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapEmpty(t *testing.T) {
	for _, in := range [][]int{nil, {}} {
		got, err := mapx.Map(context.Background(), in, 4, func(context.Context, int) (int, error) {
			t.Error("fn called on empty input")
			return 0, nil
		})
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Map(%#v) = %#v, %v; want an empty slice and nil", in, got, err)
		}
	}
}

// TestLimit checks that exactly limit calls run at once, in every function:
// the first limit calls wait for each other, so fewer would hang and more
// would be seen.
func TestLimit(t *testing.T) {
	for _, f := range every {
		for _, limit := range []int{1, 3, 8, 0} {
			t.Run(fmt.Sprintf("%s/%d", f.name, limit), func(t *testing.T) {
				want := limit
				if limit == 0 {
					want = runtime.GOMAXPROCS(0)
				}
				var g gauge
				var started atomic.Int64
				full := make(chan struct{})
				f.run(context.Background(), ints(50), limit, func(_ context.Context, v int) (int, error) {
					g.enter()
					defer g.leave()
					if started.Add(1) == int64(want) {
						close(full)
					}
					<-full
					return v, nil
				})
				if n := started.Load(); n != 50 {
					t.Errorf("%d calls, want 50", n)
				}
				if got := g.peak.Load(); got != int64(want) {
					t.Errorf("peak concurrency %d, want %d", got, want)
				}
			})
		}
	}
}

func TestMapFirstError(t *testing.T) {
	errBad := errors.New("bad item")
	const failAt, limit = 500, 4
	var afterErr atomic.Int64
	got, err := mapx.Map(context.Background(), ints(10_000), limit, func(ctx context.Context, v int) (int, error) {
		if ctx.Err() != nil {
			afterErr.Add(1)
		}
		if v == failAt {
			return 0, fmt.Errorf("item %d: %w", v, errBad)
		}
		return v, nil
	})
	if !errors.Is(err, errBad) || got != nil {
		t.Fatalf("Map() = %v, %v; want nil and an error wrapping %v", got, err, errBad)
	}
	// The error cancels fn's ctx. A worker may have passed its check of ctx
	// just before that, so each other worker may start one call after it.
	if n := afterErr.Load(); n >= limit {
		t.Errorf("%d calls started after the error, want fewer than the limit", n)
	}
}

func TestMapErrorCancelsRunningCalls(t *testing.T) {
	errBad := errors.New("bad")
	_, err := mapx.Map(context.Background(), ints(2), 2, func(ctx context.Context, v int) (int, error) {
		if v == 0 {
			return 0, errBad
		}
		<-ctx.Done() // hangs unless the error cancels fn's ctx
		return 0, ctx.Err()
	})
	wantItemError(t, err, 0, errBad)
}

func TestMapContextDoneOnEntry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := mapx.Map(ctx, ints(10), 2, func(context.Context, int) (int, error) {
		t.Error("fn called with a done ctx")
		return 0, nil
	})
	if got != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Map() = %v, %v; want nil, context.Canceled", got, err)
	}
}

func TestMapContextCanceledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const stopAt = 100
	var calls atomic.Int64
	got, err := mapx.Map(ctx, ints(10_000), 1, func(_ context.Context, v int) (int, error) {
		calls.Add(1)
		if v == stopAt {
			cancel() // fn succeeds: the error must come from ctx
		}
		return v, nil
	})
	if got != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Map() = %d results, %v; want nil, context.Canceled", len(got), err)
	}
	if n := calls.Load(); n != stopAt+1 {
		t.Errorf("%d calls, want %d: no call may start after ctx ends", n, stopAt+1)
	}
}

func TestMapPanic(t *testing.T) {
	pe := catchPanic(t, func() {
		mapx.Map(context.Background(), ints(1000), 4, func(_ context.Context, v int) (int, error) {
			if v == 10 {
				panic(fmt.Sprintf("item %d", v))
			}
			return v, nil
		})
	})
	if pe == nil || pe.Value != "item 10" {
		t.Fatalf("Map panicked with %v, want item 10", pe)
	}
	if !strings.Contains(string(pe.Stack), "map_test.go") {
		t.Errorf("the stack does not show where fn panicked:\n%s", pe.Stack)
	}
}

func TestMapPanicOutranksError(t *testing.T) {
	pe := catchPanic(t, func() {
		mapx.Map(context.Background(), ints(2), 2, func(ctx context.Context, v int) (int, error) {
			if v == 0 {
				<-ctx.Done() // wait for the panic, then fail
				return 0, errors.New("plain error")
			}
			panic("worse")
		})
	})
	if pe == nil || pe.Value != "worse" {
		t.Fatalf("Map panicked with %v, want the panic to outrank the error", pe)
	}
}

func TestMapPanicWithErrorValue(t *testing.T) {
	errInner := errors.New("inner")
	pe := catchPanic(t, func() {
		mapx.Map(context.Background(), ints(3), 3, func(_ context.Context, v int) (int, error) {
			panic(fmt.Errorf("item %d: %w", v, errInner))
		})
	})
	if pe == nil || !errors.Is(pe, errInner) {
		t.Fatalf("errors.Is(%v, inner) = false", pe)
	}
}

func TestMapGoexit(t *testing.T) {
	for _, f := range []func(ctx context.Context, in []int, fn func(context.Context, int) (int, error)) error{
		func(ctx context.Context, in []int, fn func(context.Context, int) (int, error)) error {
			_, err := mapx.Map(ctx, in, 3, fn)
			return err
		},
		func(ctx context.Context, in []int, fn func(context.Context, int) (int, error)) error {
			return mapx.ForEach(ctx, in, 3, func(ctx context.Context, v int) error {
				_, err := fn(ctx, v)
				return err
			})
		},
	} {
		err := f(context.Background(), ints(100), func(_ context.Context, v int) (int, error) {
			if v == 42 {
				runtime.Goexit()
			}
			return v, nil
		})
		if !errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("error = %v, want ErrGoexit", err)
		}
	}
}

func TestNilFnPanics(t *testing.T) {
	tests := []struct {
		name string
		call func()
	}{
		{"Map", func() { mapx.Map[int, int](context.Background(), ints(3), 1, nil) }},
		{"ForEach", func() { mapx.ForEach[int](context.Background(), ints(3), 1, nil) }},
		{"MapSeq", func() { mapx.MapSeq[int, int](context.Background(), nil, 1, nil) }},
		{"Settle", func() { mapx.Settle[int, int](context.Background(), ints(3), 1, nil) }},
		{"SettleSeq", func() { mapx.SettleSeq[int, int](context.Background(), nil, 1, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, "mapx: "+tt.name) {
					t.Errorf("panic %q does not name mapx.%s", msg, tt.name)
				}
			}()
			tt.call()
		})
	}
}

func TestForEach(t *testing.T) {
	var sum atomic.Int64
	err := mapx.ForEach(context.Background(), ints(1000), 5, func(_ context.Context, v int) error {
		sum.Add(int64(v))
		return nil
	})
	if err != nil || sum.Load() != 999*1000/2 {
		t.Fatalf("ForEach() = %v, sum %d; want nil, %d", err, sum.Load(), 999*1000/2)
	}
	errBad := errors.New("bad")
	err = mapx.ForEach(context.Background(), ints(1000), 5, func(_ context.Context, v int) error {
		if v == 7 {
			return errBad
		}
		return nil
	})
	wantItemError(t, err, 7, errBad)
}

// TestMapAllocsDoNotGrow checks that Map's allocations beyond the result
// slice do not depend on the input's length.
func TestMapAllocsDoNotGrow(t *testing.T) {
	count := func(n int) float64 {
		in := ints(n)
		return testing.AllocsPerRun(50, func() {
			mapx.Map(context.Background(), in, 2, double)
		})
	}
	small, large := count(64), count(64<<10)
	if small != large {
		t.Errorf("Map allocates %v times for 64 items and %v for 65536", small, large)
	}
}
