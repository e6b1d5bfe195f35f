package pool

import "runtime"

// endedLocked reports whether the pool's ctx has ended, and makes sure the
// queue has been set aside if it has. Looking at ctx here, rather than waiting
// for end's AfterFunc, which runs a moment later on its own goroutine, makes
// the end take effect at once for a submitter or worker that comes after it.
func (p *Pool) endedLocked() bool {
	if p.ended {
		return true
	}
	select {
	case <-p.done: // a non-blocking receive: an atomic load while open
		p.endLocked()
		return true
	default:
		return false
	}
}

// end is the AfterFunc that New registers on the pool's ctx.
func (p *Pool) end() {
	p.mu.Lock()
	p.endLocked()
	p.mu.Unlock()
	p.settleSkipped()
	close(p.endDone)
}

// endLocked skips every queued task and every task of a blocked submitter, at
// once, whatever the running tasks do.
//
// The queue's tasks are counted at once but settled later, outside mu, by
// settleSkipped: endLocked only moves the queue aside, which costs the same
// for a million tasks as for one. Settling a million Futures one by one here
// would hold every worker, submitter and Wait on mu for tens of
// milliseconds. The blocked submitters are woken here: there are no more of
// them than goroutines, and each must be told.
func (p *Pool) endLocked() {
	if p.ended {
		return
	}
	p.ended = true
	// Nothing is queued from now on, and nothing taken out of p.skipped
	// but by settleSkipped: drop, claim and await look whether ctx ended first.
	if p.stats.Queued > 0 {
		p.stats.Skipped += p.stats.Queued
		p.stats.Queued = 0
		p.ctxSkipped = true
	}
	p.skipped, p.queue = p.queue, ring[task]{}
	err := p.ctx.Err()
	for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
		p.stats.Submitted++
		p.skipLocked(t, err)
		w.wake <- struct{}{}
	}
	p.checkDrainedLocked()
}

// settleSkipped fails the tasks that endLocked moved aside with ctx's error,
// without holding mu: end does it, or Close if it stopped end from running.
// They belong to no one else by then, so their state needs no lock; the lock
// taken here orders what was written under it before.
func (p *Pool) settleSkipped() {
	p.mu.Lock()
	q := p.skipped
	p.skipped = ring[task]{}
	p.mu.Unlock()
	err := p.ctx.Err()
	for i := 1; q.n > 0; i++ {
		if i%1024 == 0 {
			// A million Futures take tens of milliseconds: let the workers
			// and Wait, woken by the same cancel and maybe queued behind
			// this goroutine on its P, go first. Every 1024 Futures (~30 us)
			// is a compromise: with a cancel and a million queued on 2
			// cores, yielding every 256 made the settling (and Close) a
			// third slower, every 4096 made Wait's return slower by half.
			runtime.Gosched()
		}
		t := q.pop()
		s := t.state()
		if s == nil {
			continue // a goTask: Wait reports ctx's error, once, for them all
		}
		if !s.queued {
			continue // taken out before the end, and settled then
		}
		if s.stop != nil {
			s.stop() // if too late, drop finds p.ended and leaves s alone
		}
		s.settle(err)
	}
}

// skipLocked counts the accepted task t as skipped because the pool's ctx
// ended with err, and fails it.
func (p *Pool) skipLocked(t task, err error) {
	p.stats.Skipped++
	p.ctxSkipped = true
	settle(t, err)
}
