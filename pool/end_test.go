package pool_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/pool"
)

// TestEndSettlesQueue checks the end of the pool's ctx with a queue that
// holds every kind of task: Futures of Submit, of SubmitContext with a ctx of
// the caller's own (whose AfterFunc must be stopped), a Go task, and a task
// its caller's ctx already dropped, which stays in the queue, settled, and
// must not be settled again. They all fail at once, with the stubborn task
// still running, and are counted once.
func TestEndSettlesQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		p := pool.New(ctx, 1, pool.QueueSize(8))
		started := make(chan int, 1)
		release := make(chan struct{})
		stubborn := pool.Submit(p, blocker(started, release, 0))
		<-started

		callerCtx, callerCancel := context.WithCancel(context.Background())
		droppedCtx, drop := context.WithCancel(context.Background())
		queued := []*pool.Future[int]{
			pool.Submit(p, returns(1)),
			pool.SubmitContext(callerCtx, p, returns(2)),
		}
		dropped := pool.SubmitContext(droppedCtx, p, returns(3))
		queued = append(queued, pool.Submit(p, returns(4)))
		p.Go(func(context.Context) error { t.Error("a skipped Go task ran"); return nil })
		drop()
		if _, err := dropped.Wait(); err != context.Canceled {
			t.Errorf("dropped task: got %v, want context.Canceled", err)
		}

		<-ctx.Done() // the deadline, on synctest's clock
		synctest.Wait()
		for i, f := range queued {
			if v, err, ok := f.TryWait(); !ok || err != context.DeadlineExceeded {
				t.Errorf("queued task %d: got %d, %v, %v; want a Future failed with DeadlineExceeded", i, v, err, ok)
			}
		}
		if done(stubborn) {
			t.Error("the stubborn task completed before its release")
		}
		want := pool.Stats{Submitted: 6, Running: 1, Skipped: 5}
		checkStats(t, p, want)
		callerCancel() // its AfterFunc was stopped: nothing happens
		synctest.Wait()
		checkStats(t, p, want)

		close(release)
		err := p.Wait()
		if diff := cmp.Diff([]error{context.DeadlineExceeded}, flatten(err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("Wait: want ctx's error once (-want +got):\n%s", diff)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkStats(t, p, pool.Stats{Submitted: 6, Completed: 1, Skipped: 5})
	})
}

// lateCtx is a context whose AfterFuncs run only when the test says, long
// after Done is closed: it holds open the moment, short with a context of
// the standard library, in which the pool's ctx has ended and the AfterFunc
// of New has not run yet.
type lateCtx struct {
	context.Context // Background, for Deadline and Value
	done            chan struct{}

	mu    sync.Mutex
	funcs []func()
}

func newLateCtx() *lateCtx {
	return &lateCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *lateCtx) Done() <-chan struct{} { return c.done }

func (c *lateCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// AfterFunc is what context.AfterFunc calls on a parent that has it.
func (c *lateCtx) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.funcs = append(c.funcs, f)
	return func() bool { return true } // f's own stop keeps it from acting
}

// runLate runs the AfterFuncs, as a late context.Context would.
func (c *lateCtx) runLate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.funcs {
		f()
	}
}

// TestCloseSettlesWhenEndIsLate checks that when the pool's ctx has ended
// but Close stops New's AfterFunc before it runs, the queue that a worker set
// aside is failed by Close, and every Future is complete when Close returns.
func TestCloseSettlesWhenEndIsLate(t *testing.T) {
	ctx := newLateCtx()
	p := pool.New(ctx, 1, pool.QueueSize(4))
	started := make(chan struct{})
	running := pool.Submit(p, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	queued := []*pool.Future[int]{pool.Submit(p, returns(1)), pool.Submit(p, returns(2))}
	close(ctx.done)
	// The worker sees the end when its task returns and sets the queue aside.
	errIs(t, "Wait", p.Wait(), context.Canceled)
	checkStats(t, p, pool.Stats{Submitted: 3, Completed: 1, Failed: 1, Skipped: 2})
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for i, f := range append(queued, running) {
		if _, err, ok := f.TryWait(); !ok || err != context.Canceled {
			t.Errorf("task %d after Close: got %v, %v; want a Future failed with context.Canceled", i, err, ok)
		}
	}
	ctx.runLate()
}

// endingCtx is a caller's ctx that ends with the pool's, and whose Err, the
// moment it is asked, ends the pool's ctx: the cancel lands between the
// pool's look at its own ctx and its look at the caller's.
type endingCtx struct {
	context.Context // the pool's
	endPool         context.CancelFunc
}

func (c endingCtx) Err() error {
	c.endPool()
	return c.Context.Err()
}

// TestSubmitContextAtPoolEnd checks that a task whose caller's ctx ends
// with the pool's, as the pool's ends, is counted as skipped, as every task
// offered to an ended pool is, and not as given up by its caller.
func TestSubmitContextAtPoolEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1)
	defer p.Close()
	f := pool.SubmitContext(endingCtx{ctx, cancel}, p, returns(1))
	if _, err := f.Wait(); err != context.Canceled {
		t.Errorf("Future: got %v, want context.Canceled", err)
	}
	errIs(t, "Wait", p.Wait(), context.Canceled)
	checkStats(t, p, pool.Stats{Submitted: 1, Skipped: 1})
}

// TestBlockedSubmitContextAtPoolEnd checks the same for a SubmitContext
// blocked on the full queue, with the pool's ctx as its own: it wakes for
// the end of its ctx before the pool's AfterFunc has run (here, it runs
// late), and must find the pool ended.
func TestBlockedSubmitContextAtPoolEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := newLateCtx()
		p := pool.New(ctx, 1, pool.QueueSize(0))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 0))
		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.SubmitContext(ctx, p, returns(1)) }()
		synctest.Wait() // the submitter waits for room
		close(ctx.done)
		if _, err := (<-submitted).Wait(); err != context.Canceled {
			t.Errorf("Future: got %v, want context.Canceled", err)
		}
		close(release)
		errIs(t, "Wait", p.Wait(), context.Canceled)
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 1, Skipped: 1})
		p.Close()
		ctx.runLate()
	})
}
