package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
	"github.com/google/go-cmp/cmp"
)

// A Group's Wait returns its own tasks' values in the order Go added them,
// and nothing of the other callers' tasks on the same pool.
func TestGroupValuesInOrder(t *testing.T) {
	p := pool.New(context.Background(), 4)
	p.Go(func(context.Context) error { return errors.New("another caller's") })
	g := pool.NewGroup[int](context.Background(), p)
	var want []int
	for i := range 100 {
		want = append(want, i*i)
		g.Go(func(context.Context) (int, error) { return i * i, nil })
	}
	got, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if err := p.Close(); err == nil {
		t.Error("the pool's Wait lost the other caller's error")
	}
}

// The first error of a group's task cancels that group's tasks alone: a
// second group on the same pool goes on, and its Wait sees no error.
func TestGroupFirstErrorCancelsOnlyItsOwnTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(10))
		errFirst := errors.New("first")
		a := pool.NewGroup[int](context.Background(), p)
		b := pool.NewGroup[int](context.Background(), p)
		release := make(chan struct{})
		b.Go(func(ctx context.Context) (int, error) {
			<-release
			return 1, ctx.Err() // nil unless a's error canceled it
		})
		a.Go(func(context.Context) (int, error) { return 0, errFirst })
		a.Go(func(ctx context.Context) (int, error) {
			<-ctx.Done() // canceled by the error
			return 0, context.Cause(ctx)
		})
		a.Go(func(context.Context) (int, error) {
			t.Error("a task queued after its group failed ran")
			return 0, nil
		})
		if _, err := a.Wait(); !errors.Is(err, errFirst) {
			t.Errorf("a.Wait() = %v, want the first error", err)
		}
		close(release)
		if v, err := b.Wait(); err != nil || len(v) != 1 || v[0] != 1 {
			t.Errorf("b.Wait() = %v, %v; want [1], nil", v, err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("the pool's Close() = %v; a group's errors are its own", err)
		}
	})
}

// A panic in a group's task is re-raised by Wait, once every task has
// completed, and outranks an error.
func TestGroupPanic(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	started := make(chan struct{})
	// The failing task waits for the other to start: one that starts after
	// the group's first failure never runs.
	g.Go(func(context.Context) (int, error) { <-started; return 0, errors.New("plain") })
	g.Go(func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done() // after the error
		panic("after the error")
	})
	defer func() {
		pe, ok := recover().(*errgroupx.PanicError)
		if !ok || pe.Value != "after the error" {
			t.Errorf("Wait panicked with %v, want the task's panic", pe)
		}
	}()
	g.Wait()
	t.Error("Wait returned after a panic")
}

// After Wait has returned, the group takes no more tasks: Go and TryGo panic.
// Wait may be called again, and returns the same.
func TestGroupUsedAfterWait(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	g := pool.NewGroup[string](context.Background(), p)
	g.Go(func(context.Context) (string, error) { return "a", nil })
	first, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.Wait()
	if err != nil || !cmp.Equal(first, again) {
		t.Errorf("second Wait() = %v, %v; want %v, nil", again, err, first)
	}
	wantPanic(t, "pool: Group.Go called after Wait", func() {
		g.Go(func(context.Context) (string, error) { return "", nil })
	})
	wantPanic(t, "pool: Group.TryGo called after Wait", func() {
		g.TryGo(func(context.Context) (string, error) { return "", nil })
	})
}

// A group whose pool closes under it: its tasks accepted before Close run to
// their end, and a task added after is refused, which Wait reports with
// ErrClosed.
func TestGroupWhosePoolCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		g := pool.NewGroup[int](context.Background(), p)
		release := make(chan struct{})
		g.Go(func(context.Context) (int, error) { <-release; return 1, nil })
		g.Go(func(context.Context) (int, error) { return 2, nil })
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait() // Close drains
		g.Go(func(context.Context) (int, error) {
			t.Error("a task added after Close ran")
			return 3, nil
		})
		close(release)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		values, err := g.Wait()
		if !errors.Is(err, pool.ErrClosed) || values != nil {
			t.Errorf("Wait() = %v, %v; want nil, ErrClosed", values, err)
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2})
	})
}

// A group whose pool's ctx ends: its queued tasks never run, and Wait says
// the pool's ctx ended.
func TestGroupWhosePoolEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 1, pool.QueueSize(1))
		g := pool.NewGroup[int](context.Background(), p)
		g.Go(func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, nil })
		g.Go(func(context.Context) (int, error) {
			t.Error("a queued task ran after the pool's end")
			return 0, nil
		})
		synctest.Wait()
		cancel()
		_, err := g.Wait()
		errSkipped(t, "group", err, "the pool's", context.Canceled)
		p.Close()
	})
}

// TryGo adds nothing to the group when the pool's queue is full.
func TestGroupTryGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(0))
		g := pool.NewGroup[int](context.Background(), p)
		release := make(chan struct{})
		if !g.TryGo(func(context.Context) (int, error) { <-release; return 1, nil }) {
			t.Fatal("TryGo with an idle worker reported false")
		}
		if g.TryGo(func(context.Context) (int, error) { return 2, nil }) {
			t.Error("TryGo with no room reported true")
		}
		close(release)
		if values, err := g.Wait(); err != nil || !cmp.Equal(values, []int{1}) {
			t.Errorf("Wait() = %v, %v; want [1], nil", values, err)
		}
		p.Close()
	})
}

// A task of the group may add tasks to it while Wait waits: Wait waits for
// them too.
func TestGroupGrowsWhileWaiting(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	var add func(depth int) func(context.Context) (int, error)
	add = func(depth int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			if depth > 0 {
				g.Go(add(depth - 1))
			}
			return depth, nil
		}
	}
	g.Go(add(5))
	values, err := g.Wait()
	if err != nil || !cmp.Equal(values, []int{5, 4, 3, 2, 1, 0}) {
		t.Errorf("Wait() = %v, %v; want [5 4 3 2 1 0], nil", values, err)
	}
}

// A group made by a task with a ctx that carries the task's worker but
// not its end (context.WithoutCancel) still ends when the pool's ctx does,
// as NewGroup promises.
func TestGroupFromDetachedTaskCtxEndsWithPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2)
		started := make(chan struct{})
		f := pool.Submit(p, func(ctx context.Context) (int, error) {
			gctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			defer stop()
			g := pool.NewGroup[int](gctx, p)
			g.Go(func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done() // the pool's end, or never
				return 0, ctx.Err()
			})
			_, err := g.Wait()
			return 0, err
		})
		<-started
		cancel()
		if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
			t.Errorf("the group's Wait returned %v; want context.Canceled", err)
		}
		p.Close()
	})
}
