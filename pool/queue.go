package pool

import "context"

// This file holds the queue: the tasks waiting for a worker, in a ring, and
// the submitters waiting for room in it, in a list. Every change to either
// is made here, under the pool's mu.

// ring is a FIFO in a circular buffer: the queue of tasks, and the tasks the
// end of the pool's ctx set aside. It grows by doubling when full.
//
// The queue may hold dead tasks: tasks taken out of it (dropped when their
// SubmitContext ctx ended, or claimed by WaitContext) are left in place,
// marked, and passed over when popped. A linked list would unlink them at
// once, but would need a node per task, and a Go task, a bare func, has no
// room for links: it would cost Go its allocation-free path. The dead are
// filtered out instead, once they outnumber the live ones (and deadSlack),
// so that they cannot pile up.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest element
	n    int // elements in buf
}

// init gives the ring room for size elements, up to a bound: a large
// QueueSize costs memory only once the queue fills.
func (r *ring[T]) init(size int) {
	r.buf = make([]T, min(size, 256))
}

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		buf := make([]T, max(2*len(r.buf), 8))
		k := copy(buf, r.buf[r.head:])
		copy(buf[k:], r.buf[:r.head])
		r.buf, r.head = buf, 0
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

func (r *ring[T]) pop() T {
	v := r.buf[r.head]
	var zero T
	r.buf[r.head] = zero // let the collector have what was popped
	if r.head++; r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return v
}

// filter keeps, in order, the elements for which keep reports true, in a
// buffer sized to them: it shrinks a ring that is mostly dead.
func (r *ring[T]) filter(keep func(T) bool) {
	kept := make([]T, 0, max(r.n/2, 8))
	for r.n > 0 {
		if v := r.pop(); keep(v) {
			kept = append(kept, v)
		}
	}
	r.buf, r.head, r.n = kept[:cap(kept)], 0, len(kept)
}

// deadSlack is how many dead tasks the queue may hold before more dead than
// live ones get it filtered.
const deadSlack = 64

// enqueueLocked queues t, accepted and counted as submitted already. A task
// of SubmitContext whose ctx may end before the pool's gets an AfterFunc
// that drops it from the queue then.
func (p *Pool) enqueueLocked(t task) {
	p.queue.push(t)
	p.stats.Queued++
	s := t.state()
	if s == nil {
		return
	}
	s.queued = true
	if c := s.caller; c != nil && c.group == nil {
		if d := c.ctx.Done(); d != nil && d != p.done {
			// The AfterFunc locks mu, so it cannot run before stop is set.
			c.stop = context.AfterFunc(c.ctx, func() { p.drop(s) })
		}
	}
}

// unqueueLocked takes the queued task s out of the queue's count and marks it
// so, leaving it in the ring, dead, if it is still there. It stops s's
// AfterFunc: whatever stop returns, s.queued being false makes drop a no-op.
func (p *Pool) unqueueLocked(s *taskState) {
	p.stats.Queued--
	s.queued = false
	s.stopDrop()
}

// stopDrop stops the AfterFunc that enqueueLocked registered for s, if any,
// so that the caller's ctx does not keep the task, its Future and the pool.
func (s *taskState) stopDrop() {
	if c := s.caller; c != nil && c.stop != nil {
		c.stop()
		c.stop = nil
	}
}

// dequeueLocked takes the oldest queued task off the queue and returns it, or
// returns nil if none is queued. It passes over the dead, and skips the tasks
// whose SubmitContext ctx has ended: they never run.
func (p *Pool) dequeueLocked() task {
	for p.queue.n > 0 {
		t := p.queue.pop()
		s := t.state()
		if s == nil {
			p.stats.Queued--
			return t
		}
		if !s.queued {
			continue // dead
		}
		p.unqueueLocked(s)
		if err := s.callerErr(); err != nil {
			p.dropLocked(s, err)
			continue
		}
		return t
	}
	return nil
}

// claimLocked takes the queued task s out of the queue for the caller to run
// it, counted as running, and reports whether it did. It does not if s is
// not queued any more, and skips s instead if its SubmitContext ctx has
// ended. The caller admits waiters to the room that came free.
func (p *Pool) claimLocked(s *taskState) bool {
	if p.ended || !s.queued {
		// A worker took s, it was dropped, or the end set it aside (then s
		// is settleSkipped's).
		return false
	}
	p.unqueueLocked(s)
	p.compactLocked()
	if err := s.callerErr(); err != nil {
		p.dropLocked(s, err)
		return false
	}
	p.stats.Running++
	return true
}

// drop skips the queued task s because its SubmitContext's ctx ended. It is
// the AfterFunc that enqueueLocked registers.
func (p *Pool) drop(s *taskState) {
	p.mu.Lock()
	p.observeEndLocked()
	var admitted *waiter
	// If the end of the pool's ctx came first, s is settleSkipped's; if
	// the caller's ctx ended with the pool's, the end comes first.
	if !p.ended && s.queued {
		p.unqueueLocked(s)
		p.dropLocked(s, skipError("the caller's", s.caller.ctx))
		p.compactLocked()
		admitted = p.admitLocked(nil) // its room is free
		p.checkDrainedLocked()
	}
	p.mu.Unlock()
	admitted.release()
}

// dropLocked counts the accepted task s as skipped because its
// SubmitContext ctx ended, and fails it with err.
func (p *Pool) dropLocked(s *taskState, err error) {
	p.stats.Skipped++
	s.settle(err)
	if s.toWait {
		p.errs = append(p.errs, err)
	}
}

