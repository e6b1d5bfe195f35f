package mapx

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/fanout-go/fanout/errgroupx"
)

// An expansion is one call of Expand: its workers, which of them are parked,
// and whether it is over.
//
// States: running, then over. It is running while some worker holds an item
// or runs a call. It becomes over, once, when the last worker that is not
// parked finds nothing to take (every item has run), or when a worker stops
// because a call failed or ctx ended; end moves it there and wakes every
// parked worker, which then exits. A worker is parked while it waits for
// items: its queue is empty and it runs no call, so when every worker is
// parked no item is left anywhere and none can be added.
//
// Items live in the workers' queues (see worker). A worker that runs out
// steals the oldest half of another worker's queue, under mu. A worker that
// has items to spare and sees hungry calls wake, which wakes a parked worker
// or starts a new one while fewer than limit run. Workers are woken or
// started one at a time, and not while one looks for items already: each,
// once it has stolen its first items, may wake the next. So a chain of
// items, each adding one, keeps two or three workers, not one for every item
// added while another was on its way, and a walk of fast calls at a limit far
// beyond GOMAXPROCS grows its workers gradually.
type expansion[T any] struct {
	parent context.Context // the caller's
	ctx    context.Context // the group's, fn's: ends at the first failure
	g      *errgroupx.Group
	fn     func(context.Context, T, Adder[T]) error
	limit  int

	// failed is set by the worker whose call failed, the moment fn returns
	// (or, through unwinding, panics), before the group cancels ctx, so that
	// the other workers start no call after it.
	failed atomic.Bool
	// stopped is set by a worker that saw ctx end and started no more calls.
	stopped atomic.Bool
	// looking counts the workers whose own queue ran dry and that have not
	// yet looked at the others', under mu. While one is about to, wake
	// neither wakes nor starts another: it will find what was queued.
	looking atomic.Int32
	// spread reports whether a worker is parked or fewer than limit run:
	// items that a call adds are then queued at once, where others can
	// steal them, rather than when the call returns. hungry reports that
	// wake would do something: spread, and no worker is on its way.
	//
	// Both are written under mu, and read without it by the workers. A
	// worker about to park sets both before it looks for items to steal,
	// and a worker queuing items reads hungry after it queued them: so
	// either the look finds the items or the worker sees hungry and wakes
	// a parked one.
	spread, hungry atomic.Bool

	mu sync.Mutex
	// workers holds every worker started, the active ones first, then the
	// parked ones: workers[:active] and workers[active:]. Each worker's pos
	// is its index here.
	workers []*worker[T]
	active  int
	waking  *worker[T] // the worker woken or started that has not yet looked for items, or nil
	over    bool
}

// newExpansion returns the expansion of one call of Expand, with its first
// worker, not yet started, holding the start items.
func newExpansion[T any](parent, ctx context.Context, g *errgroupx.Group, limit int,
	fn func(context.Context, T, Adder[T]) error, start []T) *expansion[T] {
	e := &expansion[T]{parent: parent, ctx: ctx, g: g, fn: fn, limit: limit}
	first := e.newWorker()
	// start[0] on top; the workers that the first wakes take their share
	// from the bottom.
	first.queue = make([]T, len(start))
	for i, v := range start {
		first.queue[len(start)-1-i] = v
	}
	e.setFlags()
	return e
}

// newWorker adds an active worker to the expansion; e.mu must be held, or
// no worker may have started yet. It parks none, so active becomes len(workers).
func (e *expansion[T]) newWorker() *worker[T] {
	w := &worker[T]{e: e, wake: make(chan struct{}, 1)}
	e.workers = append(e.workers, w)
	e.swap(len(e.workers)-1, e.active)
	e.active++
	return w
}

// swap exchanges the workers at i and j, keeping their pos; e.mu must be held.
func (e *expansion[T]) swap(i, j int) {
	e.workers[i], e.workers[j] = e.workers[j], e.workers[i]
	e.workers[i].pos, e.workers[j].pos = i, j
}

// setFlags sets spread and hungry from the state; e.mu must be held.
func (e *expansion[T]) setFlags() {
	parked, more := e.active < len(e.workers), len(e.workers) < e.limit
	e.spread.Store(!e.over && (parked || more))
	e.hungry.Store(!e.over && e.waking == nil && (parked || more))
}

// wake tells the expansion that a worker has items to spare: a parked worker
// wakes up to steal some, or a new worker starts if fewer than limit run.
func (e *expansion[T]) wake() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wakeLocked()
}

// wakeLocked is wake with e.mu held.
func (e *expansion[T]) wakeLocked() {
	switch {
	case e.over || e.waking != nil || e.looking.Load() > 0:
		return // or the worker on its way, or the one looking, takes the items
	case e.active < len(e.workers):
		w := e.workers[e.active]
		e.active++
		e.waking = w
		w.wake <- struct{}{} // never blocks: one wake per parking
	case len(e.workers) < e.limit:
		w := e.newWorker()
		e.waking = w
		e.g.Go(w.run)
	}
	e.setFlags()
}

// take returns an item for w, whose queue is empty, stolen from another
// worker, parking w until there may be one. It reports false once the
// expansion is over.
func (e *expansion[T]) take(w *worker[T]) (T, bool) {
	// Counted from the moment w's own queue ran dry, before it waits for
	// mu: a worker that queues items meanwhile starts no other for them.
	e.looking.Add(1)
	for first := true; ; first = false {
		v, ok, wait := e.tryTake(w, first)
		if !wait {
			return v, ok
		}
		<-w.wake
	}
}

// tryTake steals an item for w, whose queue is empty, first since it ran
// dry or since it was woken. It reports wait if w was parked instead, and
// ok = false if the expansion is over.
func (e *expansion[T]) tryTake(w *worker[T], first bool) (v T, ok, wait bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if first {
		e.looking.Add(-1)
	}
	if e.waking == w {
		e.waking = nil
	}
	if e.over {
		return v, false, false
	}
	// Before looking, so that a worker that queues items after the look
	// below sees them and wakes this one.
	e.spread.Store(true)
	e.hungry.Store(true)
	for i := 1; i < e.active; i++ {
		victim := e.workers[(w.pos+i)%e.active]
		if left, ok := victim.giveHalf(w); ok {
			v, _ = w.pop()
			e.setFlags()
			// If items are left, the next worker comes for them. Those of
			// other workers count too: their owners may be busy for long.
			if e.hungry.Load() && (left || w.head < len(w.queue) || e.queued()) {
				e.wakeLocked()
			}
			return v, true, false
		}
	}
	if e.active == 1 {
		// Every other worker is parked, and w has nothing either: no item
		// is left anywhere, and no call runs that could add one.
		e.end()
		return v, false, false
	}
	e.active--
	e.swap(w.pos, e.active)
	return v, false, true
}

// queued reports whether an active worker has items queued; e.mu must be
// held. It costs a lock per active worker.
func (e *expansion[T]) queued() bool {
	for _, w := range e.workers[:e.active] {
		if w.queued() {
			return true
		}
	}
	return false
}

// end makes the expansion over and wakes the parked workers to exit; e.mu
// must be held.
func (e *expansion[T]) end() {
	e.over = true
	e.setFlags()
	for _, w := range e.workers[e.active:] {
		w.wake <- struct{}{}
	}
	e.active = len(e.workers)
}

// quit is deferred by each worker: if it stops because a call failed or ctx
// ended, the expansion is over and the parked workers must exit too.
func (e *expansion[T]) quit() {
	if !e.failed.Load() && !e.stopped.Load() {
		return // it is over already: the worker found nothing to take
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.over {
		e.end()
	}
}
