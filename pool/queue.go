package pool

import (
	"context"
	"runtime"

	"github.com/fanout-go/fanout/internal/sched"
)

// This file holds the queue (a sched.Queue of the tasks waiting for a
// worker) and the list of submitters waiting for room in it; every change to
// either is made here, under mu.
//
// The queue serves the Groups in turns (nil, the tasks of no Group, is one
// more) and a key's tasks one at a time: a popped key stays out until
// doneLocked, whatever becomes of the task. Tasks taken out in place
// (skipped, or claimed by a waiter) stay in it dead, as a Go task, a bare
// func, has no room for list links without an allocation; compactLocked
// filters them once they outnumber the live ones.

// taskQueue is the pool's queue, by Group.
type taskQueue = sched.Queue[task, taskGroup]

// groupOf returns the group t is served in: its Group's, or nil.
func groupOf(s *taskState) taskGroup {
	if c := s.callerOf(); c != nil {
		return c.group
	}
	return nil
}

// enqueueLocked queues t, counted as submitted already. A task whose
// caller's ctx may end before the pool's gets an AfterFunc that skips it then.
func (p *Pool) enqueueLocked(t task) {
	s := t.state()
	if s == nil {
		p.queue.Push(t, nil)
		p.stats.Queued++
		return
	}
	if k := s.keyOf(); k != nil {
		p.queue.PushKey(t, groupOf(s), k)
	} else {
		p.queue.Push(t, groupOf(s))
	}
	p.stats.Queued++
	s.queued = true
	// Not for a child of a task, whose waiter gives up with the same ctx
	// anyway (a tenth of BenchmarkNestedMap's time); a worker skips it.
	if c := s.callerOf(); c != nil && c.group == nil && p.slotOf(c.ctx) == nil {
		if d := c.ctx.Done(); d != nil && d != p.done {
			// The AfterFunc locks mu, so it cannot run before stop is set.
			c.stop = context.AfterFunc(c.ctx, func() { p.drop(s) })
		}
	}
}

// unqueueLocked takes the queued task s out of the count, leaving it dead in
// the queue, and stops its AfterFunc.
func (p *Pool) unqueueLocked(s *taskState) {
	p.stats.Queued--
	s.queued = false
	s.stopDrop()
}

// dequeueLocked pops the next live ready task, or returns nil: none is
// ready, though tasks may wait for their keys.
func (p *Pool) dequeueLocked() task {
	for {
		t, k, ok := p.queue.Pop()
		if !ok {
			return nil
		}
		s := t.state()
		if s == nil {
			p.stats.Queued--
			return t
		}
		if s.queued {
			p.unqueueLocked(s)
			return t
		}
		if k != nil {
			p.queue.Done(k) // dead: its key moves on
		}
	}
}

// drop skips the queued task s, whose caller's ctx ended: enqueueLocked's
// AfterFunc, and a Group's.
func (p *Pool) drop(s *taskState) {
	p.mu.Lock()
	p.observeEndLocked()
	var admitted *waiter
	if !p.ended && s.queued { // else, if ended, s is settleSkipped's
		p.unqueueLocked(s)
		p.stats.Skipped++
		p.settleStateLocked(s, skipError("the caller's", s.caller.ctx))
		p.compactLocked()
		admitted = p.admitLocked(nil) // its room is free
		p.checkDrainedLocked()
	}
	p.mu.Unlock()
	admitted.release()
}

// deadSlack is how many dead tasks the queue may hold before it is filtered.
const deadSlack = 64

// compactLocked filters the dead tasks out of the queue once they outnumber
// the live ones and deadSlack.
func (p *Pool) compactLocked() {
	live := int(p.stats.Queued)
	if dead := p.queue.Len() - live; dead > deadSlack && dead > live {
		p.queue.DeleteFunc(isDead)
		p.dispatchLocked() // a dead task's key moved on
	}
}

func isDead(t task) bool {
	s := t.state()
	return s != nil && !s.queued
}

// startableLocked reports whether t may start now: not if its key has a
// task queued or out.
func (p *Pool) startableLocked(t task) bool {
	k := t.state().keyOf()
	return k == nil || !p.queue.Has(k)
}

// firstLocked returns the task a free worker starts in the stead of t,
// whose key, if any, is free: the oldest ready task, t queued behind it; or
// t, its key taken out until doneLocked.
func (p *Pool) firstLocked(t task) task {
	if p.stats.Queued > 0 {
		if u := p.dequeueLocked(); u != nil {
			p.enqueueLocked(t)
			return u
		}
	}
	if t.state().keyOf() != nil {
		p.enqueueLocked(t) // a keyed task has no AfterFunc to make
		if p.dequeueLocked() != t {
			panic("pool: internal error: a task was ready while a worker was free")
		}
	}
	return t
}

