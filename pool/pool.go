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
	drained sync.Cond // Wait and Close waiting for no task queued or running
	queue   ring[task]
	waiting ring[*waiter] // submitters blocked on the full queue, oldest first
	gaveUp  int           // waiters in waiting whose submitter gave up
	idle    []*worker     // parked workers, each waiting for one task on its wake

	// spare recycles waiters, so that blocking costs no allocation. It is
	// the pool's own, not the package's: a channel made in a synctest bubble
	// must not be used outside it, and the pool's users are in its bubble.
	spare  sync.Pool
	closed bool // Close has begun
	shut   bool // Close has drained the pool and is ending the workers
	ended  bool // ctx has ended and the queue has been moved to skipped
	// skipped holds the tasks that were queued when ctx ended, counted as
	// skipped already, until settleSkipped fails them outside mu.
	skipped ring[task]
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
		panic(fmt.Sprintf("pool: New called with QueueSize(%d)", c.queue))
	}
	p := &Pool{ctx: ctx, done: ctx.Done(), size: c.queue, endDone: make(chan struct{})}
	p.tctx = context.WithValue(ctx, poolKey{}, p)
	p.drained.L = &p.mu
	p.spare.New = newWaiter
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

// Stats returns the pool's counters at one moment: a consistent snapshot,
// taken under the pool's lock.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// owns reports whether ctx is, or derives from, the ctx of a task of p.
func (p *Pool) owns(ctx context.Context) bool {
	q, _ := ctx.Value(poolKey{}).(*Pool)
	return q == p
}
