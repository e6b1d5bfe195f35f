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

// An Option configures a [Pool] made by [New].
type Option func(*config)

type config struct {
	queue int
}

// QueueSize sets how many tasks may wait in the queue beyond the running
// ones. The default is the number of workers. With QueueSize(0) there is no
// waiting room: a task is handed straight to an idle worker, and [Submit]
// blocks until one takes it. [New] panics if n is negative.
func QueueSize(n int) Option {
	return func(c *config) { c.queue = n }
}

// A Pool is a fixed set of worker goroutines fed from a bounded queue of
// tasks. The tasks run with the pool's context, given to New: it is the pool's
// lifetime, and the one context the pool keeps.
//
// A Pool is safe for concurrent use by any number of goroutines. It must be
// made by [New], must not be copied, and must be closed with [Pool.Close],
// which is what ends its workers.
type Pool struct {
	ctx  context.Context // the pool's lifetime
	tctx context.Context // ctx plus a mark that makes a task's own ctx known to SubmitContext
	done <-chan struct{} // ctx.Done(), nil for a ctx that never ends
	size int             // the queue's capacity

	stopEnd func() bool   // stops the AfterFunc that runs end when ctx ends
	endDone chan struct{} // closed when that AfterFunc has returned
	workers sync.WaitGroup

	mu      sync.Mutex
	notFull sync.Cond // submitters waiting for room, a close or an end
	drained sync.Cond // Wait and Close waiting for no task queued or running
	queue   ring
	idle    []*worker // parked workers, each waiting for one task on its wake
	closed  bool      // Close has begun
	ended   bool      // ctx has ended and the queue has been emptied
	stats   Stats

	// What the next Wait returns: the errors of Go's tasks, and whether tasks
	// were skipped because ctx ended or Go was called after Close.
	errs       []error
	ctxSkipped bool
	closedGo   bool
}

// poolKey is the context key under which a task's ctx holds its pool.
type poolKey struct{}

// New starts a Pool of workers goroutines, which run at most workers tasks at
// once; workers <= 0 means [runtime.GOMAXPROCS](0). ctx is the pool's
// lifetime: when it ends, running tasks see their ctx canceled, queued tasks
// are skipped and new ones are refused (see the package documentation).
//
// New panics if ctx is nil or if an option is invalid, such as a negative
// [QueueSize].
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
		o(&c)
	}
	if c.queue < 0 {
		panic(fmt.Sprintf("pool: negative queue size %d", c.queue))
	}
	p := &Pool{ctx: ctx, done: ctx.Done(), size: c.queue, endDone: make(chan struct{})}
	p.tctx = context.WithValue(ctx, poolKey{}, p)
	p.notFull.L = &p.mu
	p.drained.L = &p.mu
	p.queue.init(c.queue)
	// Every worker starts idle, registered before its goroutine exists, so
	// that a Submit racing with the start hands its task over at once.
	p.idle = make([]*worker, workers)
	p.workers.Add(workers)
	for i := range p.idle {
		w := &worker{wake: make(chan task, 1)}
		p.idle[i] = w
		go p.work(w, nil)
	}
	p.stopEnd = context.AfterFunc(ctx, p.end)
	return p
}

// Wait blocks until no task is queued or running, and returns the errors of
// the tasks added with [Pool.Go] that finished since the previous Wait (or
// Close), joined with [errors.Join]. If tasks were skipped because the pool's
// context ended, the context's error is joined once; if Go was called after
// Close, [ErrClosed] is joined once. Errors of tasks added with [Submit] go to
// their Futures only.
//
// Wait may be called from several goroutines and at any time, but not from
// a task of the same pool, which would wait for itself.
func (p *Pool) Wait() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busyLocked() {
		p.drained.Wait()
	}
	return p.takeErrLocked()
}

// Close stops the pool from accepting tasks, waits for every queued and
// running task to finish without canceling them, ends the workers, and returns
// what [Pool.Wait] would. A task added after Close began, or still waiting for
// room in the queue when it began, is refused with [ErrClosed].
//
// Only the first call does this; later calls return ErrClosed at once. To stop
// now rather than drain, cancel the pool's context (then Close). Like Wait,
// Close must not be called from a task of the same pool.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	p.notFull.Broadcast() // blocked submitters: refuse with ErrClosed
	for p.busyLocked() {
		p.drained.Wait()
	}
	err := p.takeErrLocked()
	// With nothing queued or running every worker is idle, parked on its
	// wake channel, which is empty: a nil there tells it to return.
	for _, w := range p.idle {
		w.wake <- nil
	}
	p.idle = nil
	p.mu.Unlock()

	p.workers.Wait()
	if !p.stopEnd() {
		// ctx has ended, so end runs or has run on its own goroutine: wait
		// for it, so that no goroutine of the pool outlives Close.
		<-p.endDone
	}
	return err
}

// Stats returns the pool's counters at one moment: a consistent snapshot,
// taken under the pool's lock.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *Pool) busyLocked() bool {
	return p.stats.Queued+p.stats.Running > 0
}

// checkDrainedLocked wakes Wait and Close if no task is queued or running.
func (p *Pool) checkDrainedLocked() {
	if !p.busyLocked() {
		p.drained.Broadcast()
	}
}

// takeErrLocked returns what Wait returns, and forgets it.
func (p *Pool) takeErrLocked() error {
	errs := p.errs
	if p.ctxSkipped {
		errs = append(errs, p.ctx.Err())
	}
	if p.closedGo {
		errs = append(errs, ErrClosed)
	}
	p.errs, p.ctxSkipped, p.closedGo = nil, false, false
	return errors.Join(errs...)
}

// owns reports whether ctx is, or derives from, the ctx of a task of p.
func (p *Pool) owns(ctx context.Context) bool {
	q, _ := ctx.Value(poolKey{}).(*Pool)
	return q == p
}
