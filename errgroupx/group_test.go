package errgroupx_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
)

// waitPanic calls wait and returns the *PanicError it panics with, or nil if it
// returns; a panic of another type fails the test.
func waitPanic(t *testing.T, wait func() error) (pe *errgroupx.PanicError, err error) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			var ok bool
			if pe, ok = v.(*errgroupx.PanicError); !ok {
				t.Fatalf("Wait panicked with %T %v, want *errgroupx.PanicError", v, v)
			}
		}
	}()
	return nil, wait()
}

func TestZeroGroupReturnsFirstError(t *testing.T) {
	var g errgroupx.Group
	g.SetLimit(1) // each task returns before the next starts
	errFirst := errors.New("first")
	g.Go(func() error { return errFirst })
	g.Go(func() error { return errors.New("second") })
	g.Go(func() error { return nil })
	if err := g.Wait(); err != errFirst {
		t.Fatalf("Wait() = %v, want %v", err, errFirst)
	}
}

func TestWithContextCanceledByError(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	errBoom := errors.New("boom")
	g.Go(func() error { return errBoom })
	g.Go(func() error {
		<-ctx.Done() // would hang if the error did not cancel ctx
		return ctx.Err()
	})
	if err := g.Wait(); err != errBoom {
		t.Fatalf("Wait() = %v, want %v", err, errBoom)
	}
	if cause := context.Cause(ctx); cause != errBoom {
		t.Errorf("context.Cause = %v, want %v", cause, errBoom)
	}
}

func TestWithContextCanceledByWait(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	g.Go(func() error { return nil })
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait() = %v", err)
	}
	if ctx.Err() == nil {
		t.Error("ctx not canceled after Wait")
	}
}

func panicker(v any) func() error {
	return func() error { panic(v) }
}

