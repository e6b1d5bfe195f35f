package pool_test

import (
	"context"
	"errors"
	"fmt"
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

// Children that a task adds with GoContext and does not wait for outlive it,
// even when its ctx ends as it returns (SubmitContext's does): every one
// runs, and each failure reaches Wait. If the pool's ctx ends while some are
// queued, those never run; Stats counts every child as run or skipped, and
// Wait reports each failure and the end.
func TestGoContextChildrenAreAccountedFor(t *testing.T) {
	const children = 40
	for _, cancelPool := range []bool{false, true} {
		t.Run(fmt.Sprintf("pool canceled=%v", cancelPool), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				p := pool.New(ctx, 2, pool.QueueSize(4))
				release := make(chan struct{})
				var ran, failed atomic.Int64
				child := func(i int) func(context.Context) error {
					return func(ctx context.Context) error {
						<-release
						ran.Add(1)
						if i%2 == 1 || ctx.Err() != nil {
							failed.Add(1)
							return fmt.Errorf("child %d failed", i)
						}
						return nil
					}
				}
				parent := pool.SubmitContext(context.Background(), p, func(ctx context.Context) (int, error) {
					for i := range children {
						p.GoContext(ctx, child(i)) // never blocks: the queue holds 4
					}
					return 0, nil // ends ctx
				})
				if _, err := parent.Wait(); err != nil {
					t.Fatal(err)
				}
				if cancelPool {
					cancel() // with 1 child running and the rest queued
				}
				close(release)
				err := p.Wait()
				s := p.Stats()
				if s.Submitted != 1+children || s.Completed+s.Skipped != s.Submitted {
					t.Errorf("Stats %+v: want %d tasks, each run or skipped", s, 1+children)
				}
				if s.Completed-1 != ran.Load() || s.Failed != failed.Load() {
					t.Errorf("Stats %+v: %d children ran, %d failed", s, ran.Load(), failed.Load())
				}
				want := failed.Load()
				if s.Skipped > 0 {
					want++ // the end, once
				}
				if n := countErrors(err); int64(n) != want {
					t.Errorf("Wait's error joins %d errors, want %d:\n%v", n, want, err)
				}
				if !cancelPool && (ran.Load() != children || failed.Load() != children/2) {
					t.Errorf("%d of %d children ran, %d failed; want all to run, half to fail", ran.Load(), children, failed.Load())
				}
				if cancelPool && s.Skipped == 0 {
					t.Error("no child was skipped by the pool's end")
				}
				if err := p.Close(); err != nil && !cancelPool {
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
