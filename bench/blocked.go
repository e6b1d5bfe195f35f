package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// The blocked call: one call among many tiny ones hangs, as a request to a
// service that never answers does, until the others are done. Each
// operation runs the calls twice, first with none blocked, then with the one
// blocked, and the metric, x-unblocked, divides the time the others took in
// the second run by their time in the first. A library whose other calls
// wait behind the blocked one, or whose results wait for it, cannot finish
// them: the run then stalls until a deadline releases the blocked call, and
// the metric is at least blockedStall.
const (
	// blockedLimit is the calls at once: more than the cores, so that the
	// blocked call leaves them all busy and the workload measures whether
	// the other calls wait for it, not the worker it holds.
	blockedLimit = 8
	// blockedStall is how many times their time with no call blocked the
	// others may take before the blocked call is released anyway: the
	// metric of a run that stalled is at least this.
	blockedStall = 20
	// blockedMinWait is the least time the blocked call waits for the
	// others, so that a run with no call blocked that was quick by chance
	// makes no stall of a few missed milliseconds.
	blockedMinWait = 100 * time.Millisecond
)

// BlockedStall is the value of the blocked-call workloads' metric,
// x-unblocked, from which a run stalled: the other calls could not finish
// while the blocked call waited, and a deadline released it.
const BlockedStall = blockedStall

// blockedRun is one run of a blocked-call workload: the call for item at
// blocks, if block is set, until the other n-1 items are done, or until
// wait has passed since start.
type blockedRun struct {
	n, at   int
	block   bool
	wait    time.Duration
	start   time.Time
	release chan struct{} // closed once the others are done
	others  atomic.Int64  // the others done so far
	took    atomic.Int64  // when they were all done, in ns since start
	stalled atomic.Bool   // the blocked call gave up waiting
}

func newBlockedRun(n, at int, block bool, wait time.Duration) *blockedRun {
	r := &blockedRun{n: n, at: at, block: block, wait: wait,
		release: make(chan struct{}), start: time.Now()}
	if n <= 1 {
		close(r.release) // no others to wait for
	}
	return r
}

// call is the workload's fn: [double], and for the blocked item a wait
// for the others first.
func (r *blockedRun) call(v int) int {
	if v == r.at && r.block {
		t := time.NewTimer(r.wait - time.Since(r.start))
		select {
		case <-r.release:
		case <-t.C:
			r.stalled.Store(true)
		}
		t.Stop()
	}
	return double(v)
}

// done counts one of the others as done; the last releases the blocked
// call.
func (r *blockedRun) done() {
	if r.others.Add(1) == int64(r.n-1) {
		r.took.Store(int64(time.Since(r.start)))
		close(r.release)
	}
}

// blockedTrial makes a blocked-call trial. do runs the calls of r through a
// contender and returns what was wrong with its output, or nil; it calls
// r.call for each item and r.done once each item other than r.at is done
// (called, or emitted by a stream). at is the blocked item's index among n.
func blockedTrial(n, at int, do func(r *blockedRun) error) *trial {
	var (
		free, blocked time.Duration // the others' time over every run, without and with the blocked call
		err           error         // the first wrong output
	)
	once := func(block bool, wait time.Duration) time.Duration {
		r := newBlockedRun(n, at, block, wait)
		if e := do(r); e != nil && err == nil {
			what := "with no call blocked"
			if block {
				what = fmt.Sprintf("with call %d blocked", at)
			}
			err = fmt.Errorf("%s: %w", what, e)
		}
		return time.Duration(r.took.Load())
	}
	return &trial{
		run: func() {
			f := once(false, 0)
			free += f
			blocked += once(true, max(blockedStall*f, blockedMinWait))
		},
		check: func() error { return err },
		metric: func(int, float64) float64 {
			if free <= 0 {
				return 0
			}
			return float64(blocked) / float64(free)
		},
	}
}

// blockedStreamTrial feeds 0..n-1 to a contender's Stream, the last call
// blocked until every result before it is emitted: an ordered stream can
// yield no result after a blocked call before it, but must yield each one
// before it. It checks every result in its place.
func blockedStreamTrial(c *Contender, n int) *trial {
	want := apply(iota(n), double)
	return blockedTrial(n, n-1, func(r *blockedRun) error {
		o := newInOrder(want)
		c.Stream(seq(n), blockedLimit, r.call, func(v int) {
			o.emit(v)
			if v != double(r.at) {
				r.done()
			}
		})
		return o.check()
	})
}

// blockedUnorderedTrial feeds 0..n-1 to a contender's Unordered, the
// middle call blocked until every other result is emitted, and checks that
// every result came once.
func blockedUnorderedTrial(c *Contender, n int) *trial {
	want := apply(iota(n), double)
	got := make([]int, 0, n)
	return blockedTrial(n, n/2, func(r *blockedRun) error {
		got = got[:0]
		c.Unordered(seq(n), blockedLimit, r.call, func(v int) {
			got = append(got, v)
			if v != double(r.at) {
				r.done()
			}
		})
		return sameInAnyOrder(want, got)
	})
}

// blockedSettleTrial has a contender's Settle call fn on 0..n-1, the middle
// call blocked until every other call has returned, and checks every
// result and that no error came back.
func blockedSettleTrial(c *Contender, n int) *trial {
	in := iota(n)
	want := apply(in, double)
	return blockedTrial(n, n/2, func(r *blockedRun) error {
		out, errs := c.Settle(context.Background(), in, blockedLimit, func(_ context.Context, v int) (int, error) {
			res := r.call(v)
			if v != r.at {
				r.done()
			}
			return res, nil
		})
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("no call fails, but got %v", err)
		}
		return sameInOrder(want, out)
	})
}

// blockedMapTrial is [blockedSettleTrial] with a contender's Map.
func blockedMapTrial(c *Contender, n int) *trial {
	in := iota(n)
	want := apply(in, double)
	return blockedTrial(n, n/2, func(r *blockedRun) error {
		out := c.Map(in, blockedLimit, func(v int) int {
			res := r.call(v)
			if v != r.at {
				r.done()
			}
			return res
		})
		return sameInOrder(want, out)
	})
}
