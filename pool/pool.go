package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// ErrClosed is the error of a task added after [Pool.Close] began: its Future
// fails with ErrClosed, and for [Pool.Go] the next [Pool.Wait] returns an
// error that wraps ErrClosed. A second call of Close returns ErrClosed too.
var ErrClosed = errors.New("pool: closed")

// skipError returns the error of a task that did not run because ctx,
// whose it is, ended.
func skipError(whose string, ctx context.Context) error {
	e := &endedError{whose: whose, err: ctx.Err()}
	// errors.Is, not ==: a Context of the caller's own may return errors of
	// a type that == panics on, which errors.Is does not compare, and whose
	// text tells whether they say the same.
	if cause := context.Cause(ctx); cause != nil && !errors.Is(e.err, cause) && cause.Error() != e.err.Error() {
		e.cause = cause
	}
	return e
}

// endedError is the error of a task that did not run because a ctx ended:
// its text says whose ctx, and errors.Is and errors.As find the ctx's error
// and its cause. It is made without fmt, whose Errorf took tens of
// microseconds right after a collection, under the pool's lock, on the path
// that makes a cancel take effect (BenchmarkCancelWait).
type endedError struct {
	whose string // "the pool's" or "the caller's"
	err   error  // the ctx's Err
	cause error  // its Cause, when that says something else; or nil
}

