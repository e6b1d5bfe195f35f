package pool

import (
	"errors"
	"runtime"
)

// This file holds the pool's life after New: the end of its ctx, Wait and
// Close. They alone change phase and ended (see Pool).

func (p *Pool) ctxDone() bool {
	if p.done == nil {
		return false // a ctx that never ends
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// observeEndLocked ends the pool if its ctx has ended, before end's
// AfterFunc does: called before deciding on the queue, so that the end
// takes effect at once.
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

// endLocked skips every queued task and every blocked submitter's task. The
// queue's are counted now but completed outside mu (settleSkipped): a
// million Futures completed here held everyone on mu for tens of ms.
func (p *Pool) endLocked() {
	p.ended = true
	p.endErr = skipError("the pool's", p.ctx)
	if p.stats.Queued > 0 {
		p.stats.Skipped += p.stats.Queued
		p.stats.Queued = 0
		p.ctxSkipped = true
	}
	p.skipped = p.queue.Drain() // the keys out stay, for doneLocked
	for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
		p.stats.Submitted++
		p.skipLocked(t)
		w.release()
	}
	p.checkDrainedLocked()
}

// skipLocked counts the accepted t as skipped by the pool's end, and fails it.
func (p *Pool) skipLocked(t task) {
	p.stats.Skipped++
	p.ctxSkipped = true
	if s := t.state(); s != nil {
		p.completeLocked(s, p.endErr)
	}
}

// settleSkipped completes, outside mu, the Futures that endLocked set aside
// and no one else touches: end does it, or Close if it stopped end. Taking
// mu orders what was written under it.
func (p *Pool) settleSkipped() {
	p.mu.Lock()
	q, err := p.skipped, p.endErr
	p.skipped = nil
	p.mu.Unlock()
	if q == nil {
		return
	}
	i := 0
	for t := range q {
		if i++; i%1024 == 0 {
			// Let the workers and Wait, woken by the same cancel, go: every
			// 1024 (~30 µs) was fastest for both with a million queued.
			runtime.Gosched()
		}
		s := t.state()
		if s == nil || !s.queued {
			continue // a Go task (Wait reports the end once), or a dead one
		}
		s.stopDrop() // a drop too late finds the pool ended
		if s.settle(err) && s.parked.Load() {
			p.mu.Lock()
			p.wakeLocked(s)
			p.mu.Unlock()
		}
	}
}

// refuseLocked fails t with ErrClosed, uncounted; for a Go task, Close's or
// the next Wait's error holds ErrClosed.
func (p *Pool) refuseLocked(t task) {
	if s := t.state(); s != nil {
		p.completeLocked(s, ErrClosed)
		if !s.toWait {
			return
		}
	}
	p.closedGo = true
}

// Wait blocks until no task is queued or running, and returns the errors of
// the tasks added with [Pool.Go] or [Pool.GoContext] that finished since the
// previous Wait or Close, joined with [errors.Join]; once, an error wrapping
// [ErrPoolEnded] if tasks were skipped by the pool's end, and [ErrClosed] if
// Go was refused. The return of every task that ran synchronizes before
// Wait's return; Futures of skipped tasks complete promptly, perhaps just
// after. Wait panics if called from a task of the same pool, which would
// wait for itself.
func (p *Pool) Wait() error {
	p.panicOnOwnGoroutine("Wait")
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busyLocked() {
		p.drained.Wait()
	}
	return p.takeErrLocked()
}

// Close stops the pool from accepting tasks, waits for every queued and
// running task to finish without canceling them, ends the workers, and
// returns what [Pool.Wait] would. A task added after Close began, or still
// blocked on the full queue then, is refused with [ErrClosed]; only the
// tasks being drained may still add children. When Close returns, every
// Future is complete and no goroutine of the pool is left. Later calls
// return ErrClosed at once. To stop now rather than drain, cancel the pool's
// context. Close panics if called from a task of the same pool.
func (p *Pool) Close() error {
	p.panicOnOwnGoroutine("Close")
	p.mu.Lock()
	if p.phase != open {
		p.mu.Unlock()
		return ErrClosed
	}
	p.phase = draining
	for w, t := p.popWaiterLocked(); w != nil; w, t = p.popWaiterLocked() {
		if w.checking {
			// Maybe a task's child: its submitter finds out (await).
			w.closed = t
			p.handedBack++
			w.wake <- false // it has room
			continue
		}
		p.refuseLocked(t)
		w.release()
	}
	for p.busyLocked() || p.handedBack > 0 {
		p.drained.Wait()
	}
	err := p.takeErrLocked()
	p.phase = shut
	// Nothing queued or running: every worker is parked.
	idle := p.idle
	p.idle = nil
	for _, w := range idle {
		p.retireLocked(w)
	}
	if p.reaper != nil && p.reaper.Stop() {
		p.goroutines.Done() // reap will not run; if it runs, it finds no one
	}
	p.mu.Unlock()
	for _, w := range idle {
		w.wake <- nil
	}

	p.goroutines.Wait()
	if p.stopEnd() {
		// end will never run, though ctx may have ended, seen under mu.
		p.settleSkipped()
	} else {
		<-p.endDone // no goroutine of the pool outlives Close
	}
	return err
}

func (p *Pool) busyLocked() bool { return p.stats.Queued+p.stats.Running > 0 }

// checkDrainedLocked wakes Wait and Close if no task is queued or running.
func (p *Pool) checkDrainedLocked() {
	if !p.busyLocked() {
		p.drained.Broadcast()
	}
}

// takeErrLocked returns, and forgets, what Wait returns.
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
