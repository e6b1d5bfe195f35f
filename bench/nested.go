package bench

import (
	"sync/atomic"
	"time"
)

// The nested workload: tasks that each map their own items, as a handler of
// a batch maps the batch's records, with one limit written at each level.
const (
	nestInner = 100 // calls in each task
	nestLimit = 8   // tasks at once, and calls at once within a task
	nestCall  = time.Millisecond
)

// nestedTrial runs n calls as n/nestInner tasks of nestInner calls each
// (one task of n calls, when n is smaller), every call sleeping nestCall, and checks that
// each call ran once in every operation. Its metric is the most calls seen
// running at once in the last operation: nestLimit is what one limit for
// the whole would allow, nestLimit² what a limit at each level allows.
func nestedTrial(c *Contender, n int) *trial {
	inner := min(nestInner, n)
	outer := n / inner
	runs := make([]int32, outer*inner) // runs[k] is written by call k alone
	ops := 0
	var running, peak atomic.Int64
	call := func(o, i int) {
		raise(&peak, running.Add(1))
		time.Sleep(nestCall)
		running.Add(-1)
		runs[o*inner+i]++
	}
	return &trial{
		run: func() {
			ops++
			peak.Store(0)
			c.Nested(outer, inner, nestLimit, call)
		},
		check:  func() error { return ranOncePerOp(runs, ops) },
		metric: func(int, float64) float64 { return float64(peak.Load()) },
	}
}

// raise sets peak to n if n is more.
func raise(peak *atomic.Int64, n int64) {
	for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
	}
}
