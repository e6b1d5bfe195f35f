package pool_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/pool"
)

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		f    func()
	}{
		{"nil ctx", "pool: New called with nil Context", func() {
			pool.New(nil, 1) //nolint:staticcheck // the point of the test
		}},
		{"negative queue size", "pool: negative queue size -1", func() {
			pool.New(context.Background(), 1, pool.QueueSize(-1))
		}},
		{"nil option", "pool: New called with nil Option", func() {
			pool.New(context.Background(), 1, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantPanic(t, tt.msg, tt.f) })
	}
}

// TestWorkers checks that at most workers tasks run at once, workers <= 0
// meaning GOMAXPROCS, and that the queue holds QueueSize tasks beyond them,
// by default as many as the workers.
func TestWorkers(t *testing.T) {
	tests := []struct {
		name               string
		workers            int
		opts               []pool.Option
		wantRun, wantQueue int
	}{
		{"three", 3, nil, 3, 3},
		{"zero means GOMAXPROCS", 0, nil, runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0)},
		{"negative means GOMAXPROCS", -1, nil, runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0)},
		{"queue size", 2, []pool.Option{pool.QueueSize(5)}, 2, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), tt.workers, tt.opts...)
				release := make(chan struct{})
				var running, most atomic.Int64
				task := func(context.Context) error {
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					<-release
					running.Add(-1)
					return nil
				}
				// One more than fits: the last Go blocks on the full queue.
				total := tt.wantRun + tt.wantQueue + 1
				for range total - 1 {
					p.Go(task)
				}
				go p.Go(task)
				synctest.Wait()
				checkStats(t, p, pool.Stats{
					Submitted: int64(total - 1),
					Queued:    int64(tt.wantQueue),
					Running:   int64(tt.wantRun),
				})
				close(release)
				synctest.Wait() // the blocked Go has got its room
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				if got := most.Load(); got != int64(tt.wantRun) {
					t.Errorf("at most %d tasks ran at once, want %d", got, tt.wantRun)
				}
				checkStats(t, p, pool.Stats{Submitted: int64(total), Completed: int64(total)})
			})
		})
	}
}

func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(2))
		defer p.Close()
		release := make(chan struct{})
		first := pool.Submit(p, blocker(nil, release, 1))
		pool.Submit(p, returns(2))
		pool.Submit(p, returns(3))

		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.Submit(p, returns(4)) }()
		synctest.Wait() // the fourth Submit is blocked, or has returned
		select {
		case <-submitted:
			t.Fatal("Submit returned on a full queue")
		default:
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 2, Running: 1})

		if _, ok := pool.TrySubmit(p, returns(5)); ok {
			t.Error("TrySubmit on a full queue reported true")
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 2, Running: 1})

		close(release)
		if v, err := (<-submitted).Wait(); v != 4 || err != nil {
			t.Errorf("blocked Submit's task: got %d, %v; want 4, nil", v, err)
		}
		if v, err := first.Wait(); v != 1 || err != nil {
			t.Errorf("first task: got %d, %v; want 1, nil", v, err)
		}
		if err := p.Wait(); err != nil {
			t.Errorf("Wait: %v", err)
		}
		checkStats(t, p, pool.Stats{Submitted: 4, Completed: 4})
	})
}

// TestQueueSizeZero checks that with no waiting room a task goes straight to
// an idle worker, and Submit blocks until one is free.
func TestQueueSizeZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(0))
		defer p.Close()
		release := make(chan struct{})
		started := make(chan int, 1)
		pool.Submit(p, blocker(started, release, 1))
		<-started
		if _, ok := pool.TrySubmit(p, returns(2)); ok {
			t.Error("TrySubmit with a busy worker and QueueSize(0) reported true")
		}
		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.Submit(p, returns(3)) }()
		synctest.Wait()
		select {
		case <-submitted:
			t.Fatal("Submit returned while the only worker was busy")
		default:
		}
		checkStats(t, p, pool.Stats{Submitted: 1, Running: 1})
		close(release)
		if v, err := (<-submitted).Wait(); v != 3 || err != nil {
			t.Errorf("got %d, %v; want 3, nil", v, err)
		}
		p.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2})
	})
}

func TestWaitErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2)
		defer p.Close()
		errA, errB, errSubmit := errors.New("a"), errors.New("b"), errors.New("submit")
		p.Go(func(context.Context) error { return errA })
		p.Go(func(context.Context) error { return nil })
		p.Go(func(context.Context) error { return errB })
		f := pool.Submit(p, fails(errSubmit))
		err := p.Wait()
		errIs(t, "Wait", err, errA)
		errIs(t, "Wait", err, errB)
		if errors.Is(err, errSubmit) {
			t.Errorf("Wait returned %v, which holds a Submit task's error", err)
		}
		if _, err := f.Wait(); err != errSubmit {
			t.Errorf("Future.Wait: got %v, want %v", err, errSubmit)
		}
		if n := len(flatten(err)); n != 2 {
			t.Errorf("Wait joined %d errors, want 2: %v", n, err)
		}
		// Only the errors since the previous Wait.
		p.Go(func(context.Context) error { return nil })
		if err := p.Wait(); err != nil {
			t.Errorf("second Wait: %v, want nil", err)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 3})
	})
}

func TestCloseDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(3))
		release := make(chan struct{})
		var canceled atomic.Int64
		futures := make([]*pool.Future[int], 4)
		for i := range futures {
			futures[i] = pool.Submit(p, func(ctx context.Context) (int, error) {
				<-release
				if ctx.Err() != nil {
					canceled.Add(1)
				}
				return i, nil
			})
		}
		p.Go(func(context.Context) error { return errors.New("from Go") })
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait() // Close has begun and waits for the tasks
		select {
		case <-closed:
			t.Fatal("Close returned before its tasks finished")
		default:
		}
		if _, err := pool.Submit(p, returns(9)).Wait(); err != pool.ErrClosed {
			t.Errorf("Submit during Close: got %v, want ErrClosed", err)
		}
		close(release)
		if err := <-closed; err == nil || err.Error() != "from Go" {
			t.Errorf("Close: got %v, want the Go task's error", err)
		}
		for i, f := range futures {
			if !done(f) {
				t.Errorf("future %d not complete when Close returned", i)
			} else if v, err := f.Wait(); v != i || err != nil {
				t.Errorf("future %d: got %d, %v", i, v, err)
			}
		}
		if n := canceled.Load(); n != 0 {
			t.Errorf("%d tasks saw their ctx canceled by Close", n)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 1})

		if err := p.Close(); err != pool.ErrClosed {
			t.Errorf("second Close: got %v, want ErrClosed", err)
		}
		f, ok := pool.TrySubmit(p, returns(1))
		if _, err := f.Wait(); !ok || err != pool.ErrClosed {
			t.Errorf("TrySubmit after Close: got %v, %v; want true, ErrClosed", ok, err)
		}
		p.Go(func(context.Context) error { return nil })
		p.Go(func(context.Context) error { return nil })
		err := p.Wait()
		if diff := cmp.Diff([]error{pool.ErrClosed}, flatten(err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("Wait after Go on a closed pool (-want +got):\n%s", diff)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 1})
	})
}

// TestCloseRefusesBlockedSubmit checks that a Submit blocked on the full
// queue when Close begins gets ErrClosed, and is not counted.
func TestCloseRefusesBlockedSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		queued := pool.Submit(p, returns(2))
		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.Submit(p, returns(3)) }()
		synctest.Wait()
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		blocked := <-submitted // refused without waiting for the drain
		if _, err := blocked.Wait(); err != pool.ErrClosed {
			t.Errorf("blocked Submit: got %v, want ErrClosed", err)
		}
		close(release)
		if err := <-closed; err != nil {
			t.Errorf("Close: %v", err)
		}
		if v, err := queued.Wait(); v != 2 || err != nil {
			t.Errorf("queued task: got %d, %v; want 2, nil", v, err)
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2})
	})
}
