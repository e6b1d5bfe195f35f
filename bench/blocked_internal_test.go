package bench

import (
	"sync"
	"testing"
)

// A contender that makes the other calls wait for the blocked one stalls:
// the deadline releases it, the output is still checked, and the metric
// says so.
func TestBlockedStallIsReported(t *testing.T) {
	const n = 50
	loop := func(r *blockedRun) error {
		for v := range n {
			r.call(v)
			if v != r.at {
				r.done()
			}
		}
		return nil
	}
	tr := blockedTrial(n, n/2, loop)
	tr.run()
	if err := tr.check(); err != nil {
		t.Fatalf("check = %v, want nil", err)
	}
	if m := tr.metric(1, 0); m < blockedStall {
		t.Errorf("x-unblocked = %v for a loop that stalls, want at least %d", m, blockedStall)
	}
}

// The blocked call waits until every other call is done, unless it gave up
// at its deadline; a run with none blocked waits for nothing.
func TestBlockedCallWaitsForTheOthers(t *testing.T) {
	const n = 200
	for _, block := range []bool{false, true} {
		r := newBlockedRun(n, n/2, block, blockedMinWait)
		var othersAtReturn int64
		var wg sync.WaitGroup
		for v := range n {
			wg.Go(func() {
				r.call(v)
				if v == r.at {
					othersAtReturn = r.others.Load()
					return
				}
				r.done()
			})
		}
		wg.Wait()
		if block && othersAtReturn != n-1 && !r.stalled.Load() {
			t.Errorf("the blocked call returned after %d others, want %d", othersAtReturn, n-1)
		}
		if !block && r.stalled.Load() {
			t.Errorf("a call gave up waiting in a run with none blocked")
		}
		if r.took.Load() <= 0 {
			t.Errorf("block=%v: no time recorded for the others", block)
		}
	}
}
