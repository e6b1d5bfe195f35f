package pool

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"time"
)

// ErrClosed is the error of a task added after [Pool.Close] began: its Future
// fails with ErrClosed, and for [Pool.Go] Close's or the next [Pool.Wait]'s
// error wraps it. A second call of Close returns ErrClosed too.
var ErrClosed = errors.New("pool: closed")

// ErrPoolEnded is wrapped by the error of every task that never ran because
// the pool's context ended: [errors.Is] tells it from a task whose caller's
// context ended, whose error does not wrap it.
var ErrPoolEnded = errors.New("pool: the pool's context ended")

// An Option configures a [Pool] made by [New].
type Option func(c *config)

type config struct {
	queue   int
	idleFor time.Duration
}

// QueueSize sets how many tasks may wait in the queue beyond the running
// ones; the default is the number of workers. With QueueSize(0) a task is
// handed straight to a worker, and [Submit] blocks until one takes it. [New]
// panics if n is negative.
func QueueSize(n int) Option { return func(c *config) { c.queue = n } }

// IdleTimeout sets how long a worker with nothing to do waits for a task
// before it leaves: from d to 2d; the default d is one second.
// IdleTimeout(0) lets a worker leave as soon as the queue is empty. [New]
// panics if d is negative.
func IdleTimeout(d time.Duration) Option { return func(c *config) { c.idleFor = d } }

// defaultIdle is IdleTimeout's default (BenchmarkIdleTimeout): a timeout
// shorter than the pauses between bursts restarts every worker at every burst
// (with 0, 109 starts for 1,000 tiny tasks on 8 workers, 4 times the time a
// task); a second outlasts a server's pauses and still frees an idle pool's
// goroutines within two.
const defaultIdle = time.Second

// A Pool runs tasks on at most a bound of worker goroutines, fed from a
// bounded queue. Its context, given to [New], is its lifetime and the one
// context it keeps.
//
// A Pool is safe for concurrent use. It must be made by [New], must not be
// copied, and must be closed with [Pool.Close]. A Pool made in a
// [testing/synctest] bubble must be used only there, and one made outside
// only outside.
type Pool struct {
	// Files: queue.go the queue and blocked submitters; worker.go a
	// worker's life; nest.go nested work; lifecycle.go the end of ctx, Wait
	// and Close; submit.go the adders; ctx.go a task's ctx; future.go a
	// Future and the Waits asleep on it. Each changes, under mu, only the
	// state it is named after.
	//
	// Phases, moved forward by Close alone:
	//
	//	open      tasks are accepted.
	//	draining  Close waits for queued and running tasks; only children
	//	          of tasks are accepted.
	//	shut      nothing is accepted; the workers are told to leave.
	//
	// ended turns true once, when ctx ends, in endLocked (called under mu
	// by whoever sees ctx done, or by end's AfterFunc): the queue is set
	// aside as skipped, the blocked submitters' tasks are skipped, and a
	// task offered later is skipped, or, once Close has begun, refused with
	// ErrClosed, uncounted.
	//
	// A task is blocked (its submitter in waiters, not yet submitted),
	// queued, running or settled, each exactly once, moved on under mu by
	// whoever takes it out of its state.
	//
	// Invariants under mu:
	//   - stats.Submitted = Queued + Running + Completed + Skipped.
	//   - stats.Queued counts the live tasks in queue, those waiting for
	//     their key too: at most size, but for children of tasks. The queue
	//     also holds dead ones (skipped or claimed).
	//   - a worker is coming for every task ready in the queue: no worker
	//     is idle and stats.Workers >= bound, or the waker, handed a task it
	//     has not yet started, passes the queue on when it does (relay); a
	//     task waiting for its key has the one running its key's task
	//     (doneLocked moves the key on, then dispatchLocked).
	//   - a keyed task running or being skipped has its key out in queue;
	//     only the queue's Pop starts one (a waiter never claims it).
	//   - active <= stats.Workers: a worker runs at most one task function
	//     that is not lending it; a task starts only while active < bound
	//     (after a Resize, active may exceed bound until enough return).
	//   - idle workers are parked on wake, and the reaper is armed.
	//   - waiters is empty unless the queue is full and no worker is free
	//     for its tasks: none idle, or their keys out; it holds a task's
	//     submitter only until that has looked (await), and no one while
	//     Close drains.
	//   - a goroutine in byID runs tasks for its worker; only its top
	//     level's runs one (nest.go).

	// Set by New, never changed.
	ctx     context.Context // the pool's lifetime
	done    <-chan struct{} // ctx.Done(), nil for a ctx that never ends
	labels  context.Context // ctx's pprof labels alone: what the pool's goroutines carry between tasks
	idleFor time.Duration
	stopEnd func() bool   // stops the AfterFunc that calls end when ctx ends
	endDone chan struct{} // closed when that AfterFunc has returned

	goroutines sync.WaitGroup // every goroutine the pool started
	spare      sync.Pool      // recycled waiters, for await and sleep: per pool, as a synctest bubble's channels stay in it

	mu      sync.Mutex
	drained sync.Cond // on mu: Wait and Close, waiting for no task queued or running

	// Guarded by mu.
	bound   int       // most task functions running at once: Resize
	size    int       // the queue's room
	active  int       // task functions running that do not lend their worker
	starved []*worker // workers that could run a wanted task but for the bound (nest.go)
	phase   phase
	ended   bool
	endErr  error              // what the tasks skipped by the end fail with, once ended
	queue   taskQueue          // the queued tasks, and dead ones (queue.go)
	waiters waiterList         // the blocked submitters, oldest first
	idle    []*worker          // parked workers, the last parked last
	waker   *worker            // the worker last handed a task, maybe not yet started (sendingLocked)
	reaper  *time.Timer        // armed while workers idle: reap
	ticks   int                // how many times reap has run
	byID    map[uint64]*worker // the pool's goroutines, by id, and the worker each runs tasks for
	skipped iter.Seq[task]     // what endLocked set aside, until settleSkipped completes it
	stats   Stats

	// The Waits asleep on a task, chained by next (sleep), and the most
	// tasks in asleep since it was made.
	asleep map[*taskState]*waiter
	slept  int

	// What the next Wait returns: Go's errors, and whether tasks were
	// skipped by the end, or Go refused by Close.
	errs       []error
	ctxSkipped bool
	closedGo   bool
	handedBack int // tasks Close handed back to submitters still checking (await): Close waits for them
}

