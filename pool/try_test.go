package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

// TryGo and TrySubmitContext never block: they report false when the queue
// is full and no worker is idle, a task of the pool's own included, and
// otherwise do what Go and SubmitContext do.
func TestTryGoAndTrySubmitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release := make(chan struct{})
		var fromTask bool
		pool.Submit(p, func(ctx context.Context) (int, error) {
			<-release
			_, fromTask = pool.TrySubmitContext(ctx, p, returns(0))
			return 0, nil
		})
		errBad := errors.New("bad")
		if !p.TryGo(func(context.Context) error { return errBad }) {
			t.Fatal("TryGo with room in the queue reported false")
		}
		if p.TryGo(func(context.Context) error { return nil }) {
			t.Error("TryGo on a full queue reported true")
		}
		if f, ok := pool.TrySubmitContext(context.Background(), p, returns(1)); ok || f != nil {
			t.Error("TrySubmitContext on a full queue reported true")
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Queued: 1, Running: 1})
		// The task, once released, finds the queue full of the Go task.
		close(release)
		if err := p.Wait(); !errors.Is(err, errBad) {
			t.Errorf("Wait() = %v, want the error of TryGo's task", err)
		}
		if fromTask {
			t.Error("TrySubmitContext from a task reported true on a full queue")
		}

		// With room, TrySubmitContext queues the task, and the task still
		// never runs if its ctx ends first.
		hold := make(chan struct{})
		pool.Submit(p, func(context.Context) (int, error) { <-hold; return 0, nil })
		ctx, cancel := context.WithCancel(context.Background())
		f, ok := pool.TrySubmitContext(ctx, p, func(context.Context) (int, error) {
			t.Error("a task whose ctx ended ran")
			return 0, nil
		})
		if !ok {
			t.Fatal("TrySubmitContext with room in the queue reported false")
		}
		cancel()
		_, err := f.Wait()
		errSkipped(t, "TrySubmitContext's task", err, "the caller's", context.Canceled)
		close(hold)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		checkStats(t, p, pool.Stats{Submitted: 4, Completed: 3, Failed: 1, Skipped: 1})
	})
}
