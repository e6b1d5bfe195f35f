package pool

import (
	"errors"
	"runtime"
)

// This file holds the pool's life after New: the end of its ctx, Wait and
// Close. They alone change phase and ended (see Pool).

// ctxDone reports whether the pool's ctx has ended.
func (p *Pool) ctxDone() bool {
	if p.done == nil {
		return false // a ctx that never ends: spare the runtime call
	}
	select {
	case <-p.done: // a non-blocking receive: an atomic load while open
		return true
	default:
		return false
	}
}

// observeEndLocked ends the pool if its ctx has ended and end's AfterFunc,
// which runs a moment later on a goroutine of its own, has not done it yet.
// Whoever holds mu calls it before deciding on the queue, so that the end
// takes effect at once for a submitter or worker that comes after it.
func (p *Pool) observeEndLocked() {
	if !p.ended && p.ctxDone() {
		p.endLocked()
	}
}

// end is the AfterFunc that New registers on the pool's ctx.
func (p *Pool) end() {
	p.mu.Lock()
	p.observeEndLocked()
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
// milliseconds. The blocked submitters are settled and woken here: there
// are no more of them than goroutines, and each must be told.
func (p *Pool) endLocked() {
	p.ended = true
	p.endErr = skipError("the pool's", p.ctx)
	// Nothing is queued from now on, and nothing taken out of p.skipped
	// but by settleSkipped: drop and claimLocked look at ended first.
	if p.stats.Queued > 0 {
		p.stats.Skipped += p.stats.Queued
		p.stats.Queued = 0
		p.ctxSkipped = true
	}
	p.skipped, p.queue = p.queue, ring[task]{}
	for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
		p.stats.Submitted++
		p.skipLocked(t)
		w.release()
	}
	p.checkDrainedLocked()
}

// skipLocked counts the accepted task t as skipped because the pool's ctx
// ended, and fails it.
func (p *Pool) skipLocked(t task) {
	p.stats.Skipped++
	p.ctxSkipped = true
	settle(t, p.endErr)
}

// settleSkipped fails the tasks that endLocked moved aside, without holding
// mu: end does it, or Close if it stopped end from running. They belong to
// no one else by then, so their state needs no lock; the lock taken here
// orders what was written under it before.
func (p *Pool) settleSkipped() {
	p.mu.Lock()
	q, err := p.skipped, p.endErr
	p.skipped = ring[task]{}
	p.mu.Unlock()
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
		s := q.pop().state()
		if s == nil || !s.queued {
			// A goTask: Wait reports the end, once, for them all. Or a task
			// taken out before the end, and settled then.
			continue
		}
		s.stopDrop() // if too late, drop finds the pool ended and leaves s alone
		s.settle(err)
	}
}

// refuseLocked fails t with ErrClosed, uncounted; for a Go task, the next
// Wait returns ErrClosed.
func (p *Pool) refuseLocked(t task) {
	if settle(t, ErrClosed) != nil {
		p.closedGo = true
	}
}

// Wait blocks until no task is queued or running, and returns the errors of
// the tasks added with [Pool.Go] that finished since the previous Wait (or
// Close), joined with [errors.Join]. If tasks were skipped because the pool's
// context ended, an error that wraps the context's error is joined once; if
// Go was called after Close, [ErrClosed] is joined once. Errors of tasks
// added with [Submit] go to their Futures only.
//
// Wait returns at a moment when no task is queued or running: every task
// accepted before it has run or been skipped. The return of each that ran
// synchronizes before the return of Wait; their Futures are complete, and
// [Pool.Stats] counts them. The Futures of skipped tasks complete promptly,
// but perhaps a moment after Wait returns; [Pool.Close] returns after they
// all have.
//
// Wait may be called from several goroutines and at any time, but not from
// a task of the same pool, which would wait for itself.
func (p *Pool) Wait() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Wait does not wait for settleSkipped to complete the skipped Futures:
	// with a million queued, that would take its return after a cancel from
	// ~0.1 ms to ~18 ms (BenchmarkCancelWait), growing with the queue.
	for p.busyLocked() {
		p.drained.Wait()
	}
	return p.takeErrLocked()
}

// Close stops the pool from accepting tasks, waits for every queued and
// running task to finish without canceling them, ends the workers, and returns
// what [Pool.Wait] would. A task added after Close began, or still waiting for
// room in the queue when it began, is refused with [ErrClosed]; only a task
// being drained may still add tasks, with [SubmitContext] and its own ctx.
//
// When Close returns, every task has run or been skipped: the return of
// each that ran synchronizes before the return of Close, and every Future
// is complete, skipped ones too.
//
// Only the first call does this; later calls return ErrClosed at once. To stop
// now rather than drain, cancel the pool's context (then Close). Like Wait,
// Close must not be called from a task of the same pool.
func (p *Pool) Close() error {
	var err error
	p.mu.Lock()
	first := p.phase == open
	if first {
		p.phase = draining
		for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
			p.refuseLocked(t)
			w.release()
		}
		for p.busyLocked() {
			p.drained.Wait()
		}
		// A Go refused by this Close is for the next Wait to report, as
		// ErrClosed says: Close's own ErrClosed means a second Close.
		closedGo := p.closedGo
		p.closedGo = false
		err = p.takeErrLocked()
		p.closedGo = closedGo
		p.phase = shut
		// With nothing queued or running every worker is idle, parked on its
		// wake channel, which is empty: a nil there tells it to return.
		for _, w := range p.idle {
			w.wake <- nil
		}
		p.idle = nil
	}
	p.mu.Unlock()
	if !first {
		return ErrClosed
	}

	p.workers.Wait()
	if p.stopEnd() {
		// end will never run. ctx may have ended all the same, seen by a
		// worker or submitter first: then the skipped Futures are Close's to
		// complete.
		p.settleSkipped()
	} else {
		// ctx has ended, so end runs or has run on its own goroutine: wait
		// for it, so that no goroutine of the pool outlives Close and every
		// skipped Future is complete when Close returns.
		<-p.endDone
	}
	return err
}

// busyLocked reports whether a task is queued or running.
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
		errs = append(errs, p.endErr)
	}
	if p.closedGo {
		errs = append(errs, ErrClosed)
	}
	p.errs, p.ctxSkipped, p.closedGo = nil, false, false
	return errors.Join(errs...)
}
