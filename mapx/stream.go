package mapx

import (
	"context"
	"iter"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

const (
	// maxBatch bounds the elements of in handed to a worker at once.
	maxBatch = 256
	// minRing is the length MapSeq's ring of batches starts at; it doubles,
	// up to 2·limit, as more batches are in flight at once.
	minRing = 64
	// maxQueued bounds the batches sent and not yet taken by a worker.
	maxQueued = 4096
	// heldPerWorker bounds the elements read and not yet yielded, per unit
	// of limit: two full batches, so that fast calls keep every worker fed
	// while the reader refills, and room for the others to run about 500
	// calls past one at the head that is still running.
	heldPerWorker = 2 * maxBatch
)

// stream is one range over the sequence of MapSeq (ordered) or SettleSeq
// (not ordered). The goroutine that ranges reads in, fills batches of
// consecutive elements, sends them to the workers, which steal the parts of
// each other's batches that wait behind a call, and yields each result once
// its part's word says it is computed: MapSeq in input order, stopping at
// the first failed call; SettleSeq as they come, every call's outcome.
//
// A batch is the reader's until its send on work; from then on its elements
// are the workers', each from the add that takes it to the add after its
// call (see stream_work.go), and the batch is the reader's again once every
// element is computed and yielded, or once close has returned. The workers
// read the fields set by newStream and share the fields under "Shared";
// every other field belongs to the goroutine that ranges.
//
// stream.go holds the range's beginning and end, stream_read.go the ranging
// goroutine's work, stream_work.go the workers'.
type stream[T, R any] struct {
	parent  context.Context
	ctx     context.Context // the group's: fn's, ends at the first failure
	cancel  context.CancelFunc
	g       *errgroupx.Group
	fn      func(context.Context, T) (R, error)
	ordered bool

	// Shared with the workers.
	waiting atomic.Bool                // the reader is blocked in wait
	idle    atomic.Int32               // workers waiting for a batch or a part to steal
	halt                               // stop and exitedFirst
	crew    atomic.Pointer[hand[T, R]] // the last worker started: the thieves' list
	// spare counts the parts of two elements or more with an element not
	// yet taken, from before they are sent or cut off until their last
	// element is taken: while it is 0, no part has an element to steal,
	// and thieves need not look through every worker's batch.
	spare     atomic.Int64
	stealable chan struct{} // holds a token after a part to steal appeared while a worker was idle

	mu        sync.Mutex
	abandoned []place[T, R] // guarded by mu: SettleSeq's, a worker left by Goexit or panic inside fn
	signal    chan struct{} // holds a token after an element is computed while the reader waited

	// The ranging goroutine's alone.
	limit       int
	workers     int               // started so far, at most limit
	work        chan *batch[T, R] // batches in input order, to the workers
	free        []*batch[T, R]    // batches to fill again
	fill        *batch[T, R]      // the batch being filled, or nil
	inFlight    int               // batches sent and not yet yielded
	maxInFlight int               // 2·limit: read ahead further only for idle workers
	held        int               // elements sent and not yet yielded
	maxHeld     int               // heldPerWorker·limit
	open        []*batch[T, R]    // SettleSeq: the batches in flight, in the order sent
	words       []uint64          // SettleSeq: the parts' words that yieldReady read, reused
	slot        *nest.Slot        // the pool worker's slot that ctx carries, lent while the reader waits
	ring        []*batch[T, R]    // MapSeq: batch i sent is ring[i%len(ring)], head <= i < tail
	head, tail  int
	sent        int // elements sent to the workers so far
	size        sizer
	began       time.Time // when the batch being filled began
	failed      bool      // a failed call or the end of ctx stopped the range early
	skipped     bool      // SettleSeq: an element read, or maybe still in in, was not called
	broke       bool      // the consumer broke out
	closed      bool

	yieldPair    func(R, error) bool   // MapSeq's
	yieldOutcome func(Outcome[R]) bool // SettleSeq's
}

// A batch is a run of consecutive elements handed to one worker, which
// others may steal parts of. Batches are reused, so that a long input costs
// no more memory than a short one.
type batch[T, R any] struct {
	start   int // the index in in of items[0]
	items   []T
	results []R
	errs    []error // SettleSeq: fn's error for each element called
	// parts[:nparts] are the words of the parts the elements are split in:
	// one to begin with, one more each steal (see stream_work.go). Never
	// reallocated: a thief may look at a batch the reader reuses. Its
	// length bounds the batch's.
	parts  []atomic.Uint64
	nparts atomic.Int32
	filled time.Duration // how long the reader took to fill it
	took   atomic.Int64  // how long the worker that took it took for its part, 0 until known
	// The reader's: the elements yielded so far, a prefix for MapSeq; for
	// SettleSeq, in all and of each part.
	yielded int
	seen    []int32
}

func newStream[T, R any](ctx context.Context, limit int, fn func(context.Context, T) (R, error), ordered bool) *stream[T, R] {
	// The group's context derives from one of ours, so that a break can cancel
	// the calls in flight before waiting for them.
	cctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroupx.WithContext(cctx)
	maxInFlight, maxHeld := math.MaxInt, math.MaxInt // for a limit too large to multiply
	if limit <= math.MaxInt/heldPerWorker {
		maxInFlight, maxHeld = 2*limit, heldPerWorker*limit
	}
	// The ring starts small and the queue is capped, so that a large limit
	// costs nothing until calls in flight use it.
	s := &stream[T, R]{
		parent: ctx, ctx: gctx, cancel: cancel, g: g, fn: fn, ordered: ordered,
		signal: make(chan struct{}, 1), stealable: make(chan struct{}, 1),
		limit: limit, maxInFlight: maxInFlight, maxHeld: maxHeld,
		slot: nest.FromContext(ctx),
		work: make(chan *batch[T, R], min(maxInFlight, maxQueued)),
		size: newSizer(maxBatch),
	}
	if ordered {
		s.ring = make([]*batch[T, R], min(maxHeld, minRing))
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
		s.settle()
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

// close stops the workers and waits for them, once, and returns the group's
// error: a failed call's, or ErrGoexit. It re-raises a panic of fn. From then
// on every batch is the reader's.
func (s *stream[T, R]) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	// The workers look at stop, not at the group's ctx, before each call.
	s.stop.Store(true)
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

// settle ends SettleSeq's range once close has returned: it yields the
// outcomes of the calls made since the last yield, then, if the caller's ctx
// ended or a Goexit stopped the range, the outcome of index -1 that says so.
func (s *stream[T, R]) settle() {
	if !s.yieldReady() {
		return
	}
	for _, at := range s.abandoned {
		// A worker's Goexit in the call of at.b.items[at.i] (a panic would
		// have been re-raised by close).
		b := at.b
		b.yielded++
		if !s.yieldOutcome(Outcome[R]{Index: b.start + at.i, Err: errgroupx.ErrGoexit}) {
			return
		}
	}
	for _, b := range s.open {
		s.skipped = s.skipped || b.yielded < len(b.items) // an element left uncalled
	}
	if s.skipped || s.exitedFirst.Load() || s.parent.Err() != nil {
		// The caller's ctx ended, or a call of Goexit stopped the range,
		// before the last outcome was yielded: whether or not an element
		// was left uncalled, the sequence says so, last.
		s.yieldOutcome(Outcome[R]{Index: -1, Err: uncalledErr(s.cause(s.parent))})
	}
}
