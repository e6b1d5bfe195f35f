package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// oddError is the error of odd element v: each element's its own, equal
// only to itself, and free to make.
type oddError int

func (e oddError) Error() string { return fmt.Sprintf("odd %d", int(e)) }

// oddFails doubles even numbers and fails on odd ones, returning -v with the
// error.
func oddFails(_ context.Context, v int) (int, error) {
	if v%2 == 1 {
		return -v, oddError(v)
	}
	return 2 * v, nil
}

// wantOutcomes returns what Settle must return for ints(n) and oddFails.
func wantOutcomes(n int) ([]int, []error) {
	out, errs := make([]int, n), make([]error, n)
	for i := range n {
		out[i], errs[i] = oddFails(context.Background(), i)
	}
	return out, errs
}

// equateErrors compares errors with errors.Is: each element's oddError is
// equal to itself only.
var equateErrors = cmpopts.EquateErrors()

// aligned checks Settle's promise on errs, len n whatever failed, so that
// errs[i] is always an element's error, and returns it.
func aligned(t *testing.T, errs []error, n int) []error {
	t.Helper()
	if len(errs) != n {
		t.Fatalf("%d errors for %d elements", len(errs), n)
	}
	return errs
}

// diffErrors returns the difference between two lists of errors, or "" if
// they are equal; cmp.Diff is called only to show a difference.
func diffErrors(want, got []error) string {
	if slices.Equal(want, got) {
		return ""
	}
	return cmp.Diff(want, got, equateErrors)
}

// Settle calls fn on every element, whatever fails, and returns each
// outcome at its element's place.
func TestSettleOutcomes(t *testing.T) {
	for _, n := range []int{1, 2, 10, 1000, 20_000} {
		for _, limit := range []int{1, 3, 0, 64, math.MaxInt} {
			t.Run(fmt.Sprintf("n=%d/limit=%d", n, limit), func(t *testing.T) {
				calls := make([]atomic.Int32, n)
				out, errs := mapx.Settle(context.Background(), ints(n), limit, func(ctx context.Context, v int) (int, error) {
					calls[v].Add(1)
					return oddFails(ctx, v)
				})
				errs = aligned(t, errs, n)
				wantOut, wantErrs := wantOutcomes(n)
				if diff := cmp.Diff(wantOut, out); diff != "" {
					t.Errorf("out (-want +got):\n%s", diff)
				}
				if diff := diffErrors(wantErrs, errs); diff != "" {
					t.Errorf("errs (-want +got):\n%s", diff)
				}
				for i := range calls {
					if c := calls[i].Load(); c != 1 {
						t.Fatalf("element %d called %d times, want once", i, c)
					}
				}
			})
		}
	}
}

func TestSettleEveryCallFails(t *testing.T) {
	errBad := errors.New("bad")
	out, errs := mapx.Settle(context.Background(), ints(5000), 4, func(_ context.Context, v int) (int, error) {
		return v, errBad
	})
	errs = aligned(t, errs, 5000)
	for i := range errs {
		if errs[i] != errBad || out[i] != i {
			t.Fatalf("element %d: %d, %v; want %d, %v", i, out[i], errs[i], i, errBad)
		}
	}
}

func TestSettleEmpty(t *testing.T) {
	for _, in := range [][]int{nil, {}} {
		out, errs := mapx.Settle(context.Background(), in, 4, func(context.Context, int) (int, error) {
			t.Error("fn called on empty input")
			return 0, nil
		})
		if out == nil || len(out) != 0 || len(errs) != 0 {
			t.Errorf("Settle(%#v) = %#v, %#v; want an empty result and no errors", in, out, errs)
		}
	}
}

