package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// TestPanic checks that a panic in a task is recovered with its stack, goes
// to the task's Future (or, for Go, to Wait), and leaves the worker serving.
func TestPanic(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, func(context.Context) (int, error) { panic("boom") })
	_, err := f.Wait()
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Future.Wait: got %v, want a *errgroupx.PanicError", err)
	}
	if pe.Value != "boom" || !strings.Contains(string(pe.Stack), "TestPanic") {
		t.Errorf("PanicError{Value: %v} has a stack without the panicking function:\n%s", pe.Value, pe.Stack)
	}
	if v, err := pool.Submit(p, returns(7)).Wait(); v != 7 || err != nil {
		t.Errorf("task after the panic: got %d, %v; want 7, nil", v, err)
	}

	errBoom := errors.New("boom")
	p.Go(func(context.Context) error { panic(errBoom) })
	err = p.Wait()
	if !errors.As(err, &pe) || !errors.Is(err, errBoom) {
		t.Errorf("Wait: got %v, want a *errgroupx.PanicError of errBoom", err)
	}
	checkStats(t, p, pool.Stats{Submitted: 3, Completed: 3, Failed: 2})
}

// TestPanicNilUnderGODEBUG checks that with GODEBUG=panicnil=1, under which
// panic(nil) is recovered as nil, the panic still fails its task once and the
// worker goes on serving.
func TestPanicNilUnderGODEBUG(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1") // read again by the runtime when set
	p := pool.New(context.Background(), 1)
	defer p.Close()
	_, err := pool.Submit(p, func(context.Context) (int, error) { panic(nil) }).Wait()
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) || pe.Value != nil {
		t.Fatalf("Future.Wait: got %v, want a *errgroupx.PanicError of nil", err)
	}
	if v, err := pool.Submit(p, returns(7)).Wait(); v != 7 || err != nil {
		t.Errorf("task after the panic: got %d, %v; want 7, nil", v, err)
	}
	checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2, Failed: 1})
}

// TestGoexit checks that a task calling runtime.Goexit fails with ErrGoexit,
// its worker is replaced, and the tasks queued behind it still run.
func TestGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(4))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 0))
		exited := pool.Submit(p, func(context.Context) (int, error) { runtime.Goexit(); return 1, nil })
		p.Go(func(context.Context) error { runtime.Goexit(); return nil })
		after := pool.Submit(p, returns(3))
		close(release)
		if _, err := exited.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("Future.Wait: got %v, want ErrGoexit", err)
		}
		if v, err := after.Wait(); v != 3 || err != nil {
			t.Errorf("task after the Goexit: got %d, %v; want 3, nil", v, err)
		}
		errIs(t, "Close", p.Close(), errgroupx.ErrGoexit)
		checkStats(t, p, pool.Stats{Submitted: 4, Completed: 4, Failed: 2})
	})
}

// TestGoexitEveryTask checks that a pool whose every task calls Goexit keeps
// its workers and loses no task.
func TestGoexitEveryTask(t *testing.T) {
	p := pool.New(context.Background(), 2, pool.QueueSize(1))
	futures := make([]*pool.Future[int], 100)
	for i := range futures {
		futures[i] = pool.Submit(p, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	}
	for i, f := range futures {
		if _, err := f.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("task %d: got %v, want ErrGoexit", i, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkStats(t, p, pool.Stats{Submitted: 100, Completed: 100, Failed: 100})
}
