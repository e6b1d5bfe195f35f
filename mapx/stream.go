package mapx

import (
	"context"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
)

const (
	// maxBatch bounds the elements of in handed to a worker at once.
	maxBatch = 256
	// minRing is the length MapSeq's ring of batches starts at; it doubles,
	// up to 2·limit, as more batches are in flight at once.
	minRing = 64
	// maxQueued bounds the batches sent and not yet taken by a worker.
	maxQueued = 4096
)

// stream is one range over the sequence of MapSeq (ordered) or SettleSeq
// (not ordered). The goroutine that ranges reads in, fills batches of
// consecutive elements, sends them to the workers, takes them back once
// computed and yields their results: MapSeq in input order, stopping at the
// first failed call; SettleSeq as they come back, every call's outcome.
//
// A batch is the reader's, then a worker's from its send on work until the
// worker puts it on finished (or, leaving by Goexit or panic, on abandoned),
// then the reader's again; once close has returned, every batch is the
// reader's. The workers read the
// fields set by newStream and share the fields under "Shared"; every other
// field belongs to the goroutine that ranges.
type stream[T, R any] struct {
	parent  context.Context
	ctx     context.Context // the group's: fn's, ends at the first failure
	cancel  context.CancelFunc
	g       *errgroupx.Group
	fn      func(context.Context, T) (R, error)
	ordered bool

	// Shared with the workers.
	waiting atomic.Bool // the reader is blocked in await
	// stop is set by a worker the moment its call fails in a way that ends
	// the range (MapSeq: any error; both: a panic or Goexit), before the
	// group cancels ctx, so that the other workers start no call after it.
	stop      atomic.Bool
	mu        sync.Mutex
	finished  []*batch[T, R] // guarded by mu: computed, not yet taken back
	abandoned []*batch[T, R] // guarded by mu: a worker left by Goexit or panic inside fn
	signal    chan struct{}  // holds a token after a batch is finished onto an empty list

	// The ranging goroutine's alone.
	limit       int
	workers     int               // started so far, at most limit
	work        chan *batch[T, R] // batches in input order, to the workers
	free        []*batch[T, R]    // batches to fill again
	fill        *batch[T, R]      // the batch being filled, or nil
	taken       []*batch[T, R]    // SettleSeq: taken back, to yield
	inFlight    int               // batches sent and not yet yielded
	maxInFlight int               // 2·limit
	ring        []*batch[T, R]    // MapSeq: batch i sent is ring[i%len(ring)], head <= i < tail
	head, tail  int
	sent        int // elements sent to the workers so far
	size        sizer
	began       time.Time // when the batch being filled began
	failed      bool      // the group's ctx ended before the range was over
	skipped     bool      // SettleSeq: an element read, or maybe still in in, was not called
	broke       bool      // the consumer broke out
	closed      bool

	yieldPair    func(R, error) bool   // MapSeq's
	yieldOutcome func(Outcome[R]) bool // SettleSeq's
}

// A batch is a run of consecutive elements handed to one worker. Batches are
// reused, so that a long input costs no more memory than a short one.
type batch[T, R any] struct {
	start   int // the index in in of items[0]
	items   []T
	results []R
	errs    []error       // SettleSeq: fn's error for each element called
	called  int           // the elements called, a prefix of items; set by the worker
	filled  time.Duration // how long the reader took to fill it
	took    time.Duration // how long the worker took
	ready   bool          // MapSeq: computed, waiting for its turn; the reader's
}

func newStream[T, R any](ctx context.Context, limit int, fn func(context.Context, T) (R, error), ordered bool) *stream[T, R] {
	// The group's context derives from one of ours, so that a break can cancel
	// the calls in flight before waiting for them.
	cctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroupx.WithContext(cctx)
	maxInFlight := math.MaxInt // for a limit of math.MaxInt/2 or more
	if limit <= math.MaxInt/2 {
		maxInFlight = 2 * limit
	}
	// The ring starts small and the queue is capped, so that a large limit
	// costs nothing until calls in flight use it.
	s := &stream[T, R]{
		parent: ctx, ctx: gctx, cancel: cancel, g: g, fn: fn, ordered: ordered,
		signal: make(chan struct{}, 1),
		limit:  limit, maxInFlight: maxInFlight,
		work: make(chan *batch[T, R], min(maxInFlight, maxQueued)),
		size: newSizer(maxBatch),
	}
	if ordered {
		s.ring = make([]*batch[T, R], min(maxInFlight, minRing))
	}
	return s
}