// A ctx that ends before, during or after Settle: the elements not called
// get its cause, the others keep their outcomes, and no call starts after it
// ended.
func TestSettleContextCanceled(t *testing.T) {
	errStop := errors.New("stop")
	const n = 1000
	tests := []struct {
		name   string
		stopAt int // the element whose call cancels ctx, -1 for before, n for after
	}{
		{"before", -1}, {"during", 100}, {"last call", n - 1}, {"after", n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			if tt.stopAt < 0 {
				cancel(errStop)
			}
			var calls atomic.Int64
			out, errs := mapx.Settle(ctx, ints(n), 1, func(ctx context.Context, v int) (int, error) {
				calls.Add(1)
				if v == tt.stopAt {
					cancel(errStop)
				}
				return oddFails(ctx, v)
			})
			errs = aligned(t, errs, n)
			cancel(errStop) // after: changes nothing
			called := min(tt.stopAt+1, n)
			if c := calls.Load(); c != int64(called) {
				t.Fatalf("%d calls, want %d", c, called)
			}
			wantOut, wantErrs := wantOutcomes(n)
			for i := called; i < n; i++ {
				wantOut[i], wantErrs[i] = 0, errStop
			}
			if diff := cmp.Diff(wantOut, out); diff != "" {
				t.Errorf("out (-want +got):\n%s", diff)
			}
			if diff := diffErrors(wantErrs, errs); diff != "" {
				t.Errorf("errs (-want +got):\n%s", diff)
			}
			for i := called; i < n; i++ {
				if !isCutShort(errs[i], errStop, nil) || errs[i] != errs[n-1] {
					t.Fatalf("element %d not called has %v, want one error marked cut short by context.Cause(ctx)", i, errs[i])
				}
			}
		})
	}
}

// With many workers, a cancel stops new calls at once: each other worker
// may have passed its check just before, and every element is either called
// with its outcome or not called with ctx's cause.
func TestSettleContextCanceledManyWorkers(t *testing.T) {
	const n, limit = 20_000, 8
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var afterCancel atomic.Int64
	called := make([]atomic.Bool, n)
	out, errs := mapx.Settle(ctx, ints(n), limit, func(fctx context.Context, v int) (int, error) {
		if ctx.Err() != nil {
			afterCancel.Add(1)
		}
		called[v].Store(true)
		if v == 2000 {
			cancel()
		}
		return oddFails(fctx, v)
	})
	errs = aligned(t, errs, n)
	if c := afterCancel.Load(); c >= limit {
		t.Errorf("%d calls started after the cancel, want fewer than the limit", c)
	}
	wantOut, wantErrs := wantOutcomes(n)
	for i := range n {
		if !called[i].Load() {
			wantOut[i], wantErrs[i] = 0, context.Canceled
		}
	}
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("out (-want +got):\n%s", diff)
	}
	if diff := diffErrors(wantErrs, errs); diff != "" {
		t.Errorf("errs (-want +got):\n%s", diff)
	}
}

// A panic is a bug, not an outcome: it cancels fn's ctx, after which no new
// call starts (each other worker may have passed its check just before),
// and it outranks the errors of the other calls.
func TestSettlePanic(t *testing.T) {
	const limit = 4
	errInner := errors.New("inner")
	errOdd := errors.New("an error beside the panic")
	var afterCancel atomic.Int64
	pe := catchPanic(t, func() {
		mapx.Settle(context.Background(), ints(100_000), limit, func(ctx context.Context, v int) (int, error) {
			if ctx.Err() != nil {
				afterCancel.Add(1)
			}
			switch {
			case v == 500:
				panic(fmt.Errorf("element %d: %w", v, errInner))
			case v%2 == 1:
				return 0, errOdd
			}
			return v, nil
		})
	})
	if pe == nil || !errors.Is(pe, errInner) {
		t.Fatalf("Settle panicked with %v, want a *PanicError wrapping %v", pe, errInner)
	}
	if n := afterCancel.Load(); n >= limit {
		t.Errorf("%d calls started after the panic canceled fn's ctx, want fewer than the limit", n)
	}
}

