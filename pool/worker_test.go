package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

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
				if _, err := queued.Wait(); err != tt.want {
					t.Errorf("queued task: got %v, want %v", err, tt.want)
				}
				if _, err := (<-submitted).Wait(); err != tt.want {
					t.Errorf("blocked Submit: got %v, want %v", err, tt.want)
				}
				if _, err := honest.Wait(); err != tt.want {
					t.Errorf("running task: got %v, want its ctx's error %v", err, tt.want)
				}
				// More than the queue holds: none may block.
				for i := range 5 {
					if _, err := pool.Submit(p, returns(i)).Wait(); err != tt.want {
						t.Errorf("Submit after the end: got %v, want %v", err, tt.want)
					}
				}
				if f, ok := pool.TrySubmit(p, returns(9)); !ok || !done(f) {
					t.Errorf("TrySubmit after the end: got %v, want true and a completed Future", ok)
				}
				p.Go(func(context.Context) error { ran.Add(1); return nil })
				if done(stubborn) {
					t.Error("the stubborn task completed before its release")
				}

				close(release)
				err := p.Wait()
				if diff := cmp.Diff([]error{tt.want}, flatten(err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
					t.Errorf("Wait: want ctx's error once (-want +got):\n%s", diff)
				}
				if n := ran.Load(); n != 0 {
					t.Errorf("%d skipped tasks ran", n)
				}
				checkStats(t, p, pool.Stats{Submitted: 12, Completed: 2, Failed: 1, Skipped: 10})
			})
		})
	}
}

// TestPanic checks that a panic in a task is recovered with its stack, goes
// to the task's Future (or, for Go, to Wait), and leaves the worker serving.
func TestPanic(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, func(context.Context) (int, error) { panic("boom") })
	_, err := f.Wait()
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Future.Wait: got %v, want a *errgroupx.PanicError", err)
	}
	if pe.Value != "boom" || !strings.Contains(string(pe.Stack), "TestPanic") {
		t.Errorf("PanicError{Value: %v} has a stack without the panicking function:\n%s", pe.Value, pe.Stack)
	}
	if v, err := pool.Submit(p, returns(7)).Wait(); v != 7 || err != nil {
		t.Errorf("task after the panic: got %d, %v; want 7, nil", v, err)
	}

	errBoom := errors.New("boom")
	p.Go(func(context.Context) error { panic(errBoom) })
	err = p.Wait()
	if !errors.As(err, &pe) || !errors.Is(err, errBoom) {
		t.Errorf("Wait: got %v, want a *errgroupx.PanicError of errBoom", err)
	}
	checkStats(t, p, pool.Stats{Submitted: 3, Completed: 3, Failed: 2})
}

// TestPanicNilUnderGODEBUG checks that with GODEBUG=panicnil=1, under which
// panic(nil) is recovered as nil, the panic still fails its task once and the
// worker goes on serving.
func TestPanicNilUnderGODEBUG(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1") // read again by the runtime when set
	p := pool.New(context.Background(), 1)
	defer p.Close()
	_, err := pool.Submit(p, func(context.Context) (int, error) { panic(nil) }).Wait()
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) || pe.Value != nil {
		t.Fatalf("Future.Wait: got %v, want a *errgroupx.PanicError of nil", err)
	}
	if v, err := pool.Submit(p, returns(7)).Wait(); v != 7 || err != nil {
		t.Errorf("task after the panic: got %d, %v; want 7, nil", v, err)
	}
	checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2, Failed: 1})
}

// TestGoexit checks that a task calling runtime.Goexit fails with ErrGoexit,
// its worker is replaced, and the tasks queued behind it still run.
func TestGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(4))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 0))
		exited := pool.Submit(p, func(context.Context) (int, error) { runtime.Goexit(); return 1, nil })
		p.Go(func(context.Context) error { runtime.Goexit(); return nil })
		after := pool.Submit(p, returns(3))
		close(release)
		if _, err := exited.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("Future.Wait: got %v, want ErrGoexit", err)
		}
		if v, err := after.Wait(); v != 3 || err != nil {
			t.Errorf("task after the Goexit: got %d, %v; want 3, nil", v, err)
		}
		errIs(t, "Close", p.Close(), errgroupx.ErrGoexit)
		checkStats(t, p, pool.Stats{Submitted: 4, Completed: 4, Failed: 2})
	})
}

// TestGoexitEveryTask checks that a pool whose every task calls Goexit keeps
// its workers and loses no task.
func TestGoexitEveryTask(t *testing.T) {
	p := pool.New(context.Background(), 2, pool.QueueSize(1))
	futures := make([]*pool.Future[int], 100)
	for i := range futures {
		futures[i] = pool.Submit(p, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	}
	for i, f := range futures {
		if _, err := f.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("task %d: got %v, want ErrGoexit", i, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkStats(t, p, pool.Stats{Submitted: 100, Completed: 100, Failed: 100})
}
