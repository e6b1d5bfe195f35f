package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/internal/nest"
)

// A taskCtx is a task's ctx: the ctx it was added with, carrying its
// level's slot, and ending with the pool's ctx. Only a taskCtx is known to
// end with the pool's (one derived by context.WithoutCancel may not): a
// child added with its parent's runs with it as it is, and any other ctx is
// merged with the pool's.
type taskCtx struct {
	context.Context // carries the slot
	p               *Pool
	m               *merged // nil if Context ends with the pool's ctx already
}

// merged ends a caller's ctx with the pool's: Context is a child of it,
// canceled by an AfterFunc on the pool's ctx, or by Err at once, so a task
// sees the end as soon as it asks, with the pool's error.
type merged struct {
	cancel context.CancelCauseFunc
	stop   func() bool // stops the AfterFunc
	once   sync.Once
	err    error // the pool's ctx's error, if that canceled; read once Err is not nil
}

// runCtx returns the ctx that a task with a caller's ctx runs with on lv's
// slot.
func (p *Pool) runCtx(c *caller, lv *level) context.Context {
	cctx := c.ctx
	if p.isTaskCtx(cctx) { // a parent's: it ends with the pool's
		if p.slotOf(cctx) == lv {
			return cctx
		}
		return lv.taskCtx(cctx, nil)
	}
	if c.group != nil { // ends with the pool's (NewGroup)
		return lv.taskCtx(cctx, nil)
	}
	// Made with the task (newFuture): two allocations fewer a task.
	lc := c.late
	lc.lv, lc.cctx = lv, cctx
	return lc
}

// A lateCtx is the ctx of a task whose caller's ctx may outlive the pool's:
// the merge is made only once the task asks anything but its slot. A merge
// per task took 40% of BenchmarkNestedMap's time.
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

// release ends the merge, if made, once the task has completed (settle).
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

// taskCtx returns ctx carrying lv's slot, merged by m if not nil.
func (lv *level) taskCtx(ctx context.Context, m *merged) *taskCtx {
	return &taskCtx{Context: nest.NewContext(ctx, &lv.slot), p: lv.w.p, m: m}
}

// isTaskCtx reports whether ctx is a task's ctx of p's, as the task got it:
// it ends with p's ctx.
func (p *Pool) isTaskCtx(ctx context.Context) bool {
	tc, ok := ctx.(*taskCtx)
	return ok && tc.p == p
}

// poolEnded cancels tc for the pool's end, unless tc has ended already.
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
		tc.m.once.Do(func() {}) // waits for poolEnded, ordering its write of m.err
		if tc.m.err != nil {
			return tc.m.err
		}
	}
	return err
}

// Deadline returns the earlier of the caller's deadline and the pool's.
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
