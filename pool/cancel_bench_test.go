package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/fanout-go/fanout/pool"
)

// Cancellation latency: the time from the cancel of the pool's ctx to the
// return of Wait (or of Close), with every worker running a task that honours
// ctx and pending tasks, Futures of Submit, waiting in the queue. Wait's must
// not grow with the number of pending tasks:
//
//	go test -run '^$' -bench Cancel -count 6 ./pool | benchstat -col /pending -
//
// The end of ctx sets the queue aside and counts it at once; its Futures are
// failed after, outside the pool's lock, and Wait does not wait for that.
// What Wait's pending=1e6 still loses to pending=1e3 comes with the larger
// heap, not the queue: give both the same heap (hold a million completed
// Futures) and they measure the same. Close's does grow, by ~30 ns a pending
// Future: it returns once every skipped Future is complete.

func BenchmarkCancelWait(b *testing.B) {
	for _, pending := range []int{1_000, 1_000_000} {
		b.Run("pending="+itoa(pending), func(b *testing.B) {
			benchCancel(b, pending, (*pool.Pool).Wait)
		})
	}
}

// BenchmarkCancelClose is BenchmarkCancelWait for Close, which also waits
// for the workers to return and for every skipped Future to be completed.
func BenchmarkCancelClose(b *testing.B) {
	for _, pending := range []int{1_000, 1_000_000} {
		b.Run("pending="+itoa(pending), func(b *testing.B) {
			benchCancel(b, pending, (*pool.Pool).Close)
		})
	}
}

// benchCancel fills a pool of GOMAXPROCS workers with tasks that block until
// their ctx ends and queues pending more, cancels, and reports the time from
// the cancel to stop's return as ns/cancel. It checks, untimed, that the
// pending Futures failed with ctx's error.
func benchCancel(b *testing.B, pending int, stop func(*pool.Pool) error) {
	workers := runtime.GOMAXPROCS(0)
	futures := make([]*pool.Future[int], pending)
	honest := func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	var total time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, workers, pool.QueueSize(pending))
		started := make(chan int, workers)
		for range workers {
			pool.Submit(p, func(ctx context.Context) (int, error) {
				started <- 0
				return honest(ctx)
			})
		}
		for range workers {
			<-started
		}
		for i := range futures {
			futures[i] = pool.Submit(p, tiny)
		}
		// A million queued Futures take a hundred MB: collect what the
		// previous rounds left now, so that the GC it triggers does not run
		// inside the measured window.
		runtime.GC()
		t0 := time.Now()
		cancel()
		stop(p)
		total += time.Since(t0)

		p.Close()
		for i, f := range futures {
			if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
				b.Fatalf("pending task %d: got %v, want context.Canceled", i, err)
			}
			futures[i] = nil
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/cancel")
}

// itoa names a power of ten as 1eN.
func itoa(n int) string {
	e := 0
	for ; n >= 10; n /= 10 {
		e++
	}
	return fmt.Sprintf("%de%d", n, e)
}
