package mapx

import (
	"context"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
)

const (
	// maxBatch bounds the elements of in that MapSeq hands to a worker at once.
	maxBatch = 256
	// minRing is the length the ring of batches starts at; it doubles, up to
	// 2·limit, as more batches are in flight at once.
	minRing = 64
	// maxQueued bounds the batches sent and not yet taken by a worker.
	maxQueued = 4096
)

// MapSeq returns a sequence of fn's results for the elements of in, in input
// order, computed at most limit calls at once. limit <= 0 means
// [runtime.GOMAXPROCS](0).
//
// The goroutine that ranges over the sequence also reads in, lazily: elements
// are read only as fast as results are consumed, and at most 2·limit batches
// of at most 256 elements each, with their results, are held at any time,
// whatever in's length (an endless in works). Batches start at one element and
// grow only while fn and in are fast, so slow calls are handed out one at a
// time. The batches and the workers are allocated as the calls in flight need
// them: a limit far above that, such as math.MaxInt, costs no more up front
// than a queue of 4096 slots (but lets the reading run as far ahead of a slow
// call as in allows). Because
// one goroutine both reads and yields, a result is yielded when that goroutine
// gets control back from in: while in blocks waiting for its next element,
// finished results wait with it. In exchange, no goroutine is ever left inside
// in, and breaking out never waits for in. For the same reason, the loop body
// must not wait for a call of fn to start: that call's element may not be
// read until the body returns.
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call starts. On failure the
// sequence ends with (zero, err), err being the first error in time that fn
// returned, or ctx's error if ctx ended first; the results before it are a
// prefix, in input order, of the successful results. A ctx done on entry
// yields (zero, ctx's error) alone. Breaking out of the loop cancels the calls
// in flight and waits for them before the loop statement ends. A panic in fn
// is re-raised in the goroutine that ranges over the sequence as a
// [*errgroupx.PanicError]; a call of [runtime.Goexit] in fn ends the sequence
// with [errgroupx.ErrGoexit].
//
// The sequence may be ranged over more than once if in may: each range reads
// in anew. A nil in is an empty sequence. MapSeq panics if fn is nil.
func MapSeq[T, R any](ctx context.Context, in iter.Seq[T], limit int,
	fn func(ctx context.Context, v T) (R, error)) iter.Seq2[R, error] {
	if fn == nil {
		panic("mapx: MapSeq called with nil fn")
	}
	return func(yield func(R, error) bool) {
		if err := ctx.Err(); err != nil {
			var zero R
			yield(zero, err)
			return
		}
		if in == nil {
			return
		}
		s := newStream(ctx, effectiveLimit(limit), fn)
		defer s.close() // also when yield panics: no worker outlives the range
		if s.run(in, yield) {
			return
		}
		if err := s.close(); err != nil {
			var zero R
			yield(zero, err)
		}
	}
}

// A batch is a run of consecutive elements handed to one worker. Batches are
// reused from one use of their slot of the ring to the next, so that a long
// input costs no more memory than a short one.
type batch[T, R any] struct {
	items   []T
	results []R
	filled  time.Duration // how long the reader took to fill it
	took    time.Duration // how long the worker took; written before done
	done    chan struct{} // receives once per use, when the worker is through
}

// stream is one range over MapSeq's sequence. The workers read the fields
// set by newStream, share the two atomics, and touch a batch only between
// receiving it on work and sending on its done; every other field belongs to
// the goroutine that ranges.
type stream[T, R any] struct {
	parent context.Context
	ctx    context.Context // the group's: ends at the first failure
	cancel context.CancelFunc
	g      *errgroupx.Group
	fn     func(context.Context, T) (R, error)

	// Shared with the workers.
	waiting atomic.Bool // the reader is blocked in pop
	// callFailed is set by a worker the moment fn returns an error, before
	// the group cancels ctx, so that the other workers start no call after it.
	callFailed atomic.Bool

	// The ranging goroutine's alone.
	limit   int
	workers int               // started so far, at most limit
	work    chan *batch[T, R] // batches in input order, to the workers
	ring    []*batch[T, R]    // grows up to maxRing
	maxRing int               // 2·limit
	head    int               // the oldest batch sent and not yet yielded
	tail    int               // the batch being filled; head <= tail < head+len(ring)
	size    int               // the length at which the batch being filled is sent
	began   time.Time
	failed  bool // the group's ctx ended: the sequence must end with an error
	closed  bool
}

func newStream[T, R any](ctx context.Context, limit int, fn func(context.Context, T) (R, error)) *stream[T, R] {
	// The group's context derives from one of ours, so that a break can cancel
	// the calls in flight before waiting for them.
	cctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroupx.WithContext(cctx)
	maxRing := math.MaxInt // for a limit of math.MaxInt/2 or more
	if limit <= math.MaxInt/2 {
		maxRing = 2 * limit
	}
	// The ring starts small and the queue is capped, so that a large limit
	// costs nothing until calls in flight use it.
	return &stream[T, R]{
		parent: ctx, ctx: gctx, cancel: cancel, g: g, fn: fn,
		limit: limit, maxRing: maxRing,
		work: make(chan *batch[T, R], min(maxRing, maxQueued)),
		ring: make([]*batch[T, R], min(maxRing, minRing)),
		size: 1,
	}
}

