package mapx

import (
	"iter"
	"slices"
	"sync/atomic"
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

// newBatch returns an empty batch of room for the current size, reused if
// one is free. A free one too short is dropped: its parts cannot grow.
func (s *stream[T, R]) newBatch() *batch[T, R] {
	for n := len(s.free); n > 0; n-- {
		b := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		if len(b.parts) >= s.size.n {
			return b
		}
	}
	// Room for the sizer's largest if it is close, so that a size that
	// doubles does not drop a batch each time.
	n := s.size.n
	if n >= maxBatch/4 {
		n = maxBatch
	}
	b := &batch[T, R]{parts: make([]atomic.Uint64, n)}
	if !s.ordered {
		b.seen = make([]int32, n)
	}
	return b
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
	n := len(b.items)
	b.results = slices.Grow(b.results[:0], n)[:n]
	if !s.ordered {
		b.errs = slices.Grow(b.errs[:0], n)[:n]
	}
	// The one part, stored last: a thief that looks at b, reused, before
	// a worker takes it may take part of it, as of now.
	b.nparts.Store(1)
	b.parts[0].Store(packPart(0, 0, n))
	if n >= 2 {
		s.spare.Add(1) // see spare
	}
	// The next batch's fill time starts when send returns, so that the time
	// the consumer spends on results does not count as the input's.
	defer func() { s.began = time.Now() }()
	if !s.enqueue(b) {
		return false
	}
	s.fill = nil
	s.sent += len(b.items)
	s.held += len(b.items)
	s.inFlight++
	if s.ordered {
		if s.tail-s.head == len(s.ring) {
			s.grow()
		}
		s.ring[s.tail%len(s.ring)] = b
		s.tail++
	} else {
		s.open = append(s.open, b)
	}
	for !s.roomToRead() {
		if !s.wait(true) || !s.yieldReady() {
			return false
		}
	}
	// Yield what is ready at once, so that a slow input does not hold
	// back results that are.
	s.collect()
	return s.yieldReady()
}

// roomToRead reports whether the reader may read another batch: while fewer
// than 2·limit batches are in flight, and beyond that, up to maxHeld
// elements, while a worker waits for one, such as when the others wait
// behind a slow call at the head of MapSeq's order.
func (s *stream[T, R]) roomToRead() bool {
	if s.held >= s.maxHeld {
		return false
	}
	return s.inFlight < s.maxInFlight || s.workers < s.limit || s.idle.Load() > 0
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
	// The queue is full: maxQueued batches wait, or the workers read ahead
	// for went on with a part stolen meanwhile. A new worker, if the limit
	// allows one, takes one of them at once. Results computed meanwhile are
	// yielded as they come: the calls that would take the queued batches
	// may be waiting for the consumer.
	s.spawn()
	takeBack := s.lend()
	defer takeBack()
	defer s.waiting.Store(false)
	for {
		// Set before looking, as in wait.
		s.waiting.Store(true)
		if !s.yieldReady() {
			return false
		}
		select {
		case s.work <- b:
			return true
		case <-s.signal:
		case <-s.ctx.Done():
			s.failed = true
			return false
		}
	}
}

// lend lends the pool worker's slot that ctx carries, if the ranging
// goroutine holds it, for as long as it blocks, as Map does while it waits:
// fn may need that worker for tasks it waits for. It returns the function
// that takes the slot back.
func (s *stream[T, R]) lend() (takeBack func()) {
	if s.slot == nil {
		return nop
	}
	return s.slot.Lend()
}

func nop() {}

// spawn starts a worker, unless limit of them run.
func (s *stream[T, R]) spawn() {
	if s.workers < s.limit {
		s.workers++
		w := &hand[T, R]{next: s.crew.Load()}
		s.crew.Store(w)
		s.g.Go(func() error { return s.serve(w) })
	}
}

// grow doubles the ring, keeping each batch in flight at the place its index
// gives it in the longer ring. The ring never needs more than maxHeld places.
func (s *stream[T, R]) grow() {
	ring := make([]*batch[T, R], min(2*len(s.ring), s.maxHeld))
	for i := s.head; i < s.tail; i++ {
		ring[i%len(ring)] = s.ring[i%len(s.ring)]
	}
	s.ring = ring
}

// await waits until a result can be yielded. It reports false if the
// group's ctx ended first: a batch may then never come back.
func (s *stream[T, R]) await() bool {
	for !s.collect() {
		if !s.wait(false) {
			return false
		}
	}
	return true
}

// wait waits until a worker hands a batch back, computes a result or, if
// forRoom, waits for a batch, unless that happened already. It reports false
// if the group's ctx ended first.
func (s *stream[T, R]) wait(forRoom bool) bool {
	// Set before looking, so that a worker that computes a result or goes
	// idle after the look sees it and wakes the reader.
	s.waiting.Store(true)
	defer s.waiting.Store(false)
	if s.collect() || (forRoom && s.roomToRead()) {
		return true
	}
	takeBack := s.lend()
	defer takeBack()
	select {
	case <-s.signal:
		return true
	case <-s.ctx.Done():
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

// collect reports whether a result can be yielded.
func (s *stream[T, R]) collect() bool {
	if s.ordered {
		if s.head == s.tail {
			return false
		}
		b := s.ring[s.head%len(s.ring)]
		return doneTo(b, b.yielded) > b.yielded
	}
	for _, b := range s.open {
		if s.pending(b) {
			return true
		}
	}
	return false
}

// doneTo returns the end of the run of b's elements computed from j on.
// The element a part's owner calls is the one before the part's next, so
// that every one before it is computed, and all are once the owner's next
// add finds the part spent. An element stolen and not yet in its thief's
// part is in no part: not computed.
func doneTo[T, R any](b *batch[T, R], j int) int {
	n := int(b.nparts.Load())
	for k := 0; k < n && j < len(b.items); {
		start, next, end := unpackPart(b.parts[k].Load())
		if j < start || j >= end {
			k++
			continue
		}
		if j = max(j, min(next-1, end)); j < end {
			return j
		}
		k = 0 // j is the start of another part
	}
	return j
}

// pending reports whether SettleSeq's batch b has outcomes computed and not
// yet yielded.
func (s *stream[T, R]) pending(b *batch[T, R]) bool {
	for k := range int(b.nparts.Load()) {
		start, next, end := unpackPart(b.parts[k].Load())
		if min(next-1, end) > start+int(b.seen[k]) {
			return true
		}
	}
	return false
}

// yieldReady yields the results that can be: MapSeq's computed ones at the
// head of the order, all of SettleSeq's computed ones. It reports false when
// the range must stop.
func (s *stream[T, R]) yieldReady() bool {
	if s.ordered {
		for s.head < s.tail {
			b := s.ring[s.head%len(s.ring)]
			if !s.emitOrdered(b) {
				return false
			}
			if b.yielded < len(b.items) {
				return true // b's next element is not computed yet
			}
			s.ring[s.head%len(s.ring)] = nil
			s.head++
			s.release(b)
		}
		return true
	}
	// SettleSeq: the parts' words are read first, newest batch first and
	// each batch's last part first, then the outcomes are yielded the other
	// way round, oldest batch first. A worker calls its batches in the order
	// they were sent, so that an outcome computed before one that this read
	// saw was computed before its own batch's words were read, and is seen
	// too and yielded first: with one worker, the outcomes come in the order
	// the calls returned, which is the input's. Read while yielding, a batch
	// could show the calls that returned during the consumer's turn after
	// an older batch showed none of those it holds.
	words := s.words[:0]
	for i := len(s.open) - 1; i >= 0; i-- {
		b := s.open[i]
		n := int(b.nparts.Load())
		for k := n - 1; k >= 0; k-- {
			words = append(words, b.parts[k].Load())
		}
		words = append(words, uint64(n))
	}
	s.words = words
	j := len(words)
	kept := 0 // open stays in the order the batches were sent
	for i, b := range s.open {
		// The number of parts read is not nparts now: a part cut off since
		// holds no element the read saw computed.
		n := int(words[j-1])
		j -= n + 1
		if !s.emitOutcomes(b, words[j:j+n]) {
			// The range is over: the rest is dropped.
			kept += copy(s.open[kept:], s.open[i:])
			clear(s.open[kept:])
			s.open = s.open[:kept]
			return false
		}
		if b.yielded < len(b.items) {
			s.open[kept] = b
			kept++
			continue
		}
		s.release(b)
	}
	clear(s.open[kept:])
	s.open = s.open[:kept]
	return true
}

// emitOrdered yields MapSeq's computed results of b, the oldest batch, not
// yet yielded. It reports false when the range must stop.
func (s *stream[T, R]) emitOrdered(b *batch[T, R]) bool {
	if s.stop.Load() || s.ctx.Err() != nil {
		// A call failed, or the workers skip elements.
		s.failed = true
		return false
	}
	for done := doneTo(b, b.yielded); b.yielded < done; b.yielded++ {
		if !s.yieldPair(b.results[b.yielded], nil) {
			s.broke = true
			return false
		}
	}
	return true
}

// emitOutcomes yields the outcomes of SettleSeq's batch b computed and not
// yet yielded, part by part, as words says: b's parts' words, read, last part
// first. It reports false when the consumer broke out.
func (s *stream[T, R]) emitOutcomes(b *batch[T, R], words []uint64) bool {
	for k := range len(words) {
		start, next, end := unpackPart(words[len(words)-1-k])
		for i := start + int(b.seen[k]); i < min(next-1, end); i++ {
			b.seen[k]++
			b.yielded++
			if !s.yieldOutcome(Outcome[R]{Index: b.start + i, Value: b.results[i], Err: b.errs[i]}) {
				s.broke = true
				return false
			}
		}
	}
	return true
}

// release empties b, dropping its references so that yielded elements can
// be collected, and keeps it for reuse.
func (s *stream[T, R]) release(b *batch[T, R]) {
	s.size.adapt(len(b.items), max(time.Duration(b.took.Load()), b.filled))
	s.held -= len(b.items)
	clear(b.items)
	clear(b.results)
	clear(b.errs)
	b.items = b.items[:0]
	n := int(b.nparts.Load())
	for k := range n {
		b.parts[k].Store(0) // a part no longer: covers nothing
	}
	b.nparts.Store(0)
	if b.seen != nil {
		clear(b.seen[:n])
	}
	b.took.Store(0)
	b.yielded = 0
	s.free = append(s.free, b)
	s.inFlight--
}
