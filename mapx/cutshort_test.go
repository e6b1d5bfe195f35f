package mapx_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
)

// isCutShort reports whether err is marked with mapx.ErrCutShort and
// reaches cause and, unless nil, fn's error fnErr.
func isCutShort(err, cause, fnErr error) bool {
	return errors.Is(err, mapx.ErrCutShort) && errors.Is(err, cause) &&
		(fnErr == nil || errors.Is(err, fnErr))
}

// workers returns how many workers Settle runs for n elements at limit.
func workers(limit, n int) int {
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	return min(limit, n)
}

// One check tells what ctx's end decided from what fn did, under a custom
// cause: at limit 1, element 1 fails while ctx is live (fn's error as it
// is), element 2 ends ctx and fails (marked, reaching its error and the
// cause), the rest are left uncalled (marked, one shared value).
func TestSettleCutShortInOneCheck(t *testing.T) {
	errStop, errOwn, errLate := errors.New("stop"), errors.New("own"), errors.New("late")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	fn := func(_ context.Context, v int) (int, error) {
		switch v {
		case 1:
			return v, errOwn
		case 2:
			cancel(errStop)
			return v, errLate
		}
		return v, nil
	}
	out, errs := mapx.Settle(ctx, ints(6), 1, fn)
	if len(errs) != 6 || errs[0] != nil || errs[1] != errOwn || out[2] != 2 ||
		!isCutShort(errs[2], errStop, errLate) || errors.Is(errs[2], context.Canceled) {
		t.Fatalf("out %v, errs %v; want nil, own, late cut short by stop", out, errs)
	}
	for i := 3; i < 6; i++ {
		if out[i] != 0 || !isCutShort(errs[i], errStop, nil) || errs[i] != errs[3] {
			t.Fatalf("element %d left uncalled: %d, %v; want 0 and one error cut short by stop", i, out[i], errs[i])
		}
	}
}

// A deadline reads as one: errors.Is reaches context.DeadlineExceeded
// through the mark, for the elements left uncalled and the calls it cut.
func TestSettleCutShortByDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, errs := mapx.Settle(ctx, ints(10), 2, func(ctx context.Context, v int) (int, error) {
			if v < 2 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			return v, nil
		})
		for i, err := range errs {
			if !isCutShort(err, context.DeadlineExceeded, nil) {
				t.Fatalf("element %d: %v, want cut short by the deadline", i, err)
			}
		}
	})
}

// errs has an element per element of in, nil for each success, also when
// every call succeeded: errs[i] never panics.
func TestSettleErrsAlwaysAligned(t *testing.T) {
	for _, n := range []int{1, 1000} {
		_, errs := mapx.Settle(context.Background(), ints(n), 4, double)
		if len(errs) != n || slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
			t.Fatalf("errs %v for %d successes, want %d nil errors", errs, n, n)
		}
	}
}

// A Goexit in fn is its element's own outcome, unmarked; the elements it
// left uncalled are marked, with ErrGoexit as the cause.
func TestSettleGoexitCutsShort(t *testing.T) {
	_, errs := mapx.Settle(context.Background(), ints(5), 1, func(_ context.Context, v int) (int, error) {
		if v == 1 {
			runtime.Goexit()
		}
		return v, nil
	})
	if errs[0] != nil || errs[1] != errgroupx.ErrGoexit {
		t.Fatalf("errs %v, want nil then ErrGoexit", errs)
	}
	for i := 2; i < 5; i++ {
		if !isCutShort(errs[i], errgroupx.ErrGoexit, nil) {
			t.Fatalf("element %d: %v, want cut short by ErrGoexit", i, errs[i])
		}
	}
}

// SettleSeq marks as Settle does, and its last outcome, of index -1, is
// marked too.
func TestSettleSeqCutShortInOneCheck(t *testing.T) {
	errStop, errOwn, errLate := errors.New("stop"), errors.New("own"), errors.New("late")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var got []outcome
	for o := range mapx.SettleSeq(ctx, count(6, nil), 1, func(_ context.Context, v int) (int, error) {
		switch v {
		case 1:
			return v, errOwn
		case 2:
			cancel(errStop)
			return v, errLate
		}
		return v, nil
	}) {
		got = append(got, o)
	}
	if len(got) != 4 || got[0] != (outcome{Index: 0}) || got[1] != (outcome{Index: 1, Value: 1, Err: errOwn}) ||
		got[2].Index != 2 || !isCutShort(got[2].Err, errStop, errLate) ||
		got[3].Index != -1 || !isCutShort(got[3].Err, errStop, nil) {
		t.Fatalf("outcomes %+v, want 0, 1 own, 2 late cut short, -1 cut short", got)
	}
}

// A deadline that passes while the last call runs, after every element was
// called, still ends the sequence with the outcome of index -1.
func TestSettleSeqDeadlineAfterEveryCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var got []outcome
		for o := range mapx.SettleSeq(ctx, count(3, nil), 3, func(_ context.Context, v int) (int, error) {
			if v == 2 {
				time.Sleep(2 * time.Second) // synctest's clock: the deadline passes
			}
			return v, nil
		}) {
			got = append(got, o)
		}
		if len(got) != 4 || got[2].Err != nil || got[3].Index != -1 || !isCutShort(got[3].Err, context.DeadlineExceeded, nil) {
			t.Fatalf("outcomes %+v, want three successes, then -1 cut short by the deadline", got)
		}
	})
}