// dispatchLocked hands the next ready task, or else a blocked submitter's
// whose key is free (waitingLocked), to an idle or new worker, if the bound
// allows and no worker is on its way already: that worker, once it starts,
// passes the rest on the same way (relay). A key that moves on (doneLocked,
// compactLocked, a helper's finish) readies a task no worker may be coming
// for. wake has room, and go does not block.
func (p *Pool) dispatchLocked() {
	if (p.stats.Queued == 0 && p.waiters.head == nil) || p.comingLocked() ||
		(len(p.idle) == 0 && p.stats.Workers >= int64(p.bound)) {
		return
	}
	t := p.dequeueLocked()
	if t == nil {
		t = p.waitingLocked() // its key moved on, maybe on a helper (nest.go)
	}
	if t == nil {
		return
	}
	if len(p.idle) > 0 {
		w := p.popIdleLocked()
		p.sendingLocked(w)
		w.wake <- t
	} else {
		w := p.startLocked(t)
		p.sendingLocked(w)
		p.launch(w)
	}
	// t's room goes to the blocked submitters (a wake never blocks); what
	// they add finds the new waker coming.
	p.admitLocked(nil).release()
}

// sendingLocked records that w is handed a task and has not yet started it:
// while it has not, tasks queue behind it (comingLocked), rather than wake
// a worker each; it passes them on when it starts. Handing each task to a
// worker of its own cost bench's PondRand a goroutine wake-up a task.
func (p *Pool) sendingLocked(w *worker) {
	p.waker = w
	if p.stats.Queued > 0 {
		w.pending.Store(relayOwed)
	} else {
		w.pending.Store(onItsWay)
	}
}

// w.pending: whether w was handed a task it has not yet started.
const (
	started   = iota
	onItsWay  // handed a task, not yet started
	relayOwed // and tasks were queued since: it passes them on (relay)
)

// comingLocked reports whether a worker handed a task has not yet started
// it, and then marks it to pass on what is queued when it starts.
func (p *Pool) comingLocked() bool {
	w := p.waker
	if w == nil {
		return false
	}
	if w.pending.CompareAndSwap(onItsWay, relayOwed) || w.pending.Load() == relayOwed {
		return true
	}
	p.waker = nil
	return false
}

// relay passes the queued tasks on, for w, which starts its task now and
// owes that (comingLocked).
func (p *Pool) relay(w *worker) {
	p.mu.Lock()
	if p.waker == w {
		p.waker = nil
	}
	p.dispatchLocked()
	p.mu.Unlock()
}

// waitingLocked takes the task of the oldest blocked submitter whose key is
// free, counted, and wakes the submitter, for a free worker to start it now;
// or returns nil.
func (p *Pool) waitingLocked() task {
	for {
		w, t := p.popStartableWaiterLocked()
		if w == nil {
			return nil
		}
		// Counted before its submitter is woken: woken, it may return and
		// end its ctx, and its task is then skipped, counted.
		ok := p.acceptLocked(t)
		w.wake <- true // it has room: wake never blocks
		if ok {
			return p.firstLocked(t) // its key is free
		}
	}
}

// popStartableWaiterLocked is popWaiterLocked for a task to start at once:
// it passes over those whose key has a task queued or out.
func (p *Pool) popStartableWaiterLocked() (*waiter, task) {
	for w := p.waiters.head; w != nil; w = w.next {
		if k := w.t.state().keyOf(); k == nil || !p.queue.Has(k) {
			return w, p.unwaitLocked(w)
		}
	}
	return nil, nil
}

// A waiter is a submitter blocked on the full queue, with its task. Whoever
// frees room moves the oldest waiter's task on under mu and only then wakes
// it on its own channel: room never goes to a later comer, and a wakeup
// does not set every blocked submitter on mu, as a sync.Cond would.
// Waiters are recycled (spare): half of BenchmarkGo's calls block, and a
// new waiter each time cost Go an allocation every other task.
type waiter struct {
	// Guarded by mu.
	t          task    // nil once its fate is decided, or its submitter gave up
	prev, next *waiter // links in waiters; next then chains the waiters to release
	checking   bool    // its submitter has not yet looked whether it is a task (await)
	closed     task    // its task, handed back by Close while checking

	// wake receives one token, never blocking the pool: true once the task's
	// fate is decided, false when Close hands it back.
	wake chan bool
}

func newWaiter() any { return &waiter{wake: make(chan bool, 1)} }

// waiterList is the blocked submitters, oldest first, linked so that one
// that gives up leaves at once.
type waiterList struct{ head, tail *waiter }

func (l *waiterList) pushBack(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *waiterList) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next = nil, nil
}

