package pool

import "context"

// This file holds nested work: a task that submits to its own pool and waits
// for the result. When every worker does it, a pool deadlocks: the submits
// block on the full queue, or the awaited tasks wait in the queue for a
// worker that never comes. A task that passes its own ctx tells the pool who
// calls, and the pool runs the child on the caller's goroutine instead.
//
// The rest of the pool knows nested work only through: mark, which makes a
// task's ctx known; owns, which knows it again; acceptsChildLocked and
// runsInline, for submit's decisions while Close drains and on a full
// queue; runInline, which runs a task on the calling goroutine, counted as
// running already; and runQueued, which WaitContext calls to take an
// awaited task out of the queue (claimLocked) and run it inline.

// poolKey is the context key under which a task's ctx holds its pool.
type poolKey struct{}

// mark returns ctx marked as the ctx of a task of p's: it, and every ctx
// derived from it, is one that owns knows.
func (p *Pool) mark(ctx context.Context) context.Context {
	return context.WithValue(ctx, poolKey{}, p)
}

// owns reports whether ctx is, or derives from, the ctx of a task of p. A
// nil ctx (Submit's and Go's) is not.
func (p *Pool) owns(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	q, _ := ctx.Value(poolKey{}).(*Pool)
	return q == p
}

// acceptsChildLocked reports whether the pool, not open any more, accepts a
// task submitted with cctx: while Close drains, a task that Close waits for
// may still add its children with its own ctx; they are part of the work
// that Close drains. Nothing gets in once the drain is over: the workers
// are gone.
func (p *Pool) acceptsChildLocked(cctx context.Context) bool {
	return p.phase == draining && p.owns(cctx)
}

// runsInline reports whether a submitter with cctx that finds the queue
// full runs its task itself rather than wait: a task of p's does, since
// waiting could deadlock when every worker does it.
func (p *Pool) runsInline(cctx context.Context) bool {
	return p.owns(cctx)
}

// runInline runs t, counted as running already, on the calling goroutine:
// that of a task of p's whose ctx is caller. t was submitted to the full
// queue with caller, or claimed by runQueued.
func (p *Pool) runInline(t task, caller context.Context) {
	p.finish(nil, t, p.run(t, nil, caller))
}

// runQueued runs t at once on the calling goroutine if ctx is the ctx of a
// task of p's that has not ended and t is still queued, and reports whether
// it did. A task whose SubmitContext ctx has ended is skipped instead.
func (p *Pool) runQueued(ctx context.Context, t task) bool {
	if !p.owns(ctx) || ctx.Err() != nil {
		return false
	}
	p.mu.Lock()
	p.observeEndLocked()
	claimed := p.claimLocked(t.state())
	admitted := p.admitLocked(nil) // the room t left
	p.checkDrainedLocked()
	p.mu.Unlock()
	admitted.release()
	if claimed {
		p.runInline(t, ctx)
	}
	return claimed
}
