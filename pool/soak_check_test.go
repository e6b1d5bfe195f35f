//go:build soak

package pool_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// checkSoakFuture waits for the Future of task id, checks what it holds
// against the number of times the task ran, and tallies a skip in g.
func checkSoakFuture(t *testing.T, g *soakGen, id int, f *pool.Future[int], ran *atomic.Int32, ctxCall bool) {
	v, err := f.Wait()
	n := ran.Load() // after Wait, which orders the task's writes before it
	var pe *errgroupx.PanicError
	switch kind := stressKind(id); {
	case n == 0 && err == pool.ErrClosed:
	case n == 0 && ctxCall && err != nil && (err.Error() == poolCanceled || err.Error() == callerCanceled):
		g.contextLost.Add(1) // the pool's ctx, or the caller's
	case n == 0 && err != nil && err.Error() == poolCanceled:
		g.skipped.Add(1)
	case n != 1:
		t.Errorf("task %d ran %d times, and its Future says %d, %v", id, n, v, err)
	case kind == 1 && err == taskErr(id),
		kind == 2 && errors.As(err, &pe) && pe.Value == id,
		kind == 0 && id%1000 == 999 && errors.Is(err, errgroupx.ErrGoexit),
		kind == 0 && id%1000 != 999 && v == id && err == nil:
	default:
		t.Errorf("task %d ran, and its Future says %d, %v", id, v, err)
	}
}

// checkSoakGen checks the counters of g's pool, closed, against the tally of
// its tasks, and the errors of its Wait and Close against its Go tasks'.
func checkSoakGen(t *testing.T, g *soakGen, errs []error) {
	s := g.p.Stats()
	checkInvariant(t, s)
	slack := g.goCalls.Load() - g.goRan.Load() + g.contextLost.Load()
	if s.Queued != 0 || s.Running != 0 || s.Completed != g.ran.Load() || s.Failed != g.failed.Load() ||
		s.Skipped < g.skipped.Load() || s.Skipped > g.skipped.Load()+slack {
		t.Errorf("Stats %+v: want none queued or running, %d completed, %d failed, %d to %d skipped",
			s, g.ran.Load(), g.failed.Load(), g.skipped.Load(), g.skipped.Load()+slack)
	}
	var goErrs int64
	for _, err := range errs {
		var te taskErr
		var pe *errgroupx.PanicError
		switch {
		case errors.As(err, &te), errors.As(err, &pe), errors.Is(err, errgroupx.ErrGoexit):
			goErrs++
		case err.Error() != poolCanceled && err != pool.ErrClosed:
			t.Errorf("Wait returned an unexpected %v", err)
		}
	}
	if goErrs != g.goFailed.Load() {
		t.Errorf("Wait and Close returned %d errors of Go tasks, for %d that failed", goErrs, g.goFailed.Load())
	}
}