func (e *endedError) Error() string {
	s := "pool: " + e.whose + " context ended: " + e.err.Error()
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the ctx's error; Is and As look into its cause.
func (e *endedError) Unwrap() error { return e.err }

func (e *endedError) Is(target error) bool { return e.cause != nil && errors.Is(e.cause, target) }

func (e *endedError) As(target any) bool { return e.cause != nil && errors.As(e.cause, target) }

// An Option configures a [Pool] made by [New]. [QueueSize] makes one.
type Option interface {
	apply(c *config)
}

type config struct {
	queue int
}

type queueSize int

func (n queueSize) apply(c *config) { c.queue = int(n) }

// QueueSize sets how many tasks may wait in the queue beyond the running
// ones. The default is the number of workers. With QueueSize(0) there is no
// waiting room: a task is handed straight to an idle worker, and [Submit]
// blocks until one takes it. [New] panics if n is negative.
func QueueSize(n int) Option {
	return queueSize(n)
}

// A Pool is a fixed set of worker goroutines fed from a bounded queue of
// tasks. The tasks run with the pool's context, given to New: it is the pool's
// lifetime, and the one context the pool keeps.
//
// A Pool is safe for concurrent use by any number of goroutines. It must be
// made by [New], must not be copied, and must be closed with [Pool.Close],
// which is what ends its workers. A Pool made inside a [testing/synctest]
// bubble must be used only from that bubble, and one made outside it only
// from outside: the runtime ends the program with a fatal error otherwise.
type Pool struct {
	// A Pool is in one of three phases, which only Close moves forward:
	//
	//	open      from New: tasks are accepted.
	//	draining  from the first Close: nothing is accepted but the children
	//	          a task adds with its own ctx (nest.go); the blocked
	//	          submitters have been refused. Close waits for the drain.
	//	shut      from the moment the drain is over: nothing is accepted;
	//	          the workers have been told to return.
	//
	// Besides, ended becomes true, once, when the pool's ctx ends (in any
	// phase): endLocked sets the queue aside as skipped and skips every
	// blocked submitter's task; from then on every task offered is skipped.
	// endLocked is called by the AfterFunc that New registers on ctx, or
	// first by whoever sees ctx done while holding mu (observeEndLocked).
	//
	// A task is, in turn: waiting (its submitter is blocked on the full
	// queue, in waiters; not yet counted as submitted), queued, running, and
	// settled: its Future completed, or for Go its error kept for Wait.
	// Each accepted task is settled exactly once, by whoever takes it out of
	// its state under mu:
	//
	//	waiting  a worker, drop or claim that admits it (it is then queued
	//	         or running; or failed, uncounted, if its SubmitContext ctx
	//	         has ended), endLocked (skipped), Close (refused,
	//	         uncounted), or its SubmitContext submitter giving up
	//	         (uncounted);
	//	queued   the worker that pops it (runs it; or skips it if its
	//	         SubmitContext ctx has ended), drop when that ctx (or its
	//	         Group's) ends, a claim by WaitContext or Group.Wait (runs
	//	         it inline, nest.go), or endLocked (skipped; settleSkipped
	//	         completes the Futures just after, outside mu);
	//	running  whoever runs it, when it returns, panics or calls Goexit.
	//
	// Invariants, under mu: stats.Submitted = Queued + Running + Completed
	// + Skipped; Blocked counts the waiters. Queued counts the live tasks in
	// queue, at most size but for the children of tasks (nest.go): the ring
	// also holds dead ones (dropped or claimed), passed over when popped.
	// waiters is empty unless the queue is full and no worker idle; idle is
	// empty unless the queue is empty. Once ended, both queue and waiters
	// stay empty.

	// Set by New, never changed.
	ctx     context.Context // the pool's lifetime
	done    <-chan struct{} // ctx.Done(), nil for a ctx that never ends
	size    int             // the queue's capacity
	labels  context.Context // holds ctx's pprof labels alone: what a worker carries between tasks
	stopEnd func() bool     // stops the AfterFunc that calls end when ctx ends
	endDone chan struct{}   // closed when that AfterFunc has returned

	workers sync.WaitGroup // the worker goroutines, replacements included
	// spare recycles waiters: blocking on the full queue costs no allocation
	// (see waiter). It is the pool's own, not the package's: a channel made
	// in a synctest bubble must not be used outside it.
	spare sync.Pool

	mu      sync.Mutex
	drained sync.Cond // on mu: Wait and Close, waiting for no task queued or running

	// Guarded by mu.
	phase   phase
	ended   bool
	endErr  error      // what the tasks skipped by the end fail with, once ended
	queue   ring[task] // the queued tasks, oldest first, and dead ones
	waiters waiterList // the blocked submitters, oldest first
	idle    []*worker  // parked workers, each waiting for one task on its wake
	skipped ring[task] // what endLocked set aside, until settleSkipped completes it
	stats   Stats

	// Guarded by mu: what the next Wait returns. The errors of Go's tasks,
	// and whether tasks were skipped because ctx ended, or Go refused
	// because the pool was closed.
	errs       []error
	ctxSkipped bool
	closedGo   bool
}

// phase is where a Pool is in its life: see Pool.
type phase uint8

const (
	open phase = iota
	draining
	shut
)

// New starts a Pool of workers goroutines, which run at most workers tasks at
// once; workers <= 0 means [runtime.GOMAXPROCS](0). ctx is the pool's
// lifetime: when it ends, running tasks see their ctx canceled, and queued
// and new tasks are skipped (see the package documentation).
// The workers carry ctx's pprof labels, not those of New's caller.
//
// New panics if ctx or an option is nil, or if an option is invalid, such
// as a negative [QueueSize]. Call New inside a [testing/synctest] bubble for
// a Pool used in it (see [Pool]).
func New(ctx context.Context, workers int, opts ...Option) *Pool {
	if ctx == nil {
		panic("pool: New called with nil Context")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := config{queue: workers}
	for _, o := range opts {
		if o == nil {
			panic("pool: New called with nil Option")
		}
		o.apply(&c)
	}
	if c.queue < 0 {
		panic(fmt.Sprintf("pool: New called with QueueSize(%d)", c.queue))
	}
	p := &Pool{
		ctx:     ctx,
		done:    ctx.Done(),
		size:    c.queue,
		labels:  labelsOf(ctx),
		endDone: make(chan struct{}),
	}
	p.drained.L = &p.mu
	p.spare.New = newWaiter
	p.queue.init(c.queue)
	// Every worker starts idle, registered before its goroutine exists, so
	// that a Submit racing with the start hands its task over at once.
	p.idle = make([]*worker, workers)
	p.workers.Add(workers)
	for i := range p.idle {
		w := p.newWorker()
		p.idle[i] = w
		go p.work(w, nil)
	}
	p.stopEnd = context.AfterFunc(ctx, p.end)
	return p
}

// Stats holds a pool's counters, as returned by [Pool.Stats].
//
// At every moment Submitted = Queued + Running + Completed + Skipped, and
// Failed <= Completed. The counters are current when [Pool.Wait] or
// [Pool.Close] returns: every task that finished before is counted.
type Stats struct {
	// Submitted counts the accepted tasks: each call of Submit, SubmitContext
	// and Go, and each call of TrySubmit that returned true, except those
	// refused with ErrClosed and those SubmitContext gave up on before
	// queueing them. A task offered after the pool's context ended is
	// accepted and skipped.
	Submitted int64
	// Queued counts the tasks waiting in the queue. It exceeds the queue
	// size only by what tasks of the pool add when it is full: a Submit
	// blocked on a full queue is not counted yet.
	Queued int64
	// Running counts the tasks started and not yet returned. Of those, at
	// most as many as there are workers are not blocked in a wait for
	// tasks of the pool (see "Nested work" in the package doc).
	Running int64
	// Completed counts the tasks that ran to their end: returned, panicked or
	// called runtime.Goexit.
	Completed int64
	// Failed counts the completed tasks that returned an error, panicked or
	// called runtime.Goexit.
	Failed int64
	// Skipped counts the accepted tasks that never ran because the pool's
	// context ended, or because SubmitContext's ctx ended while they waited
	// in the queue.
	Skipped int64
	// Blocked counts the callers blocked now on the full queue, whose tasks
	// are not accepted yet: it is not part of Submitted.
	Blocked int64
}

// Stats returns the pool's counters at one moment: a consistent snapshot.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}