// runtime.Goexit in fn stops Settle as the end of ctx would: its element and
// the elements not called get ErrGoexit, those called keep their outcomes.
func TestSettleGoexit(t *testing.T) {
	const n, exitAt = 1000, 300
	out, errs := mapx.Settle(context.Background(), ints(n), 1, func(ctx context.Context, v int) (int, error) {
		if v == exitAt {
			runtime.Goexit()
		}
		return oddFails(ctx, v)
	})
	errs = aligned(t, errs, n)
	wantOut, wantErrs := wantOutcomes(n)
	for i := exitAt; i < n; i++ {
		wantOut[i], wantErrs[i] = 0, errgroupx.ErrGoexit
	}
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("out (-want +got):\n%s", diff)
	}
	if diff := diffErrors(wantErrs, errs); diff != "" {
		t.Errorf("errs (-want +got):\n%s", diff)
	}
	if !errors.Is(errs[exitAt], errgroupx.ErrGoexit) {
		t.Errorf("errs[%d] = %v, want ErrGoexit", exitAt, errs[exitAt])
	}
}

// goexitAfterCancel returns a fn for two workers whose call of element 1
// ends ctx with cause once element 0's call has started, and whose call of
// element 0 then calls runtime.Goexit once fn's ctx has ended (t.FailNow on
// a canceled ctx). No other element is called: element 1's worker finds ctx
// ended, the other is in element 0.
func goexitAfterCancel(cancel context.CancelCauseFunc, cause error) func(context.Context, int) (int, error) {
	started := make(chan struct{})
	return func(ctx context.Context, v int) (int, error) {
		switch v {
		case 0:
			close(started)
			<-ctx.Done()
			runtime.Goexit()
		case 1:
			<-started
			cancel(cause)
		}
		return v, nil
	}
}

// A Goexit that comes after ctx ended, in reaction to it, changes nothing
// for the elements that ctx's end left uncalled: they all get ctx's cause,
// and the Goexit's own element ErrGoexit.
func TestSettleGoexitAfterContextEnded(t *testing.T) {
	const n = 10
	errStop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	out, errs := mapx.Settle(ctx, ints(n), 2, goexitAfterCancel(cancel, errStop))
	wantOut, wantErrs := make([]int, n), make([]error, n)
	wantOut[1] = 1
	wantErrs[0] = errgroupx.ErrGoexit
	for i := 2; i < n; i++ {
		wantErrs[i] = errStop
	}
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("out (-want +got):\n%s", diff)
	}
	if diff := diffErrors(wantErrs, errs); diff != "" {
		t.Errorf("errs (-want +got):\n%s", diff)
	}
}

// With several workers, every element not called after a Goexit has
// ErrGoexit, and none is left without an outcome.
func TestSettleGoexitManyWorkers(t *testing.T) {
	const n = 50_000
	out, errs := mapx.Settle(context.Background(), ints(n), 4, func(ctx context.Context, v int) (int, error) {
		if v == 20_000 {
			runtime.Goexit()
		}
		return double(ctx, v)
	})
	errs = aligned(t, errs, n)
	exited := 0
	for i := range n {
		switch {
		case errs[i] == nil && out[i] == 2*i:
		case errors.Is(errs[i], errgroupx.ErrGoexit) && out[i] == 0:
			exited++
		default:
			t.Fatalf("element %d: %d, %v; want its result or ErrGoexit", i, out[i], errs[i])
		}
	}
	if errs[20_000] != errgroupx.ErrGoexit || exited == 0 {
		t.Errorf("errs[20000] = %v, %d with ErrGoexit", errs[20_000], exited)
	}
}

// Settle's allocations beyond its two slices do not depend on the input's
// length.
func TestSettleAllocsDoNotGrow(t *testing.T) {
	errOdd := errors.New("odd")
	fn := func(_ context.Context, v int) (int, error) {
		if v%2 == 1 {
			return 0, errOdd
		}
		return v, nil
	}
	count := func(n int) float64 {
		in := ints(n)
		return testing.AllocsPerRun(20, func() {
			mapx.Settle(context.Background(), in, 2, fn)
		})
	}
	small, large := count(64), count(16<<10)
	if small != large {
		t.Errorf("Settle allocates %v times for 64 items and %v for 16384", small, large)
	}
}
