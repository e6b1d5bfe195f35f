package pool_test

// Review 2 of the changes since 824e657: tests that fail on the code as it
// is, each quoting the promise it checks.

import (
	"context"
	"runtime"
	"testing"

	"github.com/fanout-go/fanout/pool"
)

// rv2SpinUntilDone spins on f.TryWait until it reports the task completed,
// then reports whether f.Done()'s channel is closed at that moment.
func rv2SpinUntilDone[R any](f *pool.Future[R]) (doneClosed bool) {
	yield := runtime.GOMAXPROCS(0) == 1 // else the spinner holds the one P for its time slice
	for {
		if _, ok, _ := f.TryWait(); ok {
			break
		}
		if yield {
			runtime.Gosched()
		}
	}
	select {
	case <-f.Done():
		return true
	default:
		return false
	}
}

// TestReview2DoneClosedWhenCompletedOnHelper checks Future.Done's promise,
// "Done returns a channel that is closed when the task has completed",
// against TryWait's, "it reports whether the task has completed", for a
// task run on a lent worker's helper (Future.Wait: "Wait lends the calling
// task's worker while it waits, and the awaited task runs there"): once
// TryWait reports the task completed, its Done channel must be closed.
func TestReview2DoneClosedWhenCompletedOnHelper(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(1))
	defer p.Close()
	bad := 0
	const rounds = 300
	for range rounds {
		spinning := make(chan struct{})
		child := make(chan *pool.Future[int], 1)
		outer := pool.Submit(p, func(context.Context) (int, error) {
			b := pool.Submit(p, func(context.Context) (int, error) {
				<-spinning
				return 7, nil
			}) // queued: the only worker runs this task
			child <- b
			v, err := b.Wait() // lends the worker: b runs on its helper
			return v, err
		})
		b := <-child
		close(spinning)
		if !rv2SpinUntilDone(b) {
			bad++
		}
		if v, err := outer.Wait(); v != 7 || err != nil {
			t.Fatalf("outer: %v, %v", v, err)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d rounds: TryWait reported the helper-run task completed while Done's channel was still open", bad, rounds)
	}
}

// TestReview2DoneClosedWhenCompleted is the same check for a task run on a
// worker's own goroutine.
func TestReview2DoneClosedWhenCompleted(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	bad := 0
	const rounds = 2000
	for range rounds {
		spinning := make(chan struct{})
		f := pool.Submit(p, func(context.Context) (int, error) {
			<-spinning
			return 1, nil
		})
		close(spinning)
		if !rv2SpinUntilDone(f) {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d rounds: TryWait reported the task completed while Done's channel was still open", bad, rounds)
	}
}