// popWaiterLocked takes the oldest waiter off the list and returns it with
// its task, for the caller to decide and release; or nil, nil.
func (p *Pool) popWaiterLocked() (*waiter, task) {
	w := p.waiters.head
	if w == nil {
		return nil, nil
	}
	return w, p.unwaitLocked(w)
}

// unwaitLocked takes w off the list and returns its task.
func (p *Pool) unwaitLocked(w *waiter) task {
	p.waiters.remove(w)
	p.stats.Blocked--
	t := w.t
	w.t = nil
	if s := t.state(); s != nil {
		s.blocked = false
	}
	return t
}

// unblockLocked takes the blocked task t (a Group's) off the list for a lent
// worker to run it (nest.go), and reports whether it may: not if its
// caller's ctx has ended (then it fails).
func (p *Pool) unblockLocked(t task) bool {
	w := p.waiters.head
	for w.t != t {
		w = w.next
	}
	p.unwaitLocked(w)
	ok := p.acceptLocked(t) // before its submitter is woken, as in waitingLocked
	w.wake <- true          // it has room
	return ok
}

// await blocks t's submitter, which holds mu, until t's fate is decided or
// its caller's ctx ends, and reports true; or reports false, t left alone,
// if the submitter is a task of the pool, which must not block: submit adds
// t as its child.
//
// The submitter looks whether it is a task (~300 ns) only once listed, after
// a yield that gives most blocked adds room: a look before every block made
// BenchmarkGo 1.9 times slower. Until it has looked it is checking, and
// Close hands its task back (closed) rather than refuse it, for a task may
// add children while Close drains.
func (p *Pool) await(t task) bool {
	w := p.spare.Get().(*waiter)
	w.t, w.checking = t, true
	p.waiters.pushBack(w)
	p.stats.Blocked++
	var gaveUp <-chan struct{}
	if s := t.state(); s != nil {
		s.blocked = true
		if c := s.callerOf(); c != nil {
			gaveUp = c.ctx.Done()
			if lw := c.wantedBy; lw != nil {
				// A task waits for t already (a Group's): its worker runs t.
				lw.wanted = append(lw.wanted, t)
				p.claimForLocked(lw)
			}
		}
	}
	p.mu.Unlock()
	defer p.spare.Put(w)
	runtime.Gosched()
	token := false // Close's false received
	select {
	case decided := <-w.wake:
		if decided {
			return true
		}
		token = true
	default:
	}
	own := p.ownWorker() != nil
	p.mu.Lock()
	w.checking = false
	if w.closed != nil {
		w.closed = nil
		if p.handedBack--; p.handedBack == 0 {
			p.drained.Broadcast()
		}
		if !own {
			p.refuseLocked(t)
		}
		p.mu.Unlock()
		if !token {
			<-w.wake // Close's false, sent under mu
		}
		return !own
	}
	if own && w.t != nil {
		p.unwaitLocked(w)
		p.mu.Unlock()
		return false
	}
	p.mu.Unlock()
	// Not a task, or t's fate decided a moment ago: its token is on the way.
	if gaveUp == nil {
		<-w.wake // cheaper than a select
		return true
	}
	select {
	case <-w.wake:
	case <-gaveUp: // give up unless too late
		p.mu.Lock()
		p.observeEndLocked() // the pool's end, if it came too, comes first
		mine := w.t != nil
		if mine {
			p.unwaitLocked(w)
			p.settleLocked(t, skipError("the caller's", t.state().callerCtx()))
		}
		p.mu.Unlock()
		if !mine {
			<-w.wake // decided a moment ago
		}
	}
	return true
}

// admitLocked gives the queue's free room to the blocked submitters, oldest
// first, and returns their waiters chained after chain, to release after
// unlocking mu.
func (p *Pool) admitLocked(chain *waiter) *waiter {
	queued := false
	for p.stats.Queued < int64(p.size) {
		w, t := p.popWaiterLocked()
		if w == nil {
			break
		}
		w.next, chain = chain, w
		if p.acceptLocked(t) {
			p.enqueueLocked(t)
			queued = true
		}
	}
	if queued {
		p.dispatchLocked() // a worker may be idle: its key kept t blocked
	}
	return chain
}

// acceptLocked counts the blocked submitter's task t as submitted and
// reports true; or, if its caller's ctx has ended, fails it uncounted.
func (p *Pool) acceptLocked(t task) bool {
	if err := t.state().callerErr(); err != nil {
		p.settleLocked(t, err)
		return false
	}
	p.stats.Submitted++
	return true
}

// release wakes the submitters of a chain of waiters.
func (w *waiter) release() {
	for w != nil {
		next := w.next
		w.next = nil
		w.wake <- true
		w = next
	}
}