// run reads in and yields the results, and reports whether the range is over
// for good: in ended and every result was yielded, or the consumer broke out.
// It returns false when the group failed.
func (s *stream[T, R]) run(in iter.Seq[T], yield func(R, error) bool) bool {
	over := false // the consumer broke out or the group failed
	s.began = time.Now()
	for v := range in {
		b := s.filling()
		b.items = append(b.items, v)
		if len(b.items) < s.size {
			continue
		}
		if !s.send(yield) {
			over = true
			break
		}
	}
	if !over && len(s.filling().items) > 0 {
		over = !s.send(yield)
	}
	for !over && s.head < s.tail {
		over = !s.pop(yield)
	}
	return !s.failed
}

// filling returns the batch being filled, taking its slot of the ring.
func (s *stream[T, R]) filling() *batch[T, R] {
	i := s.tail % len(s.ring)
	b := s.ring[i]
	if b == nil {
		b = &batch[T, R]{done: make(chan struct{}, 1)}
		s.ring[i] = b
	}
	return b
}

// send hands the filled batch to a worker, then yields what is ready. It
// reports false when the range must stop.
func (s *stream[T, R]) send(yield func(R, error) bool) bool {
	b := s.filling()
	b.filled = time.Since(s.began)
	// The next batch's fill time starts when send returns, so that the time
	// the consumer spends on results does not count as the input's.
	defer func() { s.began = time.Now() }()
	if !s.enqueue(b) {
		return false
	}
	s.tail++
	// The next batch's slot must be free before the reader fills it.
	for s.tail-s.head == len(s.ring) {
		if len(s.ring) < s.maxRing {
			s.grow()
			break
		}
		if !s.pop(yield) {
			return false
		}
	}
	// Yield finished batches at once, so that a slow input does not hold
	// back results that are ready.
	for s.head < s.tail {
		if ok, popped := s.tryPop(yield); !ok || !popped {
			return ok
		}
	}
	return true
}

// enqueue sends b to the workers, and starts a worker when none was waiting
// to take it. It reports false if the group failed while the queue was full.
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

// grow doubles the ring, up to maxRing, keeping each batch in flight at the
// place its index gives it in the longer ring.
func (s *stream[T, R]) grow() {
	ring := make([]*batch[T, R], min(2*len(s.ring), s.maxRing))
	for i := s.head; i < s.tail; i++ {
		ring[i%len(ring)] = s.ring[i%len(s.ring)]
	}
	s.ring = ring
}

// tryPop yields the oldest batch if it is done; it reports whether the range
// may go on and whether a batch was yielded.
func (s *stream[T, R]) tryPop(yield func(R, error) bool) (ok, popped bool) {
	select {
	case <-s.ring[s.head%len(s.ring)].done:
		return s.emit(yield), true
	default:
		return !s.failed, false
	}
}

// pop waits for the oldest batch and yields its results. It reports false
// when the range must stop.
func (s *stream[T, R]) pop(yield func(R, error) bool) bool {
	if ok, popped := s.tryPop(yield); !ok || popped {
		return ok
	}
	s.waiting.Store(true)
	defer s.waiting.Store(false)
	select {
	case <-s.ring[s.head%len(s.ring)].done:
		return s.emit(yield)
	case <-s.ctx.Done():
		// A worker failed, or ctx ended: the batch may never be done.
		s.failed = true
		return false
	}
}

// emit yields the results of the oldest batch, whose worker is through with
// it, and frees its slot. It reports false when the range must stop.
func (s *stream[T, R]) emit(yield func(R, error) bool) bool {
	b := s.ring[s.head%len(s.ring)]
	if s.callFailed.Load() || s.ctx.Err() != nil {
		// The worker may have skipped elements of this batch.
		s.failed = true
		return false
	}
	s.adapt(b)
	for i := range b.items {
		if !yield(b.results[i], nil) {
			return false
		}
	}
	// Drop the references, so that yielded elements can be collected.
	clear(b.items)
	clear(b.results)
	b.items = b.items[:0]
	s.head++
	return true
}

// adapt sets the size of the next batches from how long b took to fill and
// to compute: larger while both are fast, smaller while either is slow.
func (s *stream[T, R]) adapt(b *batch[T, R]) {
	switch {
	case b.took < targetChunk/2 && b.filled < targetChunk/2 && len(b.items) == s.size && s.size < maxBatch:
		s.size *= 2
	case (b.took > 2*targetChunk || b.filled > 2*targetChunk) && s.size > 1:
		s.size /= 2
	}
}

// serve is a worker: it computes the batches it is sent until the channel
// closes, or until a call fails.
func (s *stream[T, R]) serve() error {
	return finish(s.parent, &s.callFailed, s.compute)
}

// compute is serve's loop.
func (s *stream[T, R]) compute() error {
	for b := range s.work {
		start := time.Now()
		b.results = slices.Grow(b.results[:0], len(b.items))[:len(b.items)]
		for i, v := range b.items {
			if s.callFailed.Load() || s.ctx.Err() != nil {
				break // no new call after a failure; emit sees it
			}
			r, err := s.fn(s.ctx, v)
			if err != nil {
				s.callFailed.Store(true)
				return err
			}
			b.results[i] = r
		}
		took := time.Since(start)
		b.took = took
		b.done <- struct{}{} // b is the reader's again from here on
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

// close stops the workers and waits for them, once, and returns the error that
// ends the sequence: the group's first error, or ctx's. It re-raises a panic of
// fn.
func (s *stream[T, R]) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	close(s.work)
	if err := s.g.Wait(); err != nil {
		return err
	}
	if s.failed {
		return s.parent.Err()
	}
	return nil
}
