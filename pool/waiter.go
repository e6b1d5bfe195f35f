package pool

import "context"

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
type waiter struct {
	// t is the task, nil once its fate is decided or once the submitter has
	// given up. Guarded by the pool's mu.
	t task
	// wake receives one token when t's fate is decided. It has room for it,
	// so that the pool never blocks under its lock.
	wake chan struct{}
}

func newWaiter() any { return &waiter{wake: make(chan struct{}, 1)} }

// await queues t's submitter as a waiter, with mu held, and waits until the
// pool has decided t's fate, or, for SubmitContext, until cctx ends. It
// unlocks mu.
func (p *Pool) await(t task, cctx context.Context) {
	w := p.spare.Get().(*waiter)
	w.t = t
	p.waiting.push(w)
	p.mu.Unlock()

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
		// If cctx ended with the pool's ctx, whose AfterFunc may not have run
		// yet, the pool's end comes first: it skips t and pops w.
		p.endedLocked()
		waiting := w.t != nil
		if waiting {
			w.t = nil // passed over by popWaiterLocked from now on
			p.gaveUp++
			p.compactWaitersLocked()
		}
		p.mu.Unlock()
		if waiting {
			// w stays in the queue of waiters until popped or filtered out,
			// so it must not go back to the sync.Pool: it is left to the
			// collector.
			settle(t, cctx.Err())
			return
		}
		<-w.wake // decided a moment ago: the token is on its way
	}
	p.spare.Put(w)
}

// popWaiterLocked takes the longest-waiting submitter that has not given up
// off the queue of waiters and returns it with its task, or returns nil. The
// caller decides the task's fate and then sends the waiter its token.
func (p *Pool) popWaiterLocked() (*waiter, task) {
	for p.waiting.n > 0 {
		w := p.waiting.pop()
		if t := w.t; t != nil {
			w.t = nil
			return w, t
		}
		p.gaveUp--
	}
	return nil, nil
}

// compactWaitersLocked filters the submitters that gave up out of the queue
// of waiters once they outnumber the waiting ones.
func (p *Pool) compactWaitersLocked() {
	if live := p.waiting.n - p.gaveUp; p.gaveUp > deadSlack && p.gaveUp > live {
		p.waiting.filter(func(w *waiter) bool { return w.t != nil })
		p.gaveUp = 0
	}
}

// release tells w's submitter that its task's fate is decided. A nil w is
// no one to tell.
func (w *waiter) release() {
	if w != nil {
		w.wake <- struct{}{}
	}
}

// admitLocked gives room that came free in the queue to waiting submitters.
func (p *Pool) admitLocked() {
	for p.stats.Queued < int64(p.size) {
		w, t := p.popWaiterLocked()
		if w == nil {
			return
		}
		p.pushLocked(t)
		w.release()
	}
}
