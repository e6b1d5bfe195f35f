package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

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
