package pool_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

func TestFutureTryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		defer p.Close()
		release := make(chan struct{})
		errX := errors.New("x")
		f := pool.Submit(p, func(context.Context) (int, error) { <-release; return 4, errX })
		if v, ok, err := f.TryWait(); v != 0 || err != nil || ok {
			t.Errorf("TryWait before completion: got %d, %v, %v; want 0, false, nil", v, ok, err)
		}
		close(release)
		f.Wait()
		if v, ok, err := f.TryWait(); v != 4 || err != errX || !ok {
			t.Errorf("TryWait after completion: got %d, %v, %v; want 4, true, x", v, ok, err)
		}
	})
}

func TestFutureDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		defer p.Close()
		release := make(chan struct{})
		f := pool.Submit(p, blocker(nil, release, 1))
		d := f.Done()
		if f.Done() != d {
			t.Error("Done returned a different channel on the second call")
		}
		synctest.Wait()
		select {
		case <-d:
			t.Fatal("Done closed before the task completed")
		default:
		}
		close(release)
		<-d
		if v, ok, err := f.TryWait(); v != 1 || err != nil || !ok {
			t.Errorf("after Done: got %d, %v, %v; want 1, true, nil", v, ok, err)
		}
		if f.Done() != d {
			t.Error("Done returned another channel once the task completed")
		}
		// Done first called after completion.
		g := pool.Submit(p, returns(2))
		g.Wait()
		d = g.Done()
		<-d
		if g.Done() != d {
			t.Error("Done returned different channels after completion")
		}
	})
}

// TestFutureWaiters checks that every waiter, in whatever way it waits, sees
// the same result.
func TestFutureWaiters(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	release := make(chan struct{})
	f := pool.Submit(p, blocker(nil, release, 8))
	var wg sync.WaitGroup
	results := make([]int, 30)
	for i := range results {
		wg.Go(func() {
			var v int
			switch i % 3 {
			case 0:
				v, _ = f.Wait()
			case 1:
				<-f.Done()
				v, _, _ = f.TryWait()
			case 2:
				v, _ = f.WaitContext(context.Background())
			}
			results[i] = v
		})
	}
	close(release)
	wg.Wait()
	for i, v := range results {
		if v != 8 {
			t.Errorf("waiter %d saw %d, want 8", i, v)
		}
	}
}

// TestFutureWaitContext checks that WaitContext gives up when its ctx ends,
// leaving the task alone, and that a caller that is not a task of the pool
// does not run a queued task itself.
func TestFutureWaitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		defer p.Close()
		release := make(chan struct{})
		running := pool.Submit(p, blocker(nil, release, 1))
		queued := pool.Submit(p, returns(2))

		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error)
		go func() {
			_, err := queued.WaitContext(ctx)
			got <- err
		}()
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Queued: 1, Running: 1})
		cancel()
		if err := <-got; err != context.Canceled {
			t.Errorf("WaitContext: got %v, want context.Canceled", err)
		}
		if _, err := running.WaitContext(ctx); err != context.Canceled {
			t.Errorf("WaitContext with a done ctx: got %v, want context.Canceled", err)
		}
		close(release)
		if v, err := queued.WaitContext(context.Background()); v != 2 || err != nil {
			t.Errorf("WaitContext: got %d, %v; want 2, nil", v, err)
		}
		// A completed Future's result beats a done ctx.
		if v, err := running.WaitContext(ctx); v != 1 || err != nil {
			t.Errorf("WaitContext on a completed Future: got %d, %v; want 1, nil", v, err)
		}
	})
}

// TestFutureAllocs checks the costs that the package documentation states:
// one allocation, the Future, for Submit and Wait; none for Go.
func TestFutureAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	p := pool.New(context.Background(), 2)
	defer p.Close()
	square := func(context.Context) (int, error) { return 9, nil }
	noop := func(context.Context) error { return nil }
	// held returns once the Wait on it sleeps (UntilSleeping, a helper
	// goroutine that allocates nothing).
	release := make(chan struct{})
	held := func(context.Context) (int, error) { <-release; return 1, nil }
	futures := make(chan *pool.Future[int])
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range futures {
			pool.UntilSleeping(p, f, 1)
			release <- struct{}{}
		}
	}()
	defer func() { close(futures); <-done }()
	tests := []struct {
		name string
		want float64
		f    func()
	}{
		{"Submit and Wait", 1, func() { pool.Submit(p, square).Wait() }},
		{"TrySubmit and Wait", 1, func() {
			if f, ok := pool.TrySubmit(p, square); ok {
				f.Wait()
			}
		}},
		{"Submit and TryWait", 1, func() {
			f := pool.Submit(p, square)
			p.Wait()
			f.TryWait()
		}},
		{"Go and Wait", 0, func() { p.Go(noop); p.Wait() }},
		{"Submit and a Wait that blocks", 1, func() {
			f := pool.Submit(p, held)
			futures <- f
			f.Wait()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(1000, tt.f); got > tt.want {
				t.Errorf("%v allocations per run, want at most %v", got, tt.want)
			}
		})
	}
}
