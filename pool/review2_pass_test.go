package pool_test

// Review 2 of the changes since 824e657: tests that pass, pinning behaviour
// the changes touched (Group.Wait's sleep, caller records with a key and no
// ctx, lateCtx's release at wake).

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// TestReview2GroupWaitOrderNestedConcurrent checks Group.Wait: "returns their
// values in the order Go and TryGo added them", "A task of the group may call
// Go too, also while Wait waits", and "Wait may be called again, and
// concurrently: each call returns the same", with three Waits that are no
// task (the one sleep) beside one in a task of the pool (which lends).
func TestReview2GroupWaitOrderNestedConcurrent(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	for range 50 {
		g := pool.NewGroup[int](context.Background(), p)
		release := make(chan struct{})
		added := make(chan struct{})
		g.Go(func(context.Context) (int, error) {
			<-release
			// Added while the Waits wait, by a task of the group.
			g.Go(func(context.Context) (int, error) {
				g.Go(returns(3))
				return 2, nil
			})
			close(added)
			return 1, nil
		})
		want := []int{1, 2, 3}
		var wg sync.WaitGroup
		got := make([][]int, 4)
		errs := make([]error, 4)
		for i := range 3 {
			wg.Go(func() { got[i], errs[i] = g.Wait() })
		}
		inTask := pool.Submit(p, func(context.Context) (int, error) {
			v, err := g.Wait()
			got[3], errs[3] = v, err
			return 0, nil
		})
		close(release)
		wg.Wait()
		if _, err := inTask.Wait(); err != nil {
			t.Fatal(err)
		}
		<-added
		for i := range got {
			if errs[i] != nil || !slices.Equal(got[i], want) {
				t.Fatalf("Wait %d: %v, %v; want %v, nil", i, got[i], errs[i], want)
			}
		}
	}
}

// TestReview2GroupTryGoRefusedThenWait checks Group.TryGo: "it reports
// false, and adds nothing to the group, when the pool's queue is full and no
// worker is free": a Wait that is no task returns the accepted tasks' values
// and does not wait for the refused one.
func TestReview2GroupTryGoRefusedThenWait(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	started := make(chan int, 1)
	release := make(chan struct{})
	g.Go(blocker(started, release, 1))
	<-started
	if g.TryGo(returns(2)) {
		t.Fatal("TryGo accepted a task with the only worker busy and no queue")
	}
	close(release)
	got, err := g.Wait()
	if err != nil || !slices.Equal(got, []int{1}) {
		t.Fatalf("Wait: %v, %v; want [1], nil", got, err)
	}
	// Only refused: pending back at 0 at once.
	g2 := pool.NewGroup[int](context.Background(), p)
	hold := make(chan struct{})
	f := pool.Submit(p, blocker(nil, hold, 0))
	if g2.TryGo(returns(1)) {
		t.Fatal("TryGo accepted with the only worker busy")
	}
	if got, err := g2.Wait(); err != nil || len(got) != 0 {
		t.Fatalf("Wait of a group with only a refused task: %v, %v", got, err)
	}
	close(hold)
	f.Wait()
}

// TestReview2GroupNeverRan checks Group.Wait: "if a task never ran, Wait
// returns nil and its error", for tasks refused by Close, skipped by the
// pool's end, and skipped because the group's ctx ended.
func TestReview2GroupNeverRan(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		p.Close()
		g := pool.NewGroup[int](context.Background(), p)
		g.Go(returns(1))
		if _, err := g.Wait(); !errors.Is(err, pool.ErrClosed) {
			t.Fatalf("Wait: %v, want ErrClosed", err)
		}
	})
	t.Run("pool ended", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 1)
		defer p.Close()
		g := pool.NewGroup[int](context.Background(), p)
		started := make(chan int, 1)
		g.Go(func(ctx context.Context) (int, error) {
			started <- 0
			<-ctx.Done()
			return 0, nil
		})
		<-started
		ran := false
		g.Go(func(context.Context) (int, error) { ran = true; return 1, nil })
		cancel()
		_, err := g.Wait()
		if !errors.Is(err, pool.ErrPoolEnded) || ran {
			t.Fatalf("Wait: %v (ran %v), want an error wrapping ErrPoolEnded", err, ran)
		}
	})
	t.Run("group ctx ended", func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		defer p.Close()
		ctx, cancel := context.WithCancel(context.Background())
		g := pool.NewGroup[int](ctx, p)
		started := make(chan int, 1)
		release := make(chan struct{})
		g.Go(blocker(started, release, 1))
		<-started
		ran := false
		g.Go(func(context.Context) (int, error) { ran = true; return 2, nil })
		cancel()
		close(release)
		_, err := g.Wait()
		if !errors.Is(err, context.Canceled) || ran {
			t.Fatalf("Wait: %v (ran %v), want the caller's context.Canceled", err, ran)
		}
	})
}

