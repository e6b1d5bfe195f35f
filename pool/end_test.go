package pool_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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
		_, err := dropped.Wait()
		errSkipped(t, "dropped task", err, "the caller's", context.Canceled)

		<-ctx.Done() // the deadline, on synctest's clock
		synctest.Wait()
		for i, f := range queued {
			_, ok, err := f.TryWait()
			if !ok {
				t.Errorf("queued task %d: not complete at the end", i)
			}
			errSkipped(t, fmt.Sprintf("queued task %d", i), err, "the pool's", context.DeadlineExceeded)
		}
		if done(stubborn) {
			t.Error("the stubborn task completed before its release")
		}
		stats := pool.Stats{Submitted: 6, Running: 1, Skipped: 5}
		checkStats(t, p, stats)
		callerCancel() // its AfterFunc was stopped: nothing happens
		synctest.Wait()
		checkStats(t, p, stats)

		close(release)
		err = p.Wait()
		want := []string{"pool: the pool's context ended: context deadline exceeded"}
		if diff := cmp.Diff(want, messages(err)); diff != "" {
			t.Errorf("Wait: want ctx's error once (-want +got):\n%s", diff)
		}
		errIs(t, "Wait", err, context.DeadlineExceeded)
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
	for i, f := range queued {
		_, ok, err := f.TryWait()
		if !ok {
			t.Errorf("queued task %d: not complete after Close", i)
		}
		errSkipped(t, fmt.Sprintf("queued task %d", i), err, "the pool's", context.Canceled)
	}
	if _, err := running.Wait(); err != context.Canceled {
		t.Errorf("running task: got %v, want its ctx's error context.Canceled", err)
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
	_, err := pool.SubmitContext(endingCtx{ctx, cancel}, p, returns(1)).Wait()
	errSkipped(t, "Future", err, "the pool's", context.Canceled)
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
		_, err := (<-submitted).Wait()
		errSkipped(t, "Future", err, "the pool's", context.Canceled)
		close(release)
		errIs(t, "Wait", p.Wait(), context.Canceled)
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 1, Skipped: 1})
		p.Close()
		ctx.runLate()
	})
}

// TestContextEnd checks what the end of the pool's ctx does: running tasks
// see their ctx canceled, queued tasks never start and fail at once (even
// while a stubborn task keeps its worker), blocked submitters return, and
// later calls fail without blocking.
func TestContextEnd(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, func())
		want error
	}{
		{"cancel", func() (context.Context, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			// Wait for the deadline on synctest's clock, which moves only
			// when every goroutine of the bubble is blocked.
			return ctx, func() { <-ctx.Done(); cancel() }
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, end := tt.ctx()
				p := pool.New(ctx, 2, pool.QueueSize(2))
				defer p.Close()
				started := make(chan int, 2)
				release := make(chan struct{})
				var ran atomic.Int64
				honest := pool.Submit(p, func(ctx context.Context) (int, error) {
					started <- 0
					<-ctx.Done()
					return 0, ctx.Err()
				})
				stubborn := pool.Submit(p, blocker(started, release, 1))
				<-started
				<-started
				queued := pool.Submit(p, func(context.Context) (int, error) { ran.Add(1); return 2, nil })
				p.Go(func(context.Context) error { ran.Add(1); return nil })
				submitted := make(chan *pool.Future[int])
				go func() { submitted <- pool.Submit(p, returns(3)) }()
				synctest.Wait()

				end()
				_, err := queued.Wait()
				errSkipped(t, "queued task", err, "the pool's", tt.want)
				_, err = (<-submitted).Wait()
				errSkipped(t, "blocked Submit", err, "the pool's", tt.want)
				if _, err := honest.Wait(); err != tt.want {
					t.Errorf("running task: got %v, want its ctx's error %v", err, tt.want)
				}
				// More than the queue holds: none may block.
				for i := range 5 {
					_, err := pool.Submit(p, returns(i)).Wait()
					errSkipped(t, "Submit after the end", err, "the pool's", tt.want)
				}
				if f, ok := pool.TrySubmit(p, returns(9)); !ok || !done(f) {
					t.Errorf("TrySubmit after the end: got %v, want true and a completed Future", ok)
				}
				p.Go(func(context.Context) error { ran.Add(1); return nil })
				if done(stubborn) {
					t.Error("the stubborn task completed before its release")
				}

				close(release)
				err = p.Wait()
				want := []string{"pool: the pool's context ended: " + tt.want.Error()}
				if diff := cmp.Diff(want, messages(err)); diff != "" {
					t.Errorf("Wait: want ctx's error once (-want +got):\n%s", diff)
				}
				errIs(t, "Wait", err, tt.want)
				if n := ran.Load(); n != 0 {
					t.Errorf("%d skipped tasks ran", n)
				}
				checkStats(t, p, pool.Stats{Submitted: 12, Completed: 2, Failed: 1, Skipped: 10})
			})
		})
	}
}
