package pool_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// The faults that independent tests found (issue 20, item 7), each pinned.

// A task handed straight to an idle worker never runs if its ctx ended
// before it started: the worker checks, not only the submitter. At
// GOMAXPROCS 1 the submitter cancels before the woken worker gets the CPU.
func TestHandOffToIdleWorkerChecksCtx(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := pool.New(context.Background(), 1)
	defer p.Close()
	ranCanceled := 0
	for range 200 {
		p.Wait() // the worker idles
		ctx, cancel := context.WithCancel(context.Background())
		f := pool.SubmitContext(ctx, p, func(ctx context.Context) (int, error) {
			if ctx.Err() != nil {
				ranCanceled++
			}
			return 0, nil
		})
		cancel()
		f.Wait()
	}
	if ranCanceled > 0 {
		t.Errorf("%d of 200 tasks ran although their ctx ended before they started", ranCanceled)
	}
}

// A Group's task handed to an idle worker never runs if the group failed
// before it started.
func TestGroupTaskAfterFirstFailureNeverRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := pool.New(context.Background(), 2)
	defer p.Close()
	errBad := errors.New("bad")
	ran := 0
	for range 200 {
		p.Wait()
		g := pool.NewGroup[int](context.Background(), p)
		started, fail := make(chan struct{}), make(chan struct{})
		g.Go(func(context.Context) (int, error) { close(started); <-fail; return 0, errBad })
		<-started
		g.Go(func(ctx context.Context) (int, error) {
			if ctx.Err() != nil { // it started after the failure
				ran++
			}
			return 0, nil
		})
		close(fail) // the failing task gets the CPU before the other starts
		if _, err := g.Wait(); !errors.Is(err, errBad) {
			t.Fatalf("Wait: %v, want %v", err, errBad)
		}
	}
	// At GOMAXPROCS 1 the woken failing task mostly runs first.
	if ran > 0 {
		t.Errorf("%d of 200 tasks ran after their group's first failure", ran)
	}
}

// A child's runtime.Goexit, while the task that waits for it has it run on
// its worker, is the child's outcome alone: the parent goes on.
func TestGoexitOfChildRunOnParentsWorker(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	parent := pool.Submit(p, func(ctx context.Context) (int, error) {
		// One worker, busy with this task: the child is queued, and the
		// wait runs it on this worker.
		child := pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
			runtime.Goexit()
			return 0, nil
		})
		if _, err := child.WaitContext(ctx); !errors.Is(err, errgroupx.ErrGoexit) {
			return 0, err
		}
		return 7, nil
	})
	if v, err := parent.Wait(); v != 7 || err != nil {
		t.Fatalf("parent: %d, %v; want 7, nil", v, err)
	}
	s := p.Stats()
	if s.Completed != 2 || s.Failed != 1 {
		t.Errorf("Stats %+v: want 2 completed, 1 failed", s)
	}
}

// A Group that is never waited for holds nothing of its pool, or of its
// parent ctx, once its tasks are done: a server that abandons a request's
// group does not leak.
func TestAbandonedGroupsDoNotLeak(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector keeps memory of its own")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := pool.New(ctx, 2)
	defer p.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const groups = 10_000
	for range groups {
		g := pool.NewGroup[int](ctx, p)
		g.Go(returns(1))
	}
	p.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Each group attached held about 1.3 KB.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > groups*100 {
		t.Errorf("the heap grew by %d B for %d abandoned groups", grew, groups)
	}
}

// A Group made outside the pool (a request handler's) whose tasks add to it
// at a full queue never hangs: what a task adds is its child.
func TestGroupFromOutsideGrowsFromTasksAtFullQueue(t *testing.T) {
	tests := []struct{ workers, queue, tasks, each int }{
		{1, 0, 4, 10}, {1, 1, 4, 10}, {1, 4, 4, 10}, {4, 4, 8, 10},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), tt.workers, pool.QueueSize(tt.queue))
			defer p.Close()
			g := pool.NewGroup[int](context.Background(), p)
			for range tt.tasks {
				g.Go(func(context.Context) (int, error) {
					for range tt.each {
						g.Go(returns(1))
					}
					return 1, nil
				})
			}
			out, err := g.Wait()
			if err != nil || len(out) != tt.tasks*(tt.each+1) {
				t.Errorf("%+v: Wait returned %d values, %v; want %d", tt, len(out), err, tt.tasks*(tt.each+1))
			}
		})
	}
}

// Pool.Go and Submit from tasks at their own full queue never block the
// task's worker: what they add is the task's child.
func TestGoFromTasksAtFullQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(1))
		defer p.Close()
		for range 4 {
			p.Go(func(context.Context) error {
				for range 10 {
					p.Go(func(context.Context) error { return nil })
					pool.Submit(p, returns(1))
				}
				return nil
			})
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		if s := p.Stats(); s.Completed != 84 || s.Blocked != 0 {
			t.Errorf("Stats %+v: want 84 completed", s)
		}
	})
}

