package pool_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/internal/nest"
	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// New starts no goroutine; workers start as tasks come, never more than the
// bound, and leave after the idle timeout; none is left when Close returns.
func TestWorkersComeAndGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := runtime.NumGoroutine()
		p := pool.New(context.Background(), 4, pool.IdleTimeout(time.Minute))
		if n := runtime.NumGoroutine(); n != before {
			t.Fatalf("New started %d goroutines", n-before)
		}
		checkStats(t, p, pool.Stats{})
		release := make(chan struct{})
		for i := range 10 {
			if i < 8 {
				p.Go(func(context.Context) error { <-release; return nil })
			} else {
				go p.Go(func(context.Context) error { <-release; return nil }) // blocks
			}
		}
		synctest.Wait()
		if s := p.Stats(); s.Workers != 4 || s.Running != 4 || s.Queued != 4 || s.Blocked != 2 {
			t.Errorf("Stats %+v: want 4 workers running 4 tasks, 4 queued, 2 blocked", s)
		}
		close(release)
		p.Wait()
		if s := p.Stats(); s.Workers != 4 {
			t.Errorf("%d workers alive just after the work, want 4 idle", s.Workers)
		}
		time.Sleep(time.Minute - time.Second)
		synctest.Wait()
		if s := p.Stats(); s.Workers != 4 {
			t.Errorf("%d workers alive within the idle timeout, want 4", s.Workers)
		}
		time.Sleep(time.Minute + time.Second) // twice the timeout: its slack
		synctest.Wait()
		if s := p.Stats(); s.Workers != 0 {
			t.Errorf("%d workers alive after the idle timeout, want 0", s.Workers)
		}
		if n := runtime.NumGoroutine(); n != before {
			t.Errorf("%d goroutines of the pool left after the idle timeout", n-before)
		}
		// Work after that starts workers again.
		if v, err := pool.Submit(p, returns(5)).Wait(); v != 5 || err != nil {
			t.Errorf("after the idle workers left: %d, %v", v, err)
		}
		p.Close()
		if n := runtime.NumGoroutine(); n != before {
			t.Errorf("%d goroutines of the pool left after Close", n-before)
		}
	})
}

// IdleTimeout(0) lets a worker leave as soon as the queue is empty.
func TestIdleTimeoutZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.IdleTimeout(0))
		defer p.Close()
		p.Go(func(context.Context) error { return nil })
		p.Wait()
		synctest.Wait()
		if s := p.Stats(); s.Workers != 0 {
			t.Errorf("%d workers stayed with IdleTimeout(0)", s.Workers)
		}
	})
}

// Growing starts workers for the queued tasks at once; shrinking lets the
// running ones finish and starts no task while the new bound or more run.
func TestResize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(100))
		defer p.Close()
		var running atomic.Int64
		release := make(chan struct{})
		task := func(context.Context) error {
			running.Add(1)
			<-release
			running.Add(-1)
			return nil
		}
		for range 10 {
			p.Go(task)
		}
		synctest.Wait()
		p.Resize(4)
		synctest.Wait()
		if s := p.Stats(); s.Running != 4 || s.Workers != 4 || s.Queued != 6 {
			t.Errorf("after Resize(4): %+v; want 4 running, 6 queued", s)
		}
		p.Resize(2)
		for k := 1; k <= 10; k++ {
			release <- struct{}{} // one task returns
			synctest.Wait()
			if n, most := running.Load(), int64(max(2, 4-k)); n > most {
				t.Fatalf("%d tasks running after Resize(2) and %d returned, want at most %d", n, k, most)
			}
		}
		p.Wait()
		synctest.Wait()
		if s := p.Stats(); s.Workers > 2 {
			t.Errorf("%d workers alive after Resize(2) and the work", s.Workers)
		}
	})
}

// A shrink counts: once Resize(n) returns, a task starts only while fewer
// than n run, however the running ones nest.
func TestResizeShrinkStartsNothingBeyondBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 4, pool.QueueSize(100))
		defer p.Close()
		var running, over atomic.Int64
		var bound atomic.Int64
		bound.Store(4)
		release := make(chan struct{})
		enter := func() {
			if n := running.Add(1); n > bound.Load() {
				over.Add(1)
			}
		}
		for range 4 {
			p.Go(func(context.Context) error { enter(); <-release; running.Add(-1); return nil })
		}
		for range 20 {
			p.Go(func(context.Context) error { enter(); running.Add(-1); return nil })
		}
		synctest.Wait()
		bound.Store(1)
		p.Resize(1)
		close(release)
		p.Wait()
		if over.Load() > 0 {
			t.Errorf("%d tasks started beyond the bound after Resize", over.Load())
		}
	})
}

