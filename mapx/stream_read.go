package mapx

import (
	"iter"
	"time"
)

// The ranging goroutine's side of a stream: it reads in, fills and sends
// batches, takes them back and yields their results.

// run reads in and yields the results until in ends, the consumer breaks
// out, or the group's ctx ends.
func (s *stream[T, R]) run(in iter.Seq[T]) {
	s.began = time.Now()
	ok := true
	for v := range in {
		if s.fill == nil {
			s.fill = s.newBatch()
		}
		s.fill.items = append(s.fill.items, v)
		if len(s.fill.items) < s.size.n {
			continue
		}
		if ok = s.send(); !ok {
			break
		}
	}
	if ok && s.fill != nil {
		ok = s.send()
	}
	if !ok {
		// Elements read or still in in were not called: SettleSeq's
		// sequence ends early.
		s.skipped = !s.broke
		return
	}
	for s.inFlight > 0 && s.await() && s.yieldReady() {
	}
}

// newBatch returns an empty batch, reused if one is free.
func (s *stream[T, R]) newBatch() *batch[T, R] {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return &batch[T, R]{}
}

// send hands the filled batch to a worker, waits for room for the next one,
// and yields what is ready. It reports false when the range must stop.
func (s *stream[T, R]) send() bool {
	// The caller's ctx too: the group's ends a moment after it, and the
	// workers would skip the batch.
	if s.parent.Err() != nil || s.ctx.Err() != nil {
		s.failed = true
		return false
	}
	b := s.fill
	b.filled = time.Since(s.began)
	b.start = s.sent
	// The next batch's fill time starts when send returns, so that the time
	// the consumer spends on results does not count as the input's.
	defer func() { s.began = time.Now() }()
	if !s.enqueue(b) {
		return false
	}
	s.fill = nil
	s.sent += len(b.items)
	s.inFlight++
	if s.ordered {
		if s.tail-s.head == len(s.ring) {
			s.grow()
		}
		s.ring[s.tail%len(s.ring)] = b
		s.tail++
	}
	for s.inFlight == s.maxInFlight {
		if !s.await() || !s.yieldReady() {
			return false
		}
	}
	// Yield finished batches at once, so that a slow input does not hold
	// back results that are ready.
	s.collect()
	return s.yieldReady()
}

// enqueue sends b to the workers, and starts a worker when none was waiting
// to take it. It reports false if the group's ctx ended while the queue was
// full.
func (s *stream[T, R]) enqueue(b *batch[T, R]) bool {
	select {
	case s.work <- b:
		// A send to a waiting worker hands b straight to it and leaves the
		// channel empty; a batch still in the channel found every worker busy.
		if len(s.work) > 0 {
			s.spawn()
		}
		return true
	default:
	}
	// maxQueued batches wait, which only a limit over maxQueued/2 allows.
	// A new worker, if the limit allows one, takes one of them at once.
	s.spawn()
	select {
	case s.work <- b:
		return true
	case <-s.ctx.Done():
		s.failed = true
		return false
	}
}

// spawn starts a worker, unless limit of them run.
func (s *stream[T, R]) spawn() {
	if s.workers < s.limit {
		s.workers++
		s.g.Go(s.serve)
	}
}

// grow doubles MapSeq's ring, keeping each batch in flight at the place its
// index gives it in the longer ring. The ring never needs more than
// maxInFlight places.
func (s *stream[T, R]) grow() {
	ring := make([]*batch[T, R], min(2*len(s.ring), s.maxInFlight))
	for i := s.head; i < s.tail; i++ {
		ring[i%len(ring)] = s.ring[i%len(s.ring)]
	}
	s.ring = ring
}

// await waits until a batch can be yielded: MapSeq's oldest in flight, or
// any of SettleSeq's. It reports false if the group's ctx ended first: a
// batch may then never come back.
func (s *stream[T, R]) await() bool {
	for !s.collect() {
		s.waiting.Store(true)
		select {
		case <-s.signal:
			s.waiting.Store(false)
		case <-s.ctx.Done():
			s.waiting.Store(false)
			// A batch may have come back too, its token ready beside Done
			// when the select chose: it is yielded as if it had come first.
			// Else, when the last call ends ctx just after its batch was
			// sent, SettleSeq would end early though every element was called.
			if s.collect() {
				return true
			}
			s.failed = true
			return false
		}
	}
	return true
}

// collect takes back the batches the workers have finished, and reports
// whether one can be yielded.
func (s *stream[T, R]) collect() bool {
	s.mu.Lock()
	finished := s.finished
	if s.ordered {
		for _, b := range finished {
			b.ready = true
		}
	} else {
		s.taken = append(s.taken, finished...)
	}
	clear(finished)
	s.finished = finished[:0]
	s.mu.Unlock()
	if s.ordered {
		return s.head < s.tail && s.ring[s.head%len(s.ring)].ready
	}
	return len(s.taken) > 0
}

// yieldReady yields the batches that can be: MapSeq's ready ones at the head
// of the ring, all of SettleSeq's taken back. It reports false when the range
// must stop.
func (s *stream[T, R]) yieldReady() bool {
	if s.ordered {
		for s.head < s.tail {
			b := s.ring[s.head%len(s.ring)]
			if !b.ready {
				return true
			}
			if !s.emitOrdered(b) {
				return false
			}
			s.ring[s.head%len(s.ring)] = nil
			s.head++
		}
		return true
	}
	for _, b := range s.taken {
		if !s.emitOutcomes(b) {
			return false // the range is over: the rest is dropped
		}
	}
	clear(s.taken)
	s.taken = s.taken[:0]
	return true
}

// emitOrdered yields the results of MapSeq's oldest batch, and frees it. It
// reports false when the range must stop.
func (s *stream[T, R]) emitOrdered(b *batch[T, R]) bool {
	if b.called < len(b.items) || s.stop.Load() || s.ctx.Err() != nil {
		// The worker skipped elements of this batch, or may have.
		s.failed = true
		return false
	}
	s.size.adapt(len(b.items), max(b.took, b.filled))
	for i := range b.items {
		if !s.yieldPair(b.results[i], nil) {
			s.broke = true
			return false
		}
	}
	s.release(b)
	return true
}

// emitOutcomes yields the outcome of every call of one of SettleSeq's
// batches, and frees it. It reports false when the consumer broke out.
func (s *stream[T, R]) emitOutcomes(b *batch[T, R]) bool {
	if b.called < len(b.items) {
		s.skipped = true
	}
	s.size.adapt(len(b.items), max(b.took, b.filled))
	for i := range b.called {
		if !s.yieldOutcome(Outcome[R]{Index: b.start + i, Value: b.results[i], Err: b.errs[i]}) {
			s.broke = true
			return false
		}
	}
	s.release(b)
	return true
}

// release empties b, dropping its references so that yielded elements can
// be collected, and keeps it for reuse.
func (s *stream[T, R]) release(b *batch[T, R]) {
	clear(b.items)
	clear(b.results)
	clear(b.errs)
	b.items = b.items[:0]
	b.ready = false
	s.free = append(s.free, b)
	s.inFlight--
}
