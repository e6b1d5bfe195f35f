package mapx

import (
	"runtime"
	"slices"
	"time"
)

// The workers' side of a stream: each computes the batches it takes from
// work and hands them back.

// serve is a worker: it computes the batches it is sent until the channel
// closes, or until a call fails in a way that ends the range.
func (s *stream[T, R]) serve() error {
	var at place[T, R]
	return unwinding(func() error { return s.compute(&at) }, func() {
		// compute has stopped the others already.
		if at.b != nil && !s.ordered {
			// SettleSeq reports a Goexit as its element's outcome, once the
			// range knows it was no panic.
			at.b.called = at.i
			s.mu.Lock()
			s.abandoned = append(s.abandoned, at.b)
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
func (s *stream[T, R]) compute(at *place[T, R]) error {
	// Deferred here, in fn's caller: the first of mapx's deferred calls that
	// a panic or Goexit in fn reaches, so that no new call starts from then
	// on. One frame further up, the runtime took microseconds to get there.
	returned := false
	defer func() {
		if !returned {
			s.unwound(s.parent)
		}
	}()
	for {
		// Counted while it waits, so that the reader reads ahead for it.
		s.idle.Add(1)
		s.wake()
		b, ok := <-s.work
		s.idle.Add(-1)
		if !ok {
			returned = true
			return nil
		}
		start := time.Now()
		n := len(b.items)
		b.results = slices.Grow(b.results[:0], n)[:n]
		if !s.ordered {
			b.errs = slices.Grow(b.errs[:0], n)[:n]
		}
		at.b = b
		for at.i = 0; at.i < n; at.i++ {
			// The caller's ctx, not the group's, which ends a moment after
			// it; every failure of the group, and close, set stop.
			if s.stop.Load() || s.parent.Err() != nil {
				break // no new call after a failure; the reader sees it
			}
			i := at.i
			var err error
			if b.results[i], err = s.fn(s.ctx, b.items[i]); err != nil {
				if s.ordered {
					s.stop.Store(true)
					returned = true
					return failure(s.parent, b.start+i, err)
				}
				b.errs[i] = s.settled(s.parent, err)
			}
			// The result is the reader's to yield from here on.
			b.done.Store(int32(i + 1))
			s.wake()
		}
		at.b = nil
		b.called = at.i
		took := time.Since(start)
		b.took = took
		s.finish(b) // b is the reader's from here on
		if s.waiting.Load() && took > targetChunk/2 {
			// The reader, blocked on a batch, was just made ready to run on
			// this P, but would wait there behind this worker's next batch
			// while the other Ps are busy too: the workers would run the ring
			// dry before the reader refills it. Give it the P now. Batches of
			// fast calls are over before that matters, and a yield per batch
			// would cost more than they do.
			runtime.Gosched()
		}
	}
}

// finish hands b back to the reader.
func (s *stream[T, R]) finish(b *batch[T, R]) {
	s.mu.Lock()
	first := len(s.finished) == 0
	s.finished = append(s.finished, b)
	s.mu.Unlock()
	if first {
		// The reader takes the whole list at once, so a token is needed only
		// when the list was empty; one already waiting serves as well.
		s.poke()
	}
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
