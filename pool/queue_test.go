package pool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

// TestCanceledQueuedTaskNeverRuns checks that a task queued with
// SubmitContext whose ctx ends while it waits never runs, even when a
// worker comes for it before the AfterFunc that drops it: it is skipped,
// counted at once, and its Future says that its caller's ctx ended. The
// running task cancels the ctx and returns, so that the worker looks for
// its next task just after: with a context of the standard library, and
// with one whose Done, and so the AfterFunc, comes only after the look.
func TestCanceledQueuedTaskNeverRuns(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (ctx context.Context, cancel, done func())
	}{
		{"context", func() (context.Context, func(), func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel, func() {}
		}},
		{"late Done", func() (context.Context, func(), func()) {
			ctx := newFlagCtx()
			return ctx, ctx.cancel, func() { close(ctx.done) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The race the late Done holds open, a plain context gives a
			// chance at each round.
			for range 20 {
				p := pool.New(context.Background(), 1, pool.QueueSize(1))
				ctx, cancel, done := tt.ctx()
				release := make(chan struct{})
				pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
					<-release
					cancel()
					return 1, nil
				})
				var ran atomic.Bool
				second := pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
					ran.Store(true)
					return 2, nil
				})
				checkStats(t, p, pool.Stats{Submitted: 2, Queued: 1, Running: 1})
				close(release)
				_, err := second.Wait()
				errSkipped(t, "queued task", err, "the caller's", context.Canceled)
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				done()
				if ran.Load() {
					t.Fatal("the task ran after its ctx ended")
				}
				checkStats(t, p, pool.Stats{Submitted: 2, Completed: 1, Skipped: 1})
			}
		})
	}
}

// TestCanceledWaitingTaskNeverRuns checks the same for a task whose
// submitter is blocked on the full queue when its ctx ends, and that a
// worker takes before the submitter can give up: handed straight to the
// worker with QueueSize(0), or moved into the queue when room frees up.
func TestCanceledWaitingTaskNeverRuns(t *testing.T) {
	tests := []struct {
		name  string
		queue int
		want  pool.Stats
	}{
		{"hand-off", 0, pool.Stats{Submitted: 1, Completed: 1}},
		{"into the queue", 1, pool.Stats{Submitted: 2, Completed: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 1, pool.QueueSize(tt.queue))
				ctx := newFlagCtx()
				release := make(chan struct{})
				pool.Submit(p, func(context.Context) (int, error) {
					<-release
					ctx.cancel() // Done stays open: the submitter does not know
					return 1, nil
				})
				for range tt.queue {
					pool.Submit(p, returns(2)) // fills the queue
				}
				var ran atomic.Bool
				submitted := make(chan *pool.Future[int])
				go func() {
					submitted <- pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
						ran.Store(true)
						return 3, nil
					})
				}()
				synctest.Wait() // the submitter waits for room
				close(release)
				_, err := (<-submitted).Wait()
				errSkipped(t, "waiting task", err, "the caller's", context.Canceled)
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				close(ctx.done)
				if ran.Load() {
					t.Error("the task ran after its ctx ended")
				}
				checkStats(t, p, tt.want)
			})
		})
	}
}
