package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// countErrors returns how many errors err joins, at its first level.
func countErrors(err error) int {
	if err == nil {
		return 0
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}

// Children that a task adds with GoContext and does not wait for are never
// lost: with the task's own ctx, which SubmitContext ends when the task
// returns, those not run by then never run, and every one that did not
// succeed has its error in Wait's; Stats counts every one. With
// context.WithoutCancel of that ctx, every child runs.
func TestGoContextChildrenAreAccountedFor(t *testing.T) {
	const children = 40
	tests := []struct {
		name    string
		outlive bool
	}{
		{"task's ctx", false},
		{"WithoutCancel", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 2, pool.QueueSize(4))
				var ran, failed atomic.Int64
				child := func(ctx context.Context) error {
					ran.Add(1)
					if err := ctx.Err(); err != nil {
						failed.Add(1)
						return err
					}
					return nil
				}
				parent := pool.SubmitContext(context.Background(), p, func(ctx context.Context) (int, error) {
					if tt.outlive {
						ctx = context.WithoutCancel(ctx)
					}
					for range children {
						p.GoContext(ctx, child) // never blocks: the queue holds 4
					}
					return 0, nil
				})
				if _, err := parent.Wait(); err != nil {
					t.Fatal(err)
				}
				err := p.Wait()
				s := p.Stats()
				if s.Submitted != 1+children || s.Completed+s.Skipped != s.Submitted {
					t.Errorf("Stats %+v: want %d tasks, each run or skipped", s, 1+children)
				}
				if s.Completed-1 != ran.Load() || s.Failed != failed.Load() {
					t.Errorf("Stats %+v: %d children ran, %d failed", s, ran.Load(), failed.Load())
				}
				if n := countErrors(err); int64(n) != s.Skipped+s.Failed {
					t.Errorf("Wait's error joins %d errors, want one per skipped (%d) and failed (%d) child:\n%v",
						n, s.Skipped, s.Failed, err)
				}
				if tt.outlive && (err != nil || ran.Load() != children) {
					t.Errorf("%d of %d children ran, Wait() = %v; want all, nil", ran.Load(), children, err)
				}
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// A task that adds children with GoContext never blocks on the full queue,
// so every worker can do it at once without a deadlock.
func TestGoContextFromEveryWorkerNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, children = 3, 100
		p := pool.New(context.Background(), workers, pool.QueueSize(1))
		var ran atomic.Int64
		release := make(chan struct{})
		for range workers {
			p.Go(func(ctx context.Context) error {
				<-release // every worker busy, so the queue fills
				for range children {
					p.GoContext(ctx, func(context.Context) error { ran.Add(1); return nil })
				}
				return nil
			})
		}
		close(release)
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := ran.Load(); got != workers*children {
			t.Errorf("%d children ran, want %d", got, workers*children)
		}
		n := int64(workers * (1 + children))
		checkStats(t, p, pool.Stats{Submitted: n, Completed: n})
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// A caller that is not a task of the pool blocks in GoContext on the full
// queue, as in Go, and gives up when its ctx ends: the task is not counted,
// and its error reaches Wait.
func TestGoContextFromOutsideBlocksAndGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(0))
		release := make(chan struct{})
		p.Go(func(context.Context) error { <-release; return nil })
		ctx, cancel := context.WithCancel(context.Background())
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			p.GoContext(ctx, func(context.Context) error {
				t.Error("a task whose caller gave up ran")
				return nil
			})
		}()
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 1, Running: 1, Blocked: 1})
		cancel()
		<-returned
		close(release)
		err := p.Wait()
		errSkipped(t, "GoContext's task", err, "the caller's", context.Canceled)
		checkStats(t, p, pool.Stats{Submitted: 1, Completed: 1})
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// A GoContext task's panic and error reach Wait, as a Go task's do.
func TestGoContextErrorsReachWait(t *testing.T) {
	p := pool.New(context.Background(), 2)
	errBad := errors.New("bad")
	p.GoContext(context.Background(), func(context.Context) error { return errBad })
	p.GoContext(context.Background(), func(context.Context) error { panic("boom") })
	err := p.Wait()
	errIs(t, "Wait", err, errBad)
	if countErrors(err) != 2 || !isPanic(err, "boom") {
		t.Errorf("Wait() = %v; want the error and the panic", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// isPanic reports whether err holds a *errgroupx.PanicError with value v.
func isPanic(err error, v any) bool {
	var pe *errgroupx.PanicError
	return errors.As(err, &pe) && pe.Value == v
}
