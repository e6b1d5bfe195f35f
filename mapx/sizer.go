package mapx

import "time"

// targetChunk is how long the elements handed out at once should take. One
// element at a time is right for slow calls (a 1 ms call must not hold others
// behind it) and wrong for calls of nanoseconds (handing out would cost more
// than the work); a run of about 20 µs is both fine-grained and cheap.
const targetChunk = 20 * time.Microsecond

// A sizer picks how many elements to hand out at once, from how long the
// last run took: it doubles the size while a run takes less than half of
// targetChunk and halves it while one takes more than twice that. Slow calls
// stay at one element; fast ones reach max within a dozen runs. Map's workers
// use one each to claim indices, a sequence's reader one to fill batches.
//
// The zero sizer is not ready: make one with newSizer. Not safe for
// concurrent use.
type sizer struct {
	n   int // the size of the next run, from 1 to max
	max int
}

func newSizer(max int) sizer {
	return sizer{n: 1, max: max}
}

// adapt sets the size from a run of n elements that took took. Only a run of
// the current size may grow it: runs handed out before the last change, or
// cut short at the end of the input, say nothing about the current size being
// too small.
func (z *sizer) adapt(n int, took time.Duration) {
	switch {
	case took < targetChunk/2 && n == z.n && z.n < z.max:
		z.n = min(2*z.n, z.max)
	case took > 2*targetChunk && z.n > 1:
		z.n /= 2
	}
}