// phase is where a Pool is in its life: see Pool.
type phase uint8

const (
	open phase = iota
	draining
	shut
)

// New returns a Pool that runs at most workers tasks at once; workers <= 0
// means [runtime.GOMAXPROCS](0). It starts no goroutine: workers start as
// tasks need them and leave once idle (see [IdleTimeout]). ctx is the
// pool's lifetime: when it ends, running tasks see their ctx canceled, and
// queued and new tasks are skipped.
//
// New panics if ctx or an option is nil, or if an option is invalid.
func New(ctx context.Context, workers int, opts ...Option) *Pool {
	if ctx == nil {
		panic("pool: New called with nil Context")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := config{queue: workers, idleFor: defaultIdle}
	for _, o := range opts {
		if o == nil {
			panic("pool: New called with nil Option")
		}
		o(&c)
	}
	if c.queue < 0 {
		panic(fmt.Sprintf("pool: New called with QueueSize(%d)", c.queue))
	}
	if c.idleFor < 0 {
		panic(fmt.Sprintf("pool: New called with IdleTimeout(%v)", c.idleFor))
	}
	p := &Pool{
		ctx:     ctx,
		done:    ctx.Done(),
		labels:  labelsOf(ctx),
		idleFor: c.idleFor,
		endDone: make(chan struct{}),
		bound:   workers,
		size:    c.queue,
		byID:    make(map[uint64]*worker),
	}
	p.drained.L = &p.mu
	p.spare.New = newWaiter
	p.stopEnd = context.AfterFunc(ctx, p.end)
	return p
}

// Resize sets the most tasks the pool runs at once to n (n <= 0 means
// [runtime.GOMAXPROCS](0)). Growing starts workers for the queued tasks at
// once. Shrinking lets the running tasks finish, those already handed to a
// worker included: once Resize returns, no other task starts while n or more
// run. Resize may be called from any goroutine, a task's too, at any time;
// after Close it changes nothing that runs.
func (p *Pool) Resize(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p.mu.Lock()
	p.bound = n
	var leaving []*worker
	for p.stats.Workers > int64(p.bound) && len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.retireLocked(w)
		leaving = append(leaving, w)
	}
	// Now an idle worker is within the bound. Queued tasks may wait behind
	// a waker not yet started: they go to the idle workers first.
	var starts []*worker
	var admitted *waiter
	for len(p.idle) > 0 || p.stats.Workers < int64(p.bound) {
		t := p.dequeueLocked()
		if t == nil {
			if t = p.waitingLocked(); t == nil {
				break
			}
		}
		if len(p.idle) > 0 {
			p.popIdleLocked().wake <- t // it has room
		} else {
			starts = append(starts, p.startLocked(t))
		}
		// t's room goes to the blocked submitters now, for the loop to serve.
		admitted = p.admitLocked(admitted)
	}
	p.serveStarvedLocked()
	p.mu.Unlock()
	admitted.release()
	for _, w := range starts {
		p.launch(w)
	}
	for _, w := range leaving {
		w.wake <- nil
	}
}

// Stats holds a pool's counters, as returned by [Pool.Stats]. At every
// moment Submitted = Queued + Running + Completed + Skipped and Failed <=
// Completed; they are current when [Pool.Wait] or [Pool.Close] returns.
type Stats struct {
	Submitted int64 // tasks accepted: not refused by Close, nor given up by their caller before
	Queued    int64 // tasks waiting in the queue
	Running   int64 // tasks started and not returned, those waiting for their children too
	Completed int64 // tasks that returned, panicked or called runtime.Goexit
	Failed    int64 // completed tasks that returned an error, panicked or called runtime.Goexit
	Skipped   int64 // accepted tasks that never ran because a context ended
	Blocked   int64 // callers blocked now on the full queue, their tasks not yet accepted
	Workers   int64 // worker goroutines alive
}

// Stats returns the pool's counters at one moment.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// skipError returns the error of a task that did not run because ctx,
// whose it is ("the pool's" or "the caller's"), ended.
func skipError(whose string, ctx context.Context) error {
	e := &endedError{whose: whose, err: ctx.Err()}
	// errors.Is, not ==: a caller's Context may return errors that == panics on.
	if cause := context.Cause(ctx); cause != nil && !errors.Is(e.err, cause) && cause.Error() != e.err.Error() {
		e.cause = cause
	}
	return e
}

// endedError is skipError's error: errors.Is finds the ctx's error, its
// cause and, for the pool's, ErrPoolEnded. No fmt: Errorf took tens of
// microseconds after a collection, under mu (BenchmarkCancelWait).
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

func (e *endedError) Unwrap() error { return e.err }

func (e *endedError) Is(target error) bool {
	if target == ErrPoolEnded {
		return e.whose == "the pool's"
	}
	return e.cause != nil && errors.Is(e.cause, target)
}

func (e *endedError) As(target any) bool { return e.cause != nil && errors.As(e.cause, target) }
