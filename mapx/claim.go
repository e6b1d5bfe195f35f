package mapx

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Work claiming. Workers take indices of the input from a shared counter, in
// chunks that each worker sizes for itself with a sizer, from how long its
// last chunk took. No chunk is larger than the remaining work divided among
// twice the workers, so that the last indices are shared out evenly too.
const maxChunk = 1 << 12

// claimer hands out the indices [0, n) to workers, each index once.
type claimer struct {
	next    atomic.Int64
	n       int64
	workers int64
}

// claimed returns how many indices have been handed out.
func (c *claimer) claimed() int {
	return int(min(c.next.Load(), c.n))
}

// cursor is one worker's claims: not safe for concurrent use.
type cursor struct {
	c     *claimer
	size  sizer
	last  int       // the length of the last chunk
	began time.Time // when the last chunk was claimed; zero before the first
}

func (c *claimer) cursor() cursor {
	return cursor{c: c, size: newSizer(maxChunk)}
}

// claim returns the next chunk [lo, hi) of indices for this worker, or an
// empty one once every index has been handed out.
func (w *cursor) claim() (lo, hi int) {
	now := time.Now()
	if !w.began.IsZero() {
		w.size.adapt(w.last, now.Sub(w.began))
	}
	w.began = now

	c := w.c
	size := int64(w.size.n)
	if tail := (c.n - c.next.Load()) / (2 * c.workers); size > tail {
		size = max(tail, 1)
	}
	end := c.next.Add(size)
	start := end - size
	if start >= c.n {
		return 0, 0
	}
	lo, hi = int(start), int(min(end, c.n))
	w.last = hi - lo
	return lo, hi
}

// workerCount returns how many workers serve n items at the given limit:
// min(limit, n), where limit <= 0 means GOMAXPROCS.
func workerCount(limit, n int) int {
	return min(effectiveLimit(limit), n)
}

// effectiveLimit returns limit, or GOMAXPROCS for limit <= 0.
func effectiveLimit(limit int) int {
	if limit <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return limit
}
