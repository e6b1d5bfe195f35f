package mapx

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The workers' side of a stream. A worker takes a batch from work and calls
// its elements in order, taking each with one atomic add on the word of the
// batch's part it owns, which packs the part's start, its next element and
// its end. The add is also what tells the reader the element before is
// computed. A worker with no batch to take steals: it cuts the part of a
// busy worker's batch with the most elements not yet taken in two, with a
// compare-and-swap on its word, and owns the second half as a new part of
// that batch. So no element waits behind a call of its batch that blocks
// while a worker is free, and the reader learns which elements are computed
// from the parts' words alone (see doneTo).

// Part words: next in bits 0-15, end in 16-31, start in 32-47; maxBatch fits.
func packPart(start, next, end int) uint64 {
	return uint64(next) | uint64(end)<<16 | uint64(start)<<32
}

func unpackPart(w uint64) (start, next, end int) {
	return int(w >> 32 & 0xffff), int(w & 0xffff), int(w >> 16 & 0xffff)
}

// A hand is one of the stream's workers, as the thieves see it.
type hand[T, R any] struct {
	cur  atomic.Pointer[batch[T, R]] // the batch whose part it calls, or nil
	next *hand[T, R]                 // the worker started before it; set before it is seen
}

// serve is a worker: it computes the parts it takes or steals until the
// range stops, or until a call fails in a way that ends it.
func (s *stream[T, R]) serve(me *hand[T, R]) error {
	var at place[T, R]
	return unwinding(func() error { return s.compute(me, &at) }, func() {
		// compute has stopped the others already.
		if at.b != nil && !s.ordered {
			// SettleSeq reports a Goexit as its element's outcome, once the
			// range knows it was no panic.
			s.mu.Lock()
			s.abandoned = append(s.abandoned, at)
			s.mu.Unlock()
		}
	})
}

// place is the element a worker is calling: items[i] of batch b.
type place[T, R any] struct {
	b *batch[T, R]
	i int
}

// compute is serve's loop.
func (s *stream[T, R]) compute(me *hand[T, R], at *place[T, R]) error {
	fn, ctx, parent, ordered := s.fn, s.ctx, s.parent, s.ordered
	// Deferred here, in fn's caller: the first of mapx's deferred calls that
	// a panic or Goexit in fn reaches, so that no new call starts from then
	// on. One frame further up, the runtime took microseconds to get there.
	returned := false
	defer func() {
		if !returned {
			s.unwound(parent)
		}
	}()
	for {
		b, k, n := s.take(me)
		if b == nil {
			returned = true
			return nil
		}
		// A part of one element has none to steal once its owner took it,
		// and is not counted in spare.
		counted := n >= 2
		start := time.Now()
		word := &b.parts[k]
		at.b = b
		for {
			_, i, end := unpackPart(word.Add(1) - 1)
			// The add said the last element called is computed: the
			// reader may yield it.
			s.wake()
			if i >= end {
				break
			}
			if i+1 == end && counted {
				s.spare.Add(-1) // the part's last element
			}
			at.i = i
			// The caller's ctx, not the group's, which ends a moment after
			// it; every failure of the group, and close, set stop.
			if s.stop.Load() || parent.Err() != nil {
				returned = true
				return nil // no new call after a failure; the reader sees it
			}
			var err error
			if b.results[i], err = fn(ctx, b.items[i]); err != nil {
				if ordered {
					s.stop.Store(true)
					returned = true
					return failure(parent, b.start+i, err)
				}
				b.errs[i] = s.settled(s.parent, err)
			}
			if k == 0 && i+1 == end {
				// For the reader's sizer, before the add that may let it
				// take b back.
				b.took.Store(int64(time.Since(start)))
			}
		}
		at.b = nil
		if s.waiting.Load() && time.Since(start) > targetChunk/2 {
			// The reader, blocked on a result, was just made ready to run
			// on this P, but would wait there behind this worker's next
			// part while the other Ps are busy too: the workers would run
			// the ring dry before the reader refills it. Give it the P now.
			// Parts of fast calls are over before that matters, and a yield
			// per part would cost more than they do.
			runtime.Gosched()
		}
	}
}

