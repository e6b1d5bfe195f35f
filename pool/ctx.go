package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/internal/nest"
)

// A taskCtx is the ctx a task's function runs with: the ctx it was added
// with (the pool's, or a caller's), carrying the slot of the worker it runs
// on (nest.go), and ending when the pool's ctx ends.
//
// Only a taskCtx is known to end with its pool's ctx: a ctx derived from
// one, by context.WithoutCancel say, may not. So a task added with a
// taskCtx of the pool's, its parent task's own, runs with it as it is, and
// any other ctx is merged with the pool's (merged).
type taskCtx struct {
	context.Context // carries the slot
	p               *Pool
	m               *merged // nil if Context ends with the pool's ctx already
}

// merged is what a taskCtx adds to a caller's ctx that may outlive the
// pool's: Context is a child of it, canceled by an AfterFunc on the pool's
// ctx, and by Err at once if the pool's ctx has ended, so that a task sees
// the end as soon as it asks, and with the pool's own error.
type merged struct {
	cancel context.CancelCauseFunc
	stop   func() bool // stops the AfterFunc
	once   sync.Once
	// err is the pool's ctx's error, set before cancel if the pool's end
	// canceled the task's ctx, and read only once its Err is not nil.
	err error
}

// runCtx returns the ctx that a task with a caller's ctx runs with on lv's
// slot.
func (p *Pool) runCtx(c *caller, lv *level) context.Context {
	cctx := c.ctx
	if p.isTaskCtx(cctx) {
		// A task's own ctx, handed to its child: it ends with the pool's.
		if p.slotOf(cctx) == lv {
			return cctx
		}
		return lv.taskCtx(cctx, nil)
	}
	if c.group != nil {
		// A group's ctx ends with the pool's already (NewGroup).
		return lv.taskCtx(cctx, nil)
	}
	// Any other caller's ctx has its lateCtx, made with the task (newFuture)
	// and released when it is settled: two allocations fewer a task, a
	// closure one of them.
	lc := c.late
	lc.lv, lc.cctx = lv, cctx
	return lc
}

// A lateCtx is the ctx of a task whose caller's ctx may outlive the pool's:
// the merge with the pool's end (a taskCtx with merged) is made only when
// the task first asks its ctx anything but its slot. A tiny task that never
// asks costs no merge: it took 40% of BenchmarkNestedMap's time.
type lateCtx struct {
	lv   *level
	cctx context.Context
	tc   atomic.Pointer[taskCtx] // the merge, once made

	mu       sync.Mutex // orders the merge with release
	released bool       // the task has returned: a merge made later is ended
}

// get returns the merge, made at the first call.
func (c *lateCtx) get() *taskCtx {
	if tc := c.tc.Load(); tc != nil {
		return tc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if tc := c.tc.Load(); tc != nil {
		return tc
	}
	m := &merged{}
	inner, cancel := context.WithCancelCause(c.cctx)
	m.cancel = cancel
	tc := c.lv.taskCtx(inner, m)
	if c.released {
		cancel(nil)
		m.stop = func() bool { return false }
	} else {
		m.stop = context.AfterFunc(c.lv.w.p.ctx, tc.poolEnded)
	}
	c.tc.Store(tc)
	return tc
}

// release ends the merge, if made, once the task has returned: taskState.wake
// calls it.
func (c *lateCtx) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	if tc := c.tc.Load(); tc != nil {
		tc.m.stop()
		tc.m.cancel(nil)
	}
}

func (c *lateCtx) Deadline() (time.Time, bool) { return c.get().Deadline() }
func (c *lateCtx) Done() <-chan struct{}       { return c.get().Done() }
func (c *lateCtx) Err() error                  { return c.get().Err() }

func (c *lateCtx) Value(key any) any {
	if nest.IsKey(key) {
		return &c.lv.slot
	}
	return c.get().Value(key)
}

// taskCtx returns the ctx of a task that runs on w's slot: ctx carrying the
// slot, with m as described at taskCtx.
func (lv *level) taskCtx(ctx context.Context, m *merged) *taskCtx {
	return &taskCtx{Context: nest.NewContext(ctx, &lv.slot), p: lv.w.p, m: m}
}

// isTaskCtx reports whether ctx is the ctx of a task of p's as the task got
// it, which ends with the pool's ctx.
func (p *Pool) isTaskCtx(ctx context.Context) bool {
	tc, ok := ctx.(*taskCtx)
	return ok && tc.p == p
}

// poolEnded cancels tc because the pool's ctx has ended, unless it has
// ended already.
func (tc *taskCtx) poolEnded() {
	tc.m.once.Do(func() {
		if tc.Context.Err() == nil {
			tc.m.err = tc.p.ctx.Err()
			tc.m.cancel(context.Cause(tc.p.ctx))
		}
	})
}

// Err returns the error of whichever ended first, the caller's ctx or the
// pool's: the pool's as soon as it has ended, before its AfterFunc has run.
func (tc *taskCtx) Err() error {
	if tc.m != nil && tc.Context.Err() == nil && tc.p.ctx.Err() != nil {
		tc.poolEnded()
	}
	err := tc.Context.Err()
	if err != nil && tc.m != nil {
		// err non-nil orders what poolEnded wrote before the cancel.
		tc.m.once.Do(func() {}) // ... and waits for poolEnded to finish
		if tc.m.err != nil {
			return tc.m.err
		}
	}
	return err
}

// Deadline returns the earlier of the caller's ctx's deadline and the
// pool's.
func (tc *taskCtx) Deadline() (time.Time, bool) {
	d, ok := tc.Context.Deadline()
	if tc.m == nil {
		return d, ok
	}
	if pd, pok := tc.p.ctx.Deadline(); pok && (!ok || pd.Before(d)) {
		return pd, true
	}
	return d, ok
}
