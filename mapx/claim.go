package mapx

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Work claiming for Map, ForEach and Settle. Workers take chunks of indices
// of the input from a shared counter, each sized by the worker's own sizer
// from how long its last chunk took, and no larger than the remaining work
// divided among twice the workers, so that the last indices are shared out
// evenly too.
//
// A worker's chunk is not its own until called: the worker holds it in a
// word of its slot, which packs the chunk's next index and end, and takes
// each index with one atomic add on that word. Once the shared counter is
// spent, a worker with nothing left steals: it cuts the chunk with the most
// indices not yet taken in two, with a compare-and-swap on its word, and
// takes the second half as its own chunk, which others may steal from in
// turn. So a call that blocks holds back no element but its own: the rest
// of its chunk goes, half by half, to the workers that are free.
const maxChunk = 1 << 12

// maxStealable is the longest input whose indices fit the halves of a word.
// A longer one (4 G elements) is claimed the same way but never stolen
// from: the word then holds offsets into the chunk, whose start is the
// owner's alone.
const maxStealable = 1<<32 - 2

// spent is a word with nothing left to take: next 1, end 0.
const spent = 1

// claimer hands out the indices [0, n) to workers, each index once.
type claimer struct {
	next    atomic.Int64
	n       int64
	workers int64
	slots   []slot // one per worker
	steals  bool   // n <= maxStealable: the words hold indices
	ids     atomic.Int32
	// live counts the chunks with an index not yet taken, each from before
	// it is claimed or stolen (a claim that finds nothing takes its count
	// back) until its last index is taken. While it is 0, no chunk has any
	// index left, not even one on its way to a word: a thief may leave.
	// Only then, so that thieves scan the slots only while there may be
	// something to steal, never once per worker at the end of every run.
	live atomic.Int64
}

// A slot is one worker's chunk, alone on its cache line, so that an add by
// its owner costs the others nothing.
type slot struct {
	word atomic.Uint64 // next | end<<32: the chunk's indices not yet taken
	_    [56]byte
}

func pack(next, end int) uint64 { return uint64(next) | uint64(end)<<32 }

func unpack(w uint64) (next, end int) { return int(uint32(w)), int(w >> 32) }

func newClaimer(n, workers int) claimer {
	return claimer{n: int64(n), workers: int64(workers), slots: make([]slot, workers), steals: n <= maxStealable}
}

// claimed returns how many indices have been handed out from the shared
// counter.
func (c *claimer) claimed() int {
	return int(min(c.next.Load(), c.n))
}

// cursor is one worker's claims: not safe for concurrent use, except for
// its word.
type cursor struct {
	c     *claimer
	word  *atomic.Uint64 // the worker's slot's
	own   int            // the slot's index
	base  int            // the index the word's offsets count from: 0 if c.steals
	lo    int            // the first index of the chunk
	size  sizer
	began time.Time // when the chunk was claimed; zero before the first
}

// cursor returns a new worker's cursor, which owns the next free slot.
func (c *claimer) cursor() cursor {
	own := int(c.ids.Add(1) - 1)
	return cursor{c: c, word: &c.slots[own].word, own: own, size: newSizer(maxChunk)}
}

// claim gives the worker a new chunk once its last one is spent: from the
// shared counter, or stolen. It reports false once no index is left that
// no worker has taken.
func (w *cursor) claim() bool {
	now := time.Now()
	if !w.began.IsZero() {
		// The indices called: a chunk cut short by a thief took less.
		_, end := unpack(w.word.Load())
		w.size.adapt(w.base+end-w.lo, now.Sub(w.began))
	}
	w.began = now

	c := w.c
	size := int64(w.size.n)
	if tail := (c.n - c.next.Load()) / (2 * c.workers); size > tail {
		size = max(tail, 1)
	}
	c.live.Add(1)
	end := c.next.Add(size)
	start := end - size
	if start < c.n {
		lo, hi := int(start), int(min(end, c.n))
		w.lo = lo
		if c.steals {
			w.word.Store(pack(lo, hi))
		} else {
			w.base = lo
			w.word.Store(pack(0, hi-lo))
		}
		return true
	}
	c.live.Add(-1)
	return c.steals && w.steal()
}

// took records that the worker took the index next of its chunk, which ends
// at end: the last one leaves the chunk spent.
func (c *claimer) took(next, end int) {
	if next+1 == end {
		c.live.Add(-1)
	}
}

// rest empties the worker's chunk in word, whose offsets count from base,
// and returns the indices [lo, hi) that were left in it: the worker will
// call none of them.
func (c *claimer) rest(word *atomic.Uint64, base int) (lo, hi int) {
	next, end := unpack(word.Swap(spent))
	if next >= end {
		return 0, 0
	}
	c.live.Add(-1)
	return base + next, base + end
}

// steal takes the second half of the indices not yet taken of the chunk
// that has the most, as the worker's own chunk. It reports false once no
// chunk has any left.
func (w *cursor) steal() bool {
	c := w.c
	for c.live.Load() > 0 {
		victim, most, seen := -1, 0, uint64(0)
		for k := range c.slots {
			v := c.slots[k].word.Load()
			if next, end := unpack(v); k != w.own && end-next > most {
				victim, most, seen = k, end-next, v
			}
		}
		if victim < 0 {
			// A chunk on its way to a word, or one whose last index was
			// just taken: look again, lest an owner block with the rest.
			runtime.Gosched()
			continue
		}
		next, end := unpack(seen)
		mid := next + (end-next)/2
		c.live.Add(1)
		if c.slots[victim].word.CompareAndSwap(seen, pack(next, mid)) {
			if mid == next {
				c.live.Add(-1) // the victim has none left
			}
			w.lo = mid
			w.word.Store(pack(mid, end))
			return true
		}
		c.live.Add(-1) // the owner took an index meanwhile, or a thief was first
	}
	return false
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
