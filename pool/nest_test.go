package pool_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// TestSubmitFromTask checks that tasks that submit to their own pool and
// wait for the result cannot deadlock it: with a full queue the child runs
// inline, and a child still queued runs inline in its waiting parent.
func TestSubmitFromTask(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		opts    []pool.Option
	}{
		{"one worker no queue", 1, []pool.Option{pool.QueueSize(0)}},
		{"one worker", 1, nil},
		{"every worker", 4, []pool.Option{pool.QueueSize(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), tt.workers, tt.opts...)
				// Three levels: each task submits two children and waits
				// for both: 1 + 2 + 4 tasks per root.
				var tree func(depth int) func(context.Context) (int, error)
				tree = func(depth int) func(context.Context) (int, error) {
					return func(ctx context.Context) (int, error) {
						if depth == 0 {
							return 1, nil
						}
						a := pool.SubmitContext(ctx, p, tree(depth-1))
						b := pool.SubmitContext(ctx, p, tree(depth-1))
						va, erra := a.WaitContext(ctx)
						vb, errb := b.WaitContext(ctx)
						return 1 + va + vb, errors.Join(erra, errb)
					}
				}
				roots := make([]*pool.Future[int], 2*tt.workers)
				for i := range roots {
					roots[i] = pool.Submit(p, tree(2))
				}
				for i, f := range roots {
					if v, err := f.Wait(); v != 7 || err != nil {
						t.Errorf("root %d: got %d, %v; want 7, nil", i, v, err)
					}
				}
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				n := int64(7 * len(roots))
				checkStats(t, p, pool.Stats{Submitted: n, Completed: n})
			})
		})
	}
}

// TestGoexitInline checks that a Goexit in a task run inline fails it and
// the task that ran it, and the pool goes on: both for a child run by a full
// SubmitContext and for one run by WaitContext.
func TestGoexitInline(t *testing.T) {
	tests := []struct {
		name  string
		queue int
	}{
		{"SubmitContext", 0},
		{"WaitContext", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 1, pool.QueueSize(tt.queue))
				children := make(chan *pool.Future[int], 1)
				parent := pool.Submit(p, func(ctx context.Context) (int, error) {
					child := pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
						runtime.Goexit()
						return 0, nil
					})
					// Reached only with room in the queue.
					children <- child
					return child.WaitContext(ctx)
				})
				if _, err := parent.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
					t.Errorf("parent: got %v, want ErrGoexit", err)
				}
				if tt.queue > 0 {
					if _, err := (<-children).Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
						t.Errorf("child: got %v, want ErrGoexit", err)
					}
				}
				if v, err := pool.Submit(p, returns(3)).Wait(); v != 3 || err != nil {
					t.Errorf("next task: got %d, %v; want 3, nil", v, err)
				}
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				checkStats(t, p, pool.Stats{Submitted: 3, Completed: 3, Failed: 2})
			})
		})
	}
}

// TestWaitContextDoneCtxRunsNothing checks that a task waiting with its own
// ctx, once that ctx has ended, gives up at once instead of running the
// awaited queued task itself.
func TestWaitContextDoneCtxRunsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		defer p.Close()
		var ran atomic.Bool
		parent := pool.Submit(p, func(ctx context.Context) (int, error) {
			// Queued, with room for it: Submit does not block.
			child := pool.Submit(p, func(context.Context) (int, error) {
				ran.Store(true)
				return 1, nil
			})
			gone, cancel := context.WithCancel(ctx)
			cancel()
			_, err := child.WaitContext(gone)
			if ran.Load() {
				return 0, errors.New("the child ran inline on a done ctx")
			}
			return 0, err
		})
		if _, err := parent.Wait(); err != context.Canceled {
			t.Fatalf("parent: %v, want context.Canceled", err)
		}
		p.Wait() // the child runs on the worker once the parent is done
		if !ran.Load() {
			t.Error("the child never ran")
		}
	})
}

// TestCloseLetsTasksAddChildren checks that a task that Close drains may
// still add children, with its own ctx or with plain Submit, and that Close
// waits for them.
func TestCloseLetsTasksAddChildren(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release := make(chan struct{})
		var taskCtx context.Context
		parent := pool.Submit(p, func(ctx context.Context) (int, error) {
			taskCtx = ctx
			<-release
			child := pool.SubmitContext(ctx, p, returns(41))
			if v, err := pool.Submit(p, returns(1)).Wait(); v != 1 || err != nil {
				t.Errorf("plain Submit from a task during Close: got %d, %v; want 1, nil", v, err)
			}
			v, err := child.WaitContext(ctx)
			return v + 1, err
		})
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait()
		close(release)
		if err := <-closed; err != nil {
			t.Errorf("Close: %v", err)
		}
		if v, err := parent.Wait(); v != 42 || err != nil {
			t.Errorf("parent: got %d, %v; want 42, nil", v, err)
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Completed: 3})
		// The drain is over: not even a task's ctx gets a task in.
		if _, err := pool.SubmitContext(taskCtx, p, returns(1)).Wait(); err != pool.ErrClosed {
			t.Errorf("SubmitContext with a task's ctx after Close: got %v, want ErrClosed", err)
		}
	})
}

// TestWaitContextSkipsCanceledTask checks that a task that waits for a
// queued task of its pool, which it would run inline, skips it instead if
// the awaited task's SubmitContext ctx has ended, even before the AfterFunc
// that drops it has run: the awaited task never runs, and the waiter gets
// its error.
func TestWaitContextSkipsCanceledTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		ctx := newFlagCtx()
		var ran atomic.Bool
		parent := pool.Submit(p, func(taskCtx context.Context) (int, error) {
			child := pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
				ran.Store(true)
				return 1, nil
			})
			ctx.cancel() // Done stays open: the AfterFunc does not run
			return child.WaitContext(taskCtx)
		})
		_, err := parent.Wait()
		errSkipped(t, "awaited task", err, "the caller's", context.Canceled)
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		close(ctx.done)
		if ran.Load() {
			t.Error("the awaited task ran after its ctx ended")
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 1, Failed: 1, Skipped: 1})
	})
}