// With QueueSize(0), growing hands a blocked submitter's task straight to a
// new worker, as a worker that frees up does: by the time Resize returns it
// runs, and its submitter is released.
func TestResizeGrowStartsBlockedSubmitterWithNoQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(0))
		release := make(chan struct{})
		first, second := make(chan struct{}), make(chan struct{})
		f0 := pool.Submit(p, func(context.Context) (int, error) { close(first); <-release; return 0, nil })
		<-first
		submitted := make(chan *pool.Future[int])
		go func() {
			submitted <- pool.Submit(p, func(context.Context) (int, error) { close(second); <-release; return 1, nil })
		}()
		synctest.Wait()
		if s := p.Stats(); s.Running != 1 || s.Blocked != 1 {
			t.Fatalf("setup: %+v", s)
		}
		p.Resize(2)
		if s := p.Stats(); s.Running != 2 || s.Blocked != 0 || s.Workers != 2 {
			t.Errorf("when Resize(2) returns: %+v, want 2 running and workers, none blocked", s)
		}
		f1 := <-submitted
		<-second
		close(release)
		f0.Wait()
		if v, err := f1.Wait(); v != 1 || err != nil {
			t.Errorf("the blocked submitter's task: %d, %v", v, err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// Resize from a task, and Resize racing Close and the pool's end, neither
// hang nor lose a task.
func TestResizeRaces(t *testing.T) {
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2, pool.QueueSize(4))
		var wg sync.WaitGroup
		for i := range 50 {
			p.Go(func(context.Context) error {
				p.Resize(1 + i%5) // from a task
				return nil
			})
		}
		wg.Add(2)
		go func() { defer wg.Done(); p.Resize(8) }()
		go func() { defer wg.Done(); cancel() }()
		p.Close()
		p.Resize(3) // after Close
		wg.Wait()
		s := p.Stats()
		checkInvariant(t, s)
		if s.Workers != 0 || s.Running != 0 || s.Queued != 0 {
			t.Fatalf("after Close: %+v", s)
		}
	}
}

// Nested work across a resize keeps the exact bound: once Resize(3) has
// returned, no task function starts while 3 or more run, not counting those
// waiting in fanout's waits, however the tasks nest.
func TestNestedBoundAcrossResize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 8, pool.QueueSize(1000))
		defer p.Close()
		var running, over atomic.Int64
		var bound atomic.Int64
		bound.Store(8)
		enter := func() {
			if n := running.Add(1); n > bound.Load() {
				over.Add(1)
			}
		}
		leave := func() { running.Add(-1) }
		gate := make(chan struct{})
		leaf := func(context.Context) (int, error) { enter(); <-gate; leave(); return 1, nil }
		task := func(ctx context.Context) (int, error) {
			enter()
			leave() // while Map waits, the task lends its worker
			out, err := mapx.Map(ctx, make([]int, 20), 8, func(ctx context.Context, _ int) (int, error) {
				return pool.SubmitContext(ctx, p, leaf).WaitContext(ctx)
			})
			return len(out), err
		}
		var fs []*pool.Future[int]
		for range 16 {
			fs = append(fs, pool.Submit(p, task))
		}
		synctest.Wait() // every start the bound of 8 allows has happened
		if n := running.Load(); n != 8 {
			t.Errorf("%d task functions ran at once on 8 workers, want 8", n)
		}
		p.Resize(3)
		bound.Store(3)
		close(gate)
		for _, f := range fs {
			if n, err := f.Wait(); n != 20 || err != nil {
				t.Fatalf("a task mapped %d items, %v", n, err)
			}
		}
		if over.Load() > 0 {
			t.Errorf("%d task functions started beyond the bound", over.Load())
		}
	})
}

// Group.Wait in a task over 1,000 queued tasks reads the goroutine id at most
// twice: once for the wait, none per task.
func TestNestedWaitReadsGoroutineIDOnce(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	p.Wait()
	var reads int64
	f := pool.Submit(p, func(ctx context.Context) (int, error) {
		g := pool.NewGroup[int](ctx, p)
		for range 1000 {
			g.Go(returns(1))
		}
		before := nest.Reads()
		out, err := g.Wait()
		reads = nest.Reads() - before
		return len(out), err
	})
	if n, err := f.Wait(); n != 1000 || err != nil {
		t.Fatalf("%d, %v", n, err)
	}
	if reads > 2 {
		t.Errorf("Group.Wait over 1,000 queued tasks read the goroutine id %d times", reads)
	}
}
