package pool_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		f    func()
	}{
		{"nil ctx", "pool: New called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			pool.New(nil, 1)
		}},
		{"negative queue size", "pool: New called with QueueSize(-1)", func() {
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
					Blocked:   1,
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
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 2, Running: 1, Blocked: 1})

		if _, ok := pool.TrySubmit(p, returns(5)); ok {
			t.Error("TrySubmit on a full queue reported true")
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 2, Running: 1, Blocked: 1})

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
		checkStats(t, p, pool.Stats{Submitted: 1, Running: 1, Blocked: 1})
		close(release)
		if v, err := (<-submitted).Wait(); v != 3 || err != nil {
			t.Errorf("got %d, %v; want 3, nil", v, err)
		}
		p.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2})
	})
}

// TestStats checks each counter through a pool's life: tasks queued and
// running, completed and failed, then skipped when ctx ends, and refused
// (uncounted) once the pool is closed.
func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2, pool.QueueSize(3))
		checkStats(t, p, pool.Stats{})

		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 0))
		pool.Submit(p, fails(errors.New("x")))
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Running: 1, Completed: 1, Failed: 1})

		pool.Submit(p, blocker(nil, release, 0))
		for range 3 {
			p.Go(func(context.Context) error { return nil })
		}
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 6, Queued: 3, Running: 2, Completed: 1, Failed: 1})

		cancel()
		p.Go(func(context.Context) error { return nil })
		checkStats(t, p, pool.Stats{Submitted: 7, Running: 2, Completed: 1, Failed: 1, Skipped: 4})

		close(release)
		if err := p.Close(); !errors.Is(err, context.Canceled) {
			t.Errorf("Close: got %v, want context.Canceled", err)
		}
		pool.Submit(p, returns(1))
		p.Go(func(context.Context) error { return nil })
		checkStats(t, p, pool.Stats{Submitted: 7, Completed: 3, Failed: 1, Skipped: 4})
	})
}

// TestStatsInvariant reads Stats while tasks come and go: every snapshot
// must keep the invariant.
func TestStatsInvariant(t *testing.T) {
	p := pool.New(context.Background(), 4, pool.QueueSize(2))
	stop := make(chan struct{})
	checked := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				checked <- n
				return
			default:
				checkInvariant(t, p.Stats())
				n++
			}
		}
	}()
	for i := range 2000 {
		if i%2 == 0 {
			pool.Submit(p, returns(i))
		} else {
			p.Go(func(context.Context) error { return nil })
		}
	}
	p.Wait()
	close(stop)
	<-checked
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkStats(t, p, pool.Stats{Submitted: 2000, Completed: 2000})
}