// rangeOver is one range over the sequence: it reads in and yields until in
// ends, the consumer breaks out or the group's ctx ends, then stops the
// workers and ends the sequence as its mode says: MapSeq with the error that
// stopped it, SettleSeq with the outcomes left and, if it ended early, the
// outcome of index -1.
func (s *stream[T, R]) rangeOver(in iter.Seq[T]) {
	defer s.abort() // when the body or in panics: no worker outlives the range
	s.run(in)
	if s.broke {
		s.close()
		return
	}
	err := s.close()
	if !s.ordered {
		s.settle(err)
		return
	}
	if err == nil && s.failed {
		err = s.parent.Err()
	}
	if err != nil {
		var zero R
		s.yieldPair(zero, err)
	}
}

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
	if s.ctx.Err() != nil {
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
	if s.stop.Load() || s.ctx.Err() != nil {
		// The worker may have skipped elements of this batch.
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

// serve is a worker: it computes the batches it is sent until the channel
// closes, or until a call fails in a way that ends the range.
func (s *stream[T, R]) serve() error {
	var at place[T, R]
	returned := false
	defer func() {
		if !returned {
			// fn panicked or called runtime.Goexit: stop the other workers
			// now, not once the group has taken the stack. SettleSeq reports
			// a Goexit as its element's outcome, once the range knows it
			// was no panic.
			s.stop.Store(true)
			if at.b != nil && !s.ordered {
				at.b.called = at.i
				s.mu.Lock()
				s.abandoned = append(s.abandoned, at.b)
				s.mu.Unlock()
			}
		}
	}()
	err := s.compute(&at)
	returned = true
	return err
}

// place is the element a worker is calling: items[i] of batch b.
type place[T, R any] struct {
	b *batch[T, R]
	i int
}

// compute is serve's loop.
func (s *stream[T, R]) compute(at *place[T, R]) error {
	for b := range s.work {
		start := time.Now()
		n := len(b.items)
		b.results = slices.Grow(b.results[:0], n)[:n]
		if !s.ordered {
			b.errs = slices.Grow(b.errs[:0], n)[:n]
		}
		at.b = b
		for at.i = 0; at.i < n; at.i++ {
			if s.stop.Load() || s.ctx.Err() != nil {
				break // no new call after a failure; the reader sees it
			}
			i := at.i
			var err error
			if b.results[i], err = s.fn(s.ctx, b.items[i]); err != nil {
				if !s.ordered {
					b.errs[i] = err
					continue
				}
				s.stop.Store(true)
				return failure(s.parent, b.start+i, err)
			}
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
	return nil
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
		select {
		case s.signal <- struct{}{}:
		default:
		}
	}
}

// close stops the workers and waits for them, once, and returns the group's
// error: a failed call's, or ErrGoexit. It re-raises a panic of fn. From then
// on every batch is the reader's.
func (s *stream[T, R]) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	close(s.work)
	return s.g.Wait()
}

// abort ends a range that the loop body or in left by a panic or
// runtime.Goexit: it cancels the calls in flight and waits for them. Their
// reaction to the cancel must not replace the body's panic: a panic of fn
// that came after is dropped, one that came before goes on in its place, as
// the first panic.
func (s *stream[T, R]) abort() {
	if s.closed {
		return
	}
	// The group cancels its ctx with fn's first failure; a ctx that ended
	// with the parent's has the parent's cause, which may be a panic too.
	cause := context.Cause(s.ctx)
	if _, ok := cause.(*errgroupx.PanicError); ok && cause != context.Cause(s.parent) {
		s.close()
		return
	}
	defer func() {
		// Only the panic of Wait in close: recover returns nil for the
		// panic this deferred call does not belong to.
		recover()
	}()
	s.close()
}

// settle ends SettleSeq's range once close has returned err: it yields the
// outcomes of the calls made since the last yield, then, if an element was
// left uncalled, the outcome of index -1 that says why.
func (s *stream[T, R]) settle(err error) {
	for _, b := range s.abandoned {
		// A worker's Goexit in the call of b.items[b.called] (a panic would
		// have been re-raised by close).
		b.errs[b.called] = errgroupx.ErrGoexit
		b.called++
		s.finished = append(s.finished, b)
	}
	for b := range s.work {
		s.skipped = s.skipped || len(b.items) > 0 // never taken by a worker
	}
	s.collect()
	if !s.yieldReady() {
		return
	}
	if s.skipped {
		if err == nil {
			err = context.Cause(s.parent)
		}
		var zero R
		s.yieldOutcome(Outcome[R]{Index: -1, Value: zero, Err: err})
	}
}
