package pool

import (
	"context"
	"runtime"

	"github.com/fanout-go/fanout/internal/sched"
)

// This file holds the queue: the tasks waiting for a worker, in a
// sched.Queue, and the submitters waiting for room in it, in a list. Every
// change to either is made here, under the pool's mu.
//
// The Queue serves the Groups in turns (each task's group is its Group, nil
// for the others: one group more) and hands out a key's tasks one at a
// time. A task popped with a key keeps its key out until the pool calls
// Done for it (doneLocked), whatever becomes of the task.
//
// The Queue may hold dead tasks, taken out of it (skipped when their
// caller's ctx ended, or claimed by a waiter) and passed over when popped:
// a Go task, a bare func, has no room for the links a list would need
// without an allocation. compactLocked filters them out once they outnumber
// the live ones, so that they cannot pile up.

// taskQueue is the pool's queue: tasks by Group, nil for none.
type taskQueue = sched.Queue[task, taskGroup]

// groupOf returns the group t is served in: its Group's, or nil.
func groupOf(s *taskState) taskGroup {
	if c := s.callerOf(); c != nil {
		return c.group
	}
	return nil
}

// enqueueLocked queues t, accepted and counted as submitted already. A task
// whose caller's ctx may end before the pool's gets an AfterFunc that skips
// it then, without waiting for a worker to pop it.
func (p *Pool) enqueueLocked(t task) {
	s := t.state()
	if s == nil {
		p.queue.Push(t, nil)
		p.stats.Queued++
		return
	}
	if s.key != nil {
		p.queue.PushKey(t, groupOf(s), s.key)
	} else {
		p.queue.Push(t, groupOf(s))
	}
	p.stats.Queued++
	s.queued = true
	// Not for a child of a task, whose waiter, which gives up with the same
	// ctx, is told at once: two allocations and a tenth of
	// BenchmarkNestedMap's time. A worker skips it when it comes to it.
	if c := s.caller; c != nil && c.group == nil && p.slotOf(c.ctx) == nil {
		if d := c.ctx.Done(); d != nil && d != p.done {
			// The AfterFunc locks mu, so it cannot run before stop is set.
			c.stop = context.AfterFunc(c.ctx, func() { p.drop(s) })
		}
	}
}

// unqueueLocked takes the queued task s out of the queue's count, leaving it
// dead in the ring, and stops its AfterFunc.
func (p *Pool) unqueueLocked(s *taskState) {
	p.stats.Queued--
	s.queued = false
	s.stopDrop()
}

