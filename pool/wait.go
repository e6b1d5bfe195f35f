package pool

import "errors"

// Wait blocks until no task is queued or running, and returns the errors of
// the tasks added with [Pool.Go] that finished since the previous Wait (or
// Close), joined with [errors.Join]. If tasks were skipped because the pool's
// context ended, the context's error is joined once; if Go was called after
// Close, [ErrClosed] is joined once. Errors of tasks added with [Submit] go to
// their Futures only.
//
// When Wait returns, the Futures of the tasks that ran are complete and
// [Pool.Stats] counts them. The Futures of tasks skipped because the pool's
// context ended are counted, and complete promptly, but perhaps a moment
// after Wait returns: the pool fails them outside its lock, so that a cancel
// with a million tasks queued does not hold Wait for as long as that takes.
// [Pool.Close] returns after they have all completed.
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
// room in the queue when it began, is refused with [ErrClosed]; only a task
// being drained may still add tasks, with [SubmitContext] and its own ctx.
//
// When Close returns, every task's Future is complete, skipped ones too.
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
	for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
		p.refuseLocked(t)
		w.wake <- struct{}{}
	}
	for p.busyLocked() {
		p.drained.Wait()
	}
	err := p.takeErrLocked()
	p.shut = true
	// With nothing queued or running every worker is idle, parked on its
	// wake channel, which is empty: a nil there tells it to return.
	for _, w := range p.idle {
		w.wake <- nil
	}
	p.idle = nil
	p.mu.Unlock()

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