// Future.Wait in a task, on a task of its own pool still queued, lends the
// task's worker and runs the child there, where it would otherwise wait for
// a worker none of which is free.
func TestFutureWaitFromTaskLends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2)
		defer p.Close()
		var fs []*pool.Future[int]
		for range 2 {
			fs = append(fs, pool.Submit(p, func(context.Context) (int, error) {
				return pool.Submit(p, returns(3)).Wait()
			}))
		}
		for _, f := range fs {
			if v, err := f.Wait(); v != 3 || err != nil {
				t.Errorf("Wait: %d, %v; want 3, nil", v, err)
			}
		}
	})
}

// Pool.Wait and Close from a task of the pool would wait for the task
// itself: they panic at once, saying what to do instead.
func TestWaitFromTaskPanics(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	const msg = "pool: Pool.%s called from a task of the same pool, which it would wait for: " +
		"wait for the task's own work with a Group or its Futures"
	for _, method := range []string{"Wait", "Close"} {
		f := pool.Submit(p, func(context.Context) (int, error) {
			wantPanic(t, fmtMsg(msg, method), func() {
				if method == "Wait" {
					p.Wait()
				} else {
					p.Close()
				}
			})
			return 0, nil
		})
		f.Wait()
	}
}

// A panic that crosses a Group in a task comes out of the outer Wait as the
// leaf's own *PanicError, with the leaf's stack, not wrapped once per level.
func TestPanicThroughNestedGroupsIsTheLeafs(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	outer := pool.NewGroup[int](context.Background(), p)
	outer.Go(func(ctx context.Context) (int, error) {
		inner := pool.NewGroup[int](ctx, p)
		inner.Go(func(context.Context) (int, error) { panic("leaf") })
		inner.Wait()
		return 0, nil
	})
	defer func() {
		pe, ok := recover().(*errgroupx.PanicError)
		if !ok {
			t.Fatal("outer Wait did not panic with a PanicError")
		}
		if pe.Value != "leaf" {
			t.Errorf("outer Wait panicked with a PanicError of %v; want the leaf's", pe.Value)
		}
	}()
	outer.Wait()
}

// A skipped task's error tells the pool's end from the caller's with
// errors.Is, without reading the text.
func TestSkipErrorsTellWhoseCtxEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1)
	defer p.Close()
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	_, errCaller := pool.SubmitContext(cctx, p, returns(1)).Wait()
	cancel()
	_, errPool := pool.Submit(p, returns(1)).Wait()
	if errors.Is(errCaller, pool.ErrPoolEnded) || !errors.Is(errCaller, context.Canceled) {
		t.Errorf("caller's ctx ended: %v", errCaller)
	}
	if !errors.Is(errPool, pool.ErrPoolEnded) || !errors.Is(errPool, context.Canceled) {
		t.Errorf("pool's ctx ended: %v", errPool)
	}
}

// A task that calls Go on its own full queue while another task of the pool
// runs does not block: its task is a child, queued beyond the queue's size,
// and the other task's wait for it returns.
func TestTaskGoAtFullQueueWhileOthersRunIsChild(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(1))
		defer p.Close()
		filled, step := make(chan struct{}), make(chan struct{})
		var a *pool.Future[int]
		ready := make(chan struct{})
		b := pool.Submit(p, func(context.Context) (int, error) {
			<-step
			return a.Wait()
		})
		a = pool.Submit(p, func(context.Context) (int, error) {
			<-filled
			p.Go(func(context.Context) error { return nil }) // b runs: a child all the same
			return 1, nil
		})
		close(ready)
		p.Go(func(context.Context) error { return nil }) // fills the queue
		close(filled)
		synctest.Wait()
		if s := p.Stats(); s.Blocked != 0 || s.Completed != 3 || s.Running != 1 {
			t.Fatalf("Stats %+v: want a, its Go's task and the filler done while b runs", s)
		}
		close(step)
		if v, err := b.Wait(); v != 1 || err != nil {
			t.Fatalf("b: %d, %v", v, err)
		}
	})
}

// A Group's tasks' ctx ends once no task of the group is left, as NewGroup
// says, and a task added later gets a live one.
func TestGroupCtxEndsWhenNoTaskIsLeft(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	ctxs := make(chan context.Context, 2)
	g.Go(func(ctx context.Context) (int, error) { ctxs <- ctx; return 1, nil })
	p.Wait()
	if first := <-ctxs; first.Err() == nil {
		t.Error("the ctx of the group's tasks is live with no task left")
	}
	g.Go(func(ctx context.Context) (int, error) { ctxs <- ctx; return 2, ctx.Err() })
	if out, err := g.Wait(); err != nil || len(out) != 2 {
		t.Fatalf("Wait: %v, %v", out, err)
	}
	if second := <-ctxs; second.Err() == nil {
		t.Error("the ctx of the group's tasks is live after Wait")
	}
}
