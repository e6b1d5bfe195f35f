package mapx

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Work claiming. Workers take indices of the input from a shared counter. One
// index per claim is right for slow calls (a 1 ms call must not hold 63 others
// behind it) and wrong for nanosecond calls (the shared counter would cost more
// than the work). So each worker times its chunks and sizes the next one
// itself: it doubles while a chunk takes less than half of targetChunk and
// halves while one takes more than twice that. Slow calls stay at one index a
// claim; fast ones reach maxChunk within a dozen claims. No chunk is larger
// than the remaining work divided among twice the workers, so that the last
// indices are shared out evenly too.
const (
	targetChunk = 20 * time.Microsecond
	maxChunk    = 1 << 12
)

// claimer hands out the indices [0, n) to workers, each index once.
type claimer struct {
	next    atomic.Int64
	n       int64
	workers int64
}

func newClaimer(n, workers int) *claimer {
	return &claimer{n: int64(n), workers: int64(workers)}
}

// cursor is one worker's claims: not safe for concurrent use.
type cursor struct {
	c     *claimer
	size  int64
	began time.Time // when the last chunk was claimed; zero before the first
}

func (c *claimer) cursor() cursor {
	return cursor{c: c, size: 1}
}

// claim returns the next chunk [lo, hi) of indices for this worker, or an
// empty one once every index has been handed out.
func (w *cursor) claim() (lo, hi int) {
	now := time.Now()
	if !w.began.IsZero() {
		switch took := now.Sub(w.began); {
		case took < targetChunk/2 && w.size < maxChunk:
			w.size *= 2
		case took > 2*targetChunk && w.size > 1:
			w.size /= 2
		}
	}
	w.began = now

	c := w.c
	size := w.size
	if tail := (c.n - c.next.Load()) / (2 * c.workers); size > tail {
		size = max(tail, 1)
	}
	end := c.next.Add(size)
	start := end - size
	if start >= c.n {
		return 0, 0
	}
	return int(start), int(min(end, c.n))
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
