package errgroupx_test

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
)

// A panic that a deferred call raises while its task unwinds from
// runtime.Goexit (a cleanup that panics after t.FailNow) outranks the
// Goexit: plain Go would crash with it, so Wait must panic with it.
func TestPanicDuringGoexitReachesWait(t *testing.T) {
	cleanupPanics := func() error {
		defer func() { panic("cleanup failed") }()
		runtime.Goexit()
		return nil
	}
	tests := []struct {
		name string
		wait func() error
	}{
		{"Group", func() error {
			var g errgroupx.Group
			g.Go(cleanupPanics)
			return g.Wait()
		}},
		{"ResultGroup", func() error {
			var g errgroupx.ResultGroup[int]
			g.Go(func() (int, error) { return 0, cleanupPanics() })
			_, err := g.Wait()
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe, err := waitPanic(t, tt.wait)
			if pe == nil || pe.Value != "cleanup failed" {
				t.Fatalf("Wait() = %v, panicked with %v; want a panic with %q", err, pe, "cleanup failed")
			}
			if !strings.Contains(string(pe.Stack), "TestPanicDuringGoexitReachesWait") {
				t.Errorf("Stack does not show the deferred call that panicked:\n%s", pe.Stack)
			}
		})
	}
}

func TestRecoverGoexit(t *testing.T) {
	tests := []struct {
		name string
		f    func() error
		want func(error) bool
	}{
		{"plain Goexit", func() error { runtime.Goexit(); return nil },
			func(err error) bool { return err == errgroupx.ErrGoexit }},
		{"panic while unwinding", func() error {
			defer func() { panic("cleanup failed") }()
			runtime.Goexit()
			return nil
		}, func(err error) bool {
			var pe *errgroupx.PanicError
			return errors.As(err, &pe) && pe.Value == "cleanup failed" && len(pe.Stack) > 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan error, 1)
			done := make(chan struct{})
			go func() {
				defer close(done)
				errgroupx.Recover(tt.f, func(err error) { got <- err })
				t.Error("Recover returned after Goexit")
			}()
			<-done
			if err := <-got; !tt.want(err) {
				t.Errorf("onGoexit got %v", err)
			}
		})
	}
}

// A panic that Wait re-raises and nobody recovers crashes the program as a
// panic in plain Go does: "panic: " once, with the value, then the stack
// where the task panicked, then Wait's.
func TestUnrecoveredPanicCrashesOnce(t *testing.T) {
	if os.Getenv("ERRGROUPX_CRASH") == "1" {
		// On a goroutine of its own, out of reach of the recover with which
		// the testing package reports a test's panic.
		done := make(chan struct{})
		go func() {
			defer close(done)
			var g errgroupx.Group
			g.Go(crashingTask)
			g.Wait()
		}()
		<-done
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnrecoveredPanicCrashesOnce$")
	cmd.Env = append(os.Environ(), "ERRGROUPX_CRASH=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the program did not crash:\n%s", out)
	}
	s := string(out)
	if n := strings.Count(s, "panic: "); n != 1 {
		t.Errorf(`"panic: " appears %d times, want once:\n%s`, n, s)
	}
	if !strings.Contains(s, "panic: disk on fire [recovered]\n") {
		t.Errorf("the crash does not start with the value and the task's stack:\n%s", s)
	}
	task, wait := strings.Index(s, "errgroupx_test.crashingTask"), strings.Index(s, "(*Group).Wait")
	if task < 0 || wait < task {
		t.Errorf("the crash does not show the task's stack, then Wait's:\n%s", s)
	}
}

func crashingTask() error { panic("disk on fire") }

// A refused TryGo keeps nothing: a loop that runs the function inline when
// TryGo refuses does not grow the group.
func TestResultGroupRefusedTryGoKeepsNothing(t *testing.T) {
	var g errgroupx.ResultGroup[[64]byte]
	g.SetLimit(1)
	release := make(chan struct{})
	g.Go(func() ([64]byte, error) { <-release; return [64]byte{1}, nil })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const refusals = 100_000 // 6.4 MB if each kept its value
	for range refusals {
		if g.TryGo(func() ([64]byte, error) { return [64]byte{}, nil }) {
			t.Fatal("TryGo at the limit accepted")
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	values, err := g.Wait()
	if err != nil || len(values) != 1 || values[0][0] != 1 {
		t.Fatalf("Wait() = %d values, %v; want the one value", len(values), err)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 1<<20 {
		t.Errorf("%d refused TryGo calls grew the heap by %d bytes", refusals, grown)
	}
}
