package bench

import (
	"iter"
	"time"
)

// The heavy tail: most calls are quick, a few are slow, as with requests to
// a service whose latency has a long tail.
const (
	tailLimit = 50                     // calls at once
	tailEvery = 100                    // one call in this many is slow
	tailSlow  = 100 * time.Millisecond // what a slow call takes
	tailQuick = time.Millisecond       // what every other call takes
)

// tailCall sleeps tailSlow for one item in tailEvery and tailQuick for the
// others, then returns [napResult] of v.
func tailCall(v int) int {
	if v%tailEvery == 0 {
		time.Sleep(tailSlow)
	} else {
		time.Sleep(tailQuick)
	}
	return napResult(v)
}

// tailTrial streams 0..n-1 through tailCall with stream, a contender's
// Stream or Unordered, and checks the results: in order as they are
// emitted when ordered is set, as a whole otherwise. Its metric is x-ideal:
// the time over the sleeps' total shared by tailLimit calls at once, or
// over the slowest call where that is more.
func tailTrial(stream func(iter.Seq[int], int, func(int) int, func(int)), n int, ordered bool) *trial {
	want := apply(iota(n), napResult)
	slow := (n + tailEvery - 1) / tailEvery // the calls v%tailEvery == 0 of 0..n-1
	ideal := max((time.Duration(slow)*tailSlow+time.Duration(n-slow)*tailQuick)/tailLimit, tailSlow)
	t := &trial{metric: overIdeal(ideal)}
	if ordered {
		o := newInOrder(want)
		t.run = func() {
			o.reset()
			stream(seq(n), tailLimit, tailCall, o.emit)
		}
		t.check = o.check
		return t
	}
	got := make([]int, 0, n)
	t.run = func() {
		got = got[:0]
		stream(seq(n), tailLimit, tailCall, func(r int) { got = append(got, r) })
	}
	t.check = func() error { return sameInAnyOrder(want, got) }
	return t
}