// dequeueLocked takes the next live task ready in the queue off it, or
// returns nil. A keyed task's key is out from then until doneLocked.
func (p *Pool) dequeueLocked() task {
	for {
		// !ok means no task is ready, not that none is queued: the others
		// wait for their keys.
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

// drop skips the queued task s because its caller's ctx ended: the
// AfterFunc that enqueueLocked registers, and a Group's when its ctx ends.
func (p *Pool) drop(s *taskState) {
	p.mu.Lock()
	p.observeEndLocked()
	var admitted *waiter
	// If the pool's end came first, s is settleSkipped's.
	if !p.ended && s.queued {
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

// deadSlack is how many dead tasks the ring may hold before more dead than
// live ones get it filtered.
const deadSlack = 64

// compactLocked filters the dead tasks out of the ring once they outnumber
// the live ones (and deadSlack).
func (p *Pool) compactLocked() {
	live := int(p.stats.Queued)
	if dead := p.queue.Len() - live; dead > deadSlack && dead > live {
		p.queue.DeleteFunc(isDead)
		p.dispatchLocked() // a dead task's key moved on
	}
}

// isDead reports whether t, in the queue, is dead there.
func isDead(t task) bool {
	s := t.state()
	return s != nil && !s.queued
}

// startNowLocked reports whether t may start at once on a free worker, with
// no task ready in the queue: yes, unless its key has a task queued or out;
// then a keyed t is pushed and popped, so that its key is out until
// doneLocked.
func (p *Pool) startNowLocked(t task) bool {
	s := t.state()
	if s == nil || s.key == nil {
		return true
	}
	if p.queue.Has(s.key) {
		return false
	}
	p.queue.PushKey(t, groupOf(s), s.key)
	if got, _, _ := p.queue.Pop(); got != t {
		// A free worker means no task is ready (see Pool's invariants).
		panic("pool: internal error: a task was ready while a worker was free")
	}
	return true
}

// dispatchLocked hands the tasks ready in the queue to idle workers, or to
// workers it starts, while the bound allows: a key that moves on (doneLocked,
// compactLocked) makes a task ready that no worker may be coming for, as
// keyed tasks wait in the queue while workers idle. It sends and launches
// under mu: wake has room, and a go statement does not block.
func (p *Pool) dispatchLocked() {
	for len(p.idle) > 0 || p.stats.Workers < int64(p.bound) {
		t := p.dequeueLocked()
		if t == nil {
			return
		}
		if len(p.idle) > 0 {
			p.popIdleLocked().wake <- t
		} else {
			p.launch(p.startLocked(t))
		}
	}
}

// popStartableWaiterLocked is popWaiterLocked for a worker that takes a
// blocked submitter's task to run it: it passes over the tasks whose key
// has a task queued or out, which must wait for it.
func (p *Pool) popStartableWaiterLocked() (*waiter, task) {
	for w := p.waiters.head; w != nil; w = w.next {
		if s := w.t.state(); s == nil || s.key == nil || !p.queue.Has(s.key) {
			return w, p.unwaitLocked(w)
		}
	}
	return nil, nil
}

// A waiter is a submitter blocked on the full queue, with its task.
//
// It waits on a channel of its own rather than on a condition variable:
// whoever frees room moves the longest-waiting submitter's task into the
// queue (or to a worker) under mu, and only then wakes the submitter, which
// has nothing left to do. So room never goes to a later comer, and a wakeup
// does not make every blocked submitter compete for mu.
//
// Waiters are recycled through the pool's spare: with tiny tasks half of
// BenchmarkGo's calls block, and a waiter and channel made each time cost Go
// an allocation for every other task, where it makes none.
type waiter struct {
	// Guarded by mu.
	t          task    // nil once its fate is decided, or its submitter gave up
	prev, next *waiter // links in waiters; next then chains the waiters to release
	checking   bool    // its submitter has not yet found out whether it is a task (await)
	closed     task    // its task, handed back by Close while checking

	// wake receives one token: true once the task's fate is decided, or
	// false when Close hands the task back. It has room, so the pool never
	// blocks on it.
	wake chan bool
}

func newWaiter() any { return &waiter{wake: make(chan bool, 1)} }

// waiterList is the blocked submitters, oldest first, linked through the
// waiters, so that one that gives up leaves at once.
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

// popWaiterLocked takes the longest-waiting submitter off the list and
// returns it with its task, its fate the caller's to decide and release; or
// nil, nil.
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

// unblockLocked takes the blocked submitter's task t off the list, for a
// lent worker whose waiter waits for it to run it at once (nest.go), and
// reports whether it may: not if its caller's ctx has ended (then it fails).
// Only a Group's task is waited for before its submitter returns.
func (p *Pool) unblockLocked(t task) bool {
	w := p.waiters.head
	for w.t != t {
		w = w.next
	}
	p.unwaitLocked(w)
	w.wake <- true // it has room
	return p.acceptLocked(t)
}

// await blocks t's submitter, which holds mu, until the pool has decided
// t's fate, or, for a task with a caller's ctx, until that ctx ends, and
// reports true; or reports false, t left alone, if the submitter is a task
// of the pool, which must never block on the queue: submit adds t as its
// child.
//
// Finding out takes a look at the submitter's stack (~300 ns), and its id
// only on one of the pool's goroutines. The submitter looks once it is
// listed and has yielded, and only if no room came by then: with tiny tasks
// most blocked adds get room in that yield, from a worker, and so keep
// BenchmarkGo's pace (a look before every block made it 1.9 times slower; a
// yield, then a look, before listing, 1.1 times). Until it has looked
// it is checking: Close hands its task back (closed) rather than refuse it,
// for a task may add children while Close drains.
func (p *Pool) await(t task) bool {
	w := p.spare.Get().(*waiter)
	w.t, w.checking = t, true
	p.waiters.pushBack(w)
	p.stats.Blocked++
	var gaveUp <-chan struct{}
	if s := t.state(); s != nil {
		s.blocked = true
		if c := s.caller; c != nil {
			gaveUp = c.ctx.Done()
			if lw := c.wantedBy; lw != nil {
				// A task waits for t already (a Group's): its lent worker
				// runs t, if it is free still.
				lw.wanted = append(lw.wanted, t)
				p.claimForLocked(lw)
			}
		}
	}
	p.mu.Unlock()
	defer p.spare.Put(w)
	runtime.Gosched()
	token := false // Close's false is received
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
		<-w.wake // Submit and Go: a receive costs less than a select
		return true
	}
	select {
	case <-w.wake:
	case <-gaveUp: // the caller's ctx ended: give up unless too late
		p.mu.Lock()
		// If it ended with the pool's ctx, the pool's end comes first.
		p.observeEndLocked()
		mine := w.t != nil
		if mine {
			p.unwaitLocked(w)
			p.settleLocked(t, skipError("the caller's", t.state().callerCtx()))
		}
		p.mu.Unlock()
		if !mine {
			<-w.wake // decided a moment ago: its token is on the way
		}
	}
	return true
}

// admitLocked gives the room free in the queue to the blocked submitters,
// oldest first, and returns their waiters chained after chain, for the
// caller to release once it has unlocked mu.
func (p *Pool) admitLocked(chain *waiter) *waiter {
	for p.stats.Queued < int64(p.size) {
		w, t := p.popWaiterLocked()
		if w == nil {
			break
		}
		w.next, chain = chain, w
		if p.acceptLocked(t) {
			p.enqueueLocked(t)
		}
	}
	return chain
}

// acceptLocked counts t, a blocked submitter's task, as submitted and
// reports whether it may go on; not if its caller's ctx has ended: then it
// fails, uncounted.
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