// TestReview2GroupWaitFromHandedCtx checks Group.Wait called from a goroutine
// a task handed its ctx to, with the group made on that ctx, while the task
// waits for the goroutine with an errgroupx.Group (which lends): the
// group's tasks run (Pool's "nothing waits for a task no worker will run").
func TestReview2GroupWaitFromHandedCtx(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(4))
	defer p.Close()
	f := pool.Submit(p, func(ctx context.Context) ([]int, error) {
		eg, ectx := errgroupx.WithContext(ctx) // lends the task's worker in Wait
		var got []int
		eg.Go(func() error {
			g := pool.NewGroup[int](ectx, p)
			for i := range 3 {
				g.Go(returns(i))
			}
			var err error
			got, err = g.Wait()
			return err
		})
		return got, eg.Wait()
	})
	got, err := f.Wait()
	if err != nil || !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

// TestReview2GroupFirstErrorAndPanic checks Group.Wait: "If a task failed,
// Wait returns nil and the first error in time or, if one panicked, panics
// with the first [*errgroupx.PanicError]", with a Wait that is no task.
func TestReview2GroupFirstErrorAndPanic(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	first := errors.New("first")
	g := pool.NewGroup[int](context.Background(), p)
	g.Go(fails(first))
	if v, err := g.Wait(); v != nil || err != first {
		t.Fatalf("Wait: %v, %v; want nil, first", v, err)
	}
	g2 := pool.NewGroup[int](context.Background(), p)
	failed, started := make(chan struct{}), make(chan struct{})
	g2.Go(func(context.Context) (int, error) { <-started; close(failed); return 0, first })
	g2.Go(func(context.Context) (int, error) { close(started); <-failed; panic("boom") })
	defer func() {
		pe, ok := recover().(*errgroupx.PanicError)
		if !ok || fmt.Sprint(pe.Value) != "boom" {
			t.Fatalf("Wait's panic: %v, want a *PanicError of boom", pe)
		}
	}()
	g2.Wait()
	t.Fatal("Wait returned: want its panic")
}

// rv2Opaque is a caller's ctx that context cannot see into: a child of it
// made by context.WithCancelCause watches it from a goroutine until canceled,
// so a merge that is never released leaks a goroutine.
type rv2Opaque struct {
	done chan struct{}
}

func (c *rv2Opaque) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *rv2Opaque) Done() <-chan struct{}       { return c.done }
func (c *rv2Opaque) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}
func (c *rv2Opaque) Value(any) any { return nil }