func TestPanicReraisedInWait(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	g.Go(panicker("kaboom"))
	g.Go(func() error {
		<-ctx.Done() // the panic must cancel ctx, or this hangs
		return nil
	})
	pe, err := waitPanic(t, g.Wait)
	if pe == nil {
		t.Fatalf("Wait returned %v, want a panic", err)
	}
	if pe.Value != "kaboom" {
		t.Errorf("Value = %v, want kaboom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "group_test.go") {
		t.Errorf("Stack does not show the panicking function:\n%s", pe.Stack)
	}
	if !strings.Contains(pe.Error(), "kaboom") || !strings.Contains(pe.Error(), "panicker") {
		t.Errorf("Error() = %q, want the value and the stack", pe.Error())
	}
	if cause := context.Cause(ctx); cause != error(pe) {
		t.Errorf("context.Cause = %v, want the *PanicError", cause)
	}
}

func TestPanicOutranksEarlierError(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	failed := make(chan struct{})
	g.Go(func() error {
		defer close(failed)
		return errors.New("plain error")
	})
	g.Go(func() error {
		<-failed
		<-ctx.Done()
		panic("after the error")
	})
	if pe, err := waitPanic(t, g.Wait); pe == nil || pe.Value != "after the error" {
		t.Fatalf("Wait() = %v, %v; want a panic with the value %q", pe, err, "after the error")
	}
}

func TestPanicWithErrorValueUnwraps(t *testing.T) {
	errInner := errors.New("inner")
	var g errgroupx.Group
	g.Go(panicker(fmt.Errorf("wrapped: %w", errInner)))
	pe, _ := waitPanic(t, g.Wait)
	if pe == nil {
		t.Fatal("Wait did not panic")
	}
	if !errors.Is(pe, errInner) {
		t.Errorf("errors.Is(%v, inner) = false", pe)
	}
	if (&errgroupx.PanicError{Value: 42}).Unwrap() != nil {
		t.Error("Unwrap of a non-error value is not nil")
	}
}

func TestPanicNil(t *testing.T) {
	var g errgroupx.Group
	g.Go(panicker(nil))
	pe, _ := waitPanic(t, g.Wait)
	var nilErr *runtime.PanicNilError
	if pe == nil || !errors.As(pe, &nilErr) {
		t.Fatalf("Wait() panicked with %v, want a *runtime.PanicNilError inside", pe)
	}
}

// Under GODEBUG=panicnil=1, panic(nil) is recovered as nil. It is still a
// panic, not a Goexit, and still reaches Wait: the goroutine went on after
// the recover, which a Goexit never does.
func TestPanicNilUnderGODEBUG(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1") // read again by the runtime when set
	var g errgroupx.Group
	g.Go(panicker(nil))
	pe, err := waitPanic(t, g.Wait)
	if pe == nil || pe.Value != nil || len(pe.Stack) == 0 {
		t.Fatalf("Wait() = %v, panicked with %#v; want a PanicError with a nil Value and a stack", err, pe)
	}
}

func TestGoexitIsAnError(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	g.Go(func() error {
		runtime.Goexit()
		return nil
	})
	g.Go(func() error {
		<-ctx.Done() // Goexit must cancel ctx like an error
		return nil
	})
	if err := g.Wait(); !errors.Is(err, errgroupx.ErrGoexit) {
		t.Fatalf("Wait() = %v, want ErrGoexit", err)
	}
}

func TestSetLimit(t *testing.T) {
	const limit, tasks = 3, 12
	var g errgroupx.Group
	g.SetLimit(limit)
	var running, peak atomic.Int32
	full := make(chan struct{})
	var reached atomic.Bool
	for range tasks {
		g.Go(func() error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			if n == limit && reached.CompareAndSwap(false, true) {
				close(full)
			}
			<-full // the first tasks wait until limit of them run at once
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got != limit {
		t.Errorf("peak concurrency = %d, want %d", got, limit)
	}
}

func TestTryGo(t *testing.T) {
	var g errgroupx.Group
	g.SetLimit(1)
	release := make(chan struct{})
	if !g.TryGo(func() error { <-release; return nil }) {
		t.Fatal("TryGo on an empty group = false")
	}
	if g.TryGo(func() error { return nil }) {
		t.Error("TryGo at the limit = true")
	}
	close(release)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestTryGoPanicIsReraised(t *testing.T) {
	var g errgroupx.Group
	g.TryGo(panicker("try"))
	if pe, _ := waitPanic(t, g.Wait); pe == nil || pe.Value != "try" {
		t.Fatalf("Wait did not re-raise the panic of TryGo's function: %v", pe)
	}
}

func TestNilFuncPanics(t *testing.T) {
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"Group.Go", func() { new(errgroupx.Group).Go(nil) }, "Group.Go"},
		{"Group.TryGo", func() { new(errgroupx.Group).TryGo(nil) }, "Group.TryGo"},
		{"ResultGroup.Go", func() { new(errgroupx.ResultGroup[int]).Go(nil) }, "ResultGroup.Go"},
		{"ResultGroup.TryGo", func() { new(errgroupx.ResultGroup[int]).TryGo(nil) }, "ResultGroup.TryGo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q does not name %s", msg, tt.want)
				}
			}()
			tt.call()
		})
	}
}

func TestRecover(t *testing.T) {
	errPlain := errors.New("plain")
	if err := errgroupx.Recover(func() error { return errPlain }, nil); err != errPlain {
		t.Errorf("Recover(error) = %v, want %v", err, errPlain)
	}
	var pe *errgroupx.PanicError
	if err := errgroupx.Recover(panicker(7), nil); !errors.As(err, &pe) || pe.Value != 7 {
		t.Errorf("Recover(panic) = %v, want a *PanicError with 7", err)
	}
	got := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		errgroupx.Recover(func() error {
			runtime.Goexit()
			return nil
		}, func(err error) { got <- err })
		t.Error("Recover returned after Goexit")
	}()
	<-done
	if err := <-got; err != errgroupx.ErrGoexit {
		t.Errorf("onGoexit got %v, want ErrGoexit", err)
	}
}
