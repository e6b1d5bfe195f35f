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

func TestNilPanics(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, returns(1))
	tests := []struct {
		name string
		msg  string
		f    func()
	}{
		{"Submit", "pool: Submit called with nil func", func() { pool.Submit[int](p, nil) }},
		{"TrySubmit", "pool: TrySubmit called with nil func", func() { pool.TrySubmit[int](p, nil) }},
		{"SubmitContext fn", "pool: SubmitContext called with nil func", func() {
			pool.SubmitContext[int](context.Background(), p, nil)
		}},
		{"SubmitContext ctx", "pool: SubmitContext called with nil Context", func() {
			pool.SubmitContext(nil, p, returns(1)) //nolint:staticcheck // the point of the test
		}},
		{"Go", "pool: Pool.Go called with nil func", func() { p.Go(nil) }},
		{"WaitContext", "pool: Future.WaitContext called with nil Context", func() {
			f.WaitContext(nil) //nolint:staticcheck // the point of the test
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantPanic(t, tt.msg, tt.f) })
	}
	p.Wait()
	checkStats(t, p, pool.Stats{Submitted: 1, Completed: 1})
}

// TestSubmitContext checks that SubmitContext gives up when its ctx ends:
// before the task is queued (not counted), while it waits in the queue
// (skipped at once), and while it runs (its ctx canceled).
func TestSubmitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		defer p.Close()
		var ran atomic.Int64
		count := func(context.Context) (int, error) { ran.Add(1); return 0, nil }

		ended, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := pool.SubmitContext(ended, p, count).Wait(); err != context.Canceled {
			t.Errorf("ctx done on entry: got %v, want context.Canceled", err)
		}
		checkStats(t, p, pool.Stats{})

		type key struct{}
		runCtx, cancelRun := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
		started := make(chan int, 1)
		running := pool.SubmitContext(runCtx, p, func(ctx context.Context) (int, error) {
			started <- 0
			if ctx.Value(key{}) != "v" {
				t.Error("fn's ctx lacks the value of SubmitContext's ctx")
			}
			<-ctx.Done()
			return 0, ctx.Err()
		})
		<-started
		queueCtx, cancelQueued := context.WithCancel(context.Background())
		queued := pool.SubmitContext(queueCtx, p, count)
		blockCtx, cancelBlocked := context.WithCancel(context.Background())
		blocked := make(chan *pool.Future[int])
		go func() { blocked <- pool.SubmitContext(blockCtx, p, count) }()
		plain := make(chan *pool.Future[int])
		go func() { plain <- pool.Submit(p, returns(5)) }()
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Queued: 1, Running: 1})

		cancelBlocked()
		if _, err := (<-blocked).Wait(); err != context.Canceled {
			t.Errorf("blocked on the full queue: got %v, want context.Canceled", err)
		}
		cancelQueued()
		if _, err := queued.Wait(); err != context.Canceled {
			t.Errorf("queued: got %v, want context.Canceled", err)
		}
		// The dropped task's slot went to the plain Submit.
		plainF := <-plain
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 1, Running: 1, Skipped: 1})
		cancelRun()
		if _, err := running.Wait(); err != context.Canceled {
			t.Errorf("running: got %v, want its ctx's error context.Canceled", err)
		}
		if v, err := plainF.Wait(); err != nil || v != 5 {
			t.Errorf("plain Submit: got %d, %v; want 5, nil", v, err)
		}
		p.Wait()
		if n := ran.Load(); n != 0 {
			t.Errorf("%d tasks ran after their ctx ended", n)
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Completed: 2, Failed: 1, Skipped: 1})
	})
}

// TestSubmitContextPoolEnd checks that fn's ctx also ends with the pool's.
func TestSubmitContextPoolEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1)
	defer p.Close()
	started := make(chan int)
	f := pool.SubmitContext(context.Background(), p, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	cancel()
	if _, err := f.Wait(); err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

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