// TestReview2LateCtxReleased checks SubmitContext and GoContext ("fn's ctx
// ... ends when ctx or the pool's context ends") leave nothing behind once
// the task has completed (GUARANTEES 25: no goroutine outlives a call): the
// merge of a caller's ctx that may outlive the pool's, made when fn asks for
// its end, is released however the task ends and wherever it runs.
func TestReview2LateCtxReleased(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	caller := &rv2Opaque{done: make(chan struct{})} // never ends
	asks := func(ctx context.Context) { _ = ctx.Done() }
	p := pool.New(context.Background(), 1, pool.QueueSize(4))
	// On the worker: returns, fails, panics, Goexit.
	fs := []*pool.Future[int]{
		pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); return 1, nil }),
		pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); return 0, errors.New("x") }),
		pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); panic("p") }),
		pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); runtime.Goexit(); return 0, nil }),
	}
	for _, f := range fs {
		f.Wait()
	}
	p.GoContext(caller, func(ctx context.Context) error { asks(ctx); return nil })
	// On a lent worker's helper: returns and Goexit.
	outer := pool.Submit(p, func(context.Context) (int, error) {
		a := pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); return 1, nil })
		b := pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { asks(ctx); runtime.Goexit(); return 0, nil })
		a.Wait()
		_, err := b.Wait()
		if !errors.Is(err, errgroupx.ErrGoexit) {
			return 0, fmt.Errorf("b: %v", err)
		}
		return 0, nil
	})
	if _, err := outer.Wait(); err != nil {
		t.Fatal(err)
	}
	// A ctx handed on and asked after the task returned.
	leaked := make(chan context.Context, 1)
	pool.SubmitContext(caller, p, func(ctx context.Context) (int, error) { leaked <- ctx; return 0, nil }).Wait()
	if ctx := <-leaked; ctx.Err() == nil {
		t.Error("a task's ctx asked after the task completed: not ended")
	}
	p.Wait()
	if err := p.Close(); err != nil {
		t.Log(err)
	}
}

// TestReview2KeyedNoCallerCtx checks SubmitKey and GoKey, whose caller
// record holds a key and no ctx: fn's ctx is the pool's ("Submit adds a task
// that calls fn with the pool's context"), ending with it; the key orders;
// GoKey's error goes "to the next Pool.Wait"; a queued keyed task is skipped
// by the pool's end with an error wrapping ErrPoolEnded.
func TestReview2KeyedNoCallerCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 2, pool.QueueSize(16))
	var mu sync.Mutex
	var order []int
	var fs []*pool.Future[int]
	for i := range 8 {
		fs = append(fs, pool.SubmitKey(p, "k", func(ctx context.Context) (int, error) {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return i, nil
		}))
	}
	boom := errors.New("boom")
	p.GoKey("k", func(context.Context) error { return boom })
	for i, f := range fs {
		if v, err := f.Wait(); v != i || err != nil {
			t.Fatalf("task %d: %v, %v", i, v, err)
		}
	}
	if err := p.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait: %v, want boom", err)
	}
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("order %v", order)
	}
	started := make(chan int, 1)
	release := make(chan struct{})
	running := pool.SubmitKey(p, 1, func(ctx context.Context) (int, error) {
		started <- 0
		<-ctx.Done() // the pool's
		<-release
		return 0, ctx.Err()
	})
	<-started
	queued := pool.SubmitKey(p, 1, returns(1))
	cancel()
	if _, err := queued.Wait(); !errors.Is(err, pool.ErrPoolEnded) {
		t.Fatalf("queued keyed task at the pool's end: %v", err)
	}
	close(release)
	if _, err := running.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("running keyed task's ctx at the pool's end: %v", err)
	}
	p.Close()
}

// TestReview2GroupGoKeyOwnKeyWaitPanics checks SubmitKey's "A task that
// waits for a later task of its own key would wait forever: Future.Wait,
// WaitContext and Group.Wait panic then", for Group.GoKey.
func TestReview2GroupGoKeyOwnKeyWaitPanics(t *testing.T) {
	p := pool.New(context.Background(), 2, pool.QueueSize(4))
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	got := make(chan any, 1)
	f := pool.SubmitKey(p, "k", func(context.Context) (int, error) {
		g.GoKey("k", returns(1))
		func() {
			defer func() { got <- recover() }()
			g.Wait()
		}()
		return 0, nil
	})
	f.Wait()
	msg := fmt.Sprint(<-got)
	if want := "pool: Group.Wait called from a task with key k for a later task of the same key"; len(msg) < len(want) || msg[:len(want)] != want {
		t.Fatalf("panic: %q", msg)
	}
	if v, err := g.Wait(); err != nil || !slices.Equal(v, []int{1}) {
		t.Fatalf("Wait after: %v, %v", v, err)
	}
}