// take returns the next part for me to call, part k of batch b, n elements
// long: a batch from work, whole, or part of one stolen. It returns nil
// once the range stops or work is closed.
func (s *stream[T, R]) take(me *hand[T, R]) (b *batch[T, R], k, n int) {
	me.cur.Store(nil)
	for !s.stop.Load() {
		select {
		case b, ok := <-s.work:
			if !ok {
				return nil, 0, 0
			}
			s.own(me, b, len(b.items))
			return b, 0, len(b.items)
		default:
		}
		if b, k, n := s.steal(me); b != nil {
			return b, k, n
		}
		// Counted while it waits, so that the reader reads ahead for it
		// and the workers that publish a part to steal wake it; counted
		// before looking again, so that no such part goes unseen.
		s.idle.Add(1)
		s.wake()
		if b, k, n := s.steal(me); b != nil {
			s.idle.Add(-1)
			return b, k, n
		}
		select {
		case b, ok := <-s.work:
			s.idle.Add(-1)
			if !ok {
				return nil, 0, 0
			}
			s.own(me, b, len(b.items))
			return b, 0, len(b.items)
		case <-s.stealable:
			s.idle.Add(-1)
		}
	}
	return nil, 0, 0
}

// own makes b the batch that me calls a part of, n elements long, and wakes
// an idle worker to steal from it if there is something to steal.
func (s *stream[T, R]) own(me *hand[T, R], b *batch[T, R], n int) {
	me.cur.Store(b)
	if n >= 2 && s.idle.Load() > 0 {
		select {
		case s.stealable <- struct{}{}:
		default:
		}
	}
}

// steal takes the second half of the elements not yet taken of the part
// that has the most, among the batches that workers call, as a new part of
// that batch, and returns it and its length; nil if none has any left.
//
// The batch may be taken back and reused by the reader from the moment its
// last element is computed, so that a thief may look at a batch that is no
// longer the one its worker called: the compare-and-swap only succeeds on a
// word that the batch has now, so that what it takes is always a part of
// the batch as it is now, whose elements no one has taken.
func (s *stream[T, R]) steal(me *hand[T, R]) (*batch[T, R], int, int) {
	for !s.stop.Load() && s.spare.Load() > 0 {
		var victim *batch[T, R]
		at, most, seen := 0, 0, uint64(0)
		for w := s.crew.Load(); w != nil; w = w.next {
			b := w.cur.Load()
			if b == nil || w == me {
				continue
			}
			for k := range int(b.nparts.Load()) {
				v := b.parts[k].Load()
				// Not the one element of a part whose owner has not yet
				// taken it: each part keeps one at least, so that a batch
				// has no more parts than elements.
				start, next, end := unpackPart(v)
				if end-next > most && next+(end-next)/2 > start {
					victim, at, most, seen = b, k, end-next, v
				}
			}
		}
		if victim == nil {
			return nil, 0, 0
		}
		start, next, end := unpackPart(seen)
		mid := next + (end-next)/2
		counted := int64(0)
		if end-mid >= 2 {
			counted = 1 // the new part, from before it is cut off
		}
		s.spare.Add(counted)
		if victim.parts[at].CompareAndSwap(seen, packPart(start, next, mid)) {
			if mid == next {
				// The victim has none left. (It was counted: it had two
				// elements at least, the one taken and this one.)
				s.spare.Add(-1)
			}
			// Until its word is stored, the new part covers no element
			// the reader could take for computed: [mid, end) is in no part.
			k := int(victim.nparts.Add(1) - 1)
			victim.parts[k].Store(packPart(mid, mid, end))
			s.own(me, victim, end-mid)
			return victim, k, end - mid
		}
		s.spare.Add(-counted) // the owner took an element meanwhile, or a thief was first
	}
	return nil, 0, 0
}

// wake wakes the reader if it waits, once a wait: one token serves for
// every result computed meanwhile.
func (s *stream[T, R]) wake() {
	if s.waiting.Load() && s.waiting.CompareAndSwap(true, false) {
		s.poke()
	}
}

// poke wakes the reader if it waits, or makes its next wait return at once.
func (s *stream[T, R]) poke() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}