// giveUpLocked fails t, whose caller's ctx ended before the pool accepted
// it, with err: not counted, but for GoContext's task, reported to Wait.
func (p *Pool) giveUpLocked(t task, err error) {
	if e := settle(t, err); e != nil {
		p.errs = append(p.errs, e)
	}
}

// compactLocked filters the dead tasks out of the queue's ring once they
// outnumber the queued ones.
func (p *Pool) compactLocked() {
	live := int(p.stats.Queued)
	if dead := p.queue.n - live; dead > deadSlack && dead > live {
		p.queue.filter(func(t task) bool {
			s := t.state()
			return s == nil || s.queued
		})
	}
}

// A waiter is a submitter blocked on the full queue, with its task.
//
// It waits on a channel of its own rather than on a condition variable:
// whoever frees room, a worker mostly, moves the longest-waiting submitter's
// task into the queue (or runs it, with QueueSize(0)) under the pool's lock,
// and only then wakes the submitter. So a woken submitter has nothing left to
// do and no lock to take again, room never goes to a later comer, and waiters
// are served in order of arrival. A condition variable would wake a waiter
// to compete for the lock and the room with every other submitter, which
// costs more than the tiny tasks themselves when many submit at once.
//
// Waiters are recycled through the pool's spare, rather than made per
// blocked call as x/sync's semaphore does: with tiny tasks a quarter of
// Submits block, and a waiter and its channel made each time took
// BenchmarkSubmit from 1 allocation and 80 B a task to 1.5 and 120 B, and
// BenchmarkGo from none to 0.5 and 40 B: Go would allocate whenever it
// blocks. The list, unlike the ring it replaced, lets a submitter that gives
// up leave at once, so its waiter goes back to spare at once too.
type waiter struct {
	// t is the task, nil once its fate is decided or once the submitter has
	// given up. Guarded by the pool's mu, as are the links.
	t task
	// prev and next link the waiter into the pool's waiters while t is
	// not nil; next then chains the waiters a caller releases.
	prev, next *waiter
	// wake receives one token when t's fate is decided. It has room for it,
	// so that the pool never blocks under its lock.
	wake chan struct{}
}

func newWaiter() any { return &waiter{wake: make(chan struct{}, 1)} }

// waiterList is the blocked submitters, oldest first: a doubly linked list
// through the waiters themselves, so that a submitter that gives up leaves
// it at once, wherever it is.
type waiterList struct {
	head, tail *waiter
}

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

// popWaiterLocked takes the longest-waiting submitter off the list and returns it
// with its task, its fate now the caller's to decide and then to release;
// or returns nil, nil.
func (p *Pool) popWaiterLocked() (*waiter, task) {
	w := p.waiters.head
	if w == nil {
		return nil, nil
	}
	return w, p.unwaitLocked(w)
}

// unwaitLocked takes w, whose task's fate is not decided yet, off the list
// and returns its task, leaving w.t nil.
func (p *Pool) unwaitLocked(w *waiter) task {
	p.waiters.remove(w)
	p.stats.Blocked--
	t := w.t
	w.t = nil
	return t
}

// waitLocked registers t's submitter as a waiter, and returns it for await.
func (p *Pool) waitLocked(t task) *waiter {
	w := p.spare.Get().(*waiter)
	w.t = t
	p.waiters.pushBack(w)
	p.stats.Blocked++
	return w
}

// await waits until the pool has decided the fate of w's task, or, for
// SubmitContext, until cctx ends.
func (p *Pool) await(w *waiter, cctx context.Context) {
	var gaveUp <-chan struct{}
	if cctx != nil {
		gaveUp = cctx.Done()
	}
	if gaveUp == nil {
		// Submit and Go, or a ctx that never ends: a plain receive costs
		// less than a select.
		<-w.wake
		p.spare.Put(w)
		return
	}
	select {
	case <-w.wake: // t was queued, handed to a worker, refused or skipped
	case <-gaveUp: // SubmitContext's ctx ended: give up unless too late
		p.mu.Lock()
		// If cctx ended with the pool's ctx, whose AfterFunc may not have
		// run yet, the pool's end comes first: it skips t and pops w.
		p.observeEndLocked()
		t := w.t
		if t != nil {
			p.unwaitLocked(w)
			p.giveUpLocked(t, skipError("the caller's", cctx)) // not counted: never accepted
		}
		p.mu.Unlock()
		if t == nil {
			<-w.wake // decided a moment ago: the token is on its way
		}
	}
	p.spare.Put(w)
}

// admitLocked gives the room free in the queue to the waiting submitters,
// oldest first: it queues their tasks, or skips those whose SubmitContext
// ctx has ended. It returns the waiters it took, chained on next after
// chain, for the caller to release once it has unlocked mu, so that their
// wakeups do not lengthen the critical section that every submitter and
// worker waits for.
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

// acceptLocked counts t, the task of a waiter just taken off the list, as
// submitted, and reports whether it may be queued or run: not if its
// caller's ctx has ended, and then it fails, uncounted.
func (p *Pool) acceptLocked(t task) bool {
	if err := t.state().callerErr(); err != nil {
		// Given up before it was accepted, though its submitter has not
		// woken to say so: not counted, as SubmitContext promises.
		p.giveUpLocked(t, err)
		return false
	}
	p.stats.Submitted++
	return true
}

// release tells the submitters of a chain of waiters that their tasks' fate
// is decided. A nil chain is no one to tell.
func (w *waiter) release() {
	for w != nil {
		next := w.next
		w.next = nil
		// The last touch of w: its submitter may recycle it at once.
		w.wake <- struct{}{}
		w = next
	}
}
