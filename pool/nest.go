package pool

import (
	"context"

	"github.com/fanout-go/fanout/internal/nest"
)

// This file holds nested work: a task that adds tasks to its own pool, waits
// for them, or hands its ctx to goroutines that do.
//
// Each worker owns a slot (internal/nest): the right to run a task. The
// goroutine that runs a task holds its worker's slot, and every task's ctx
// carries the slot it runs under. So the pool knows a task's own calls, and
// those of every goroutine the task hands its ctx to, from any other
// caller's:
//
//   - They never block on the full queue: what they add waits beyond
//     QueueSize (submit), since waiting for room could deadlock when every
//     worker does it.
//   - A task that blocks in a wait of fanout's (WaitContext here, Group.Wait,
//     a mapx call, an errgroupx group's Wait) lends its slot for as long as
//     it waits, and one goroutine at a time that carries the slot may borrow
//     it to run a queued task inline (waitNested). The holder itself runs the
//     task it waits for inline if that is still queued.
//
// So a worker runs one task function at a time that is not blocked in such a
// wait, however many goroutines its task has: the bound holds, and no worker
// waits for a task that no worker will run.
//
// The rest of the pool knows nested work only through: slotOf, which finds
// the worker whose slot a ctx carries; acceptsChildLocked, for submit's
// decision while Close drains; runCtx (ctx.go), the ctx a task runs with on
// a slot; and waitNested.

// slotOf returns the worker of p's whose slot ctx carries, or nil: ctx is
// not a task's of p's, nor handed down from one. A nil ctx (Submit's and
// Go's) is not.
func (p *Pool) slotOf(ctx context.Context) *worker {
	if ctx == nil {
		return nil
	}
	s := nest.FromContext(ctx)
	if s == nil {
		return nil
	}
	if w, ok := s.Owner.(*worker); ok && w.p == p {
		return w
	}
	return nil
}

// acceptsChildLocked reports whether the pool, not open any more, accepts a
// task submitted with a ctx that carries the slot of on (slotOf; nil if
// none): while Close drains, a task that Close waits for may still add its
// children with its own ctx; they are part of the work that Close drains.
// Nothing gets in once the drain is over: the workers are gone.
func (p *Pool) acceptsChildLocked(on *worker) bool {
	return p.phase == draining && on != nil
}

// waitNested waits until the task t of p's completes, for a caller whose
// ctx carries the slot of p's worker on, and reports whether t completed: it
// returns false only if giveUp and ctx ends first.
//
// A caller that holds the slot runs t at once on its goroutine if t is still
// queued; otherwise it lends the slot while it waits, and takes it back
// before it returns. A caller that does not hold it borrows it, when it
// comes free, to run t if t is still queued.
func (p *Pool) waitNested(ctx context.Context, t task, on *worker, giveUp bool) bool {
	s := t.state()
	var gaveUp <-chan struct{}
	if giveUp {
		gaveUp = ctx.Done()
	}
	// settled waits for t to complete, or for ctx to end if giveUp.
	settled := func() bool {
		select {
		case <-s.doneChan():
			return true
		case <-gaveUp:
			return s.completed()
		}
	}
	if on.slot.Holds() {
		if (!giveUp || ctx.Err() == nil) && p.runQueued(t, on, ctx) {
			return true
		}
		takeBack := on.slot.Lend()
		defer takeBack()
		return settled()
	}
	for {
		if giveUp && ctx.Err() != nil {
			return s.completed()
		}
		if on.slot.TryBorrow() {
			if p.runBorrowed(t, on, ctx) {
				return true
			}
			// Taken by a worker, or by another borrower: it runs, or ran.
			return settled()
		}
		select {
		case <-s.doneChan():
			return true
		case <-gaveUp:
			return s.completed()
		case <-on.slot.Freed():
		}
	}
}

// runBorrowed is runQueued on w's slot, which the caller has borrowed: it
// gives the slot back when t returns, also if t calls runtime.Goexit.
func (p *Pool) runBorrowed(t task, w *worker, caller context.Context) bool {
	defer w.slot.Return()
	return p.runQueued(t, w, caller)
}

// runQueued runs t on the calling goroutine, on w's slot, which the caller
// holds or has borrowed, if t is still queued, and reports whether it did.
// A task whose SubmitContext ctx has ended is skipped instead. caller is the
// calling goroutine's ctx: its labels are set back when t returns.
func (p *Pool) runQueued(t task, w *worker, caller context.Context) bool {
	p.mu.Lock()
	p.observeEndLocked()
	claimed := p.claimLocked(t.state())
	admitted := p.admitLocked(nil) // the room t left
	p.checkDrainedLocked()
	p.mu.Unlock()
	admitted.release()
	if claimed {
		// nil for the dying worker: if t calls runtime.Goexit, it takes the
		// caller's goroutine, whose own frames account for what it ran.
		p.finish(nil, t, p.run(t, w, true, caller))
	}
	return claimed
}
