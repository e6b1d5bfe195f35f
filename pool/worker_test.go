package pool_test

import (
	"context"
	"errors"
	"runtime"
	"runtime/pprof"
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

// TestPanicDuringGoexit checks that a panic that a task's deferred call
// raises while the task unwinds from runtime.Goexit outranks the Goexit: the
// Future, or Wait for Go, gets the *errgroupx.PanicError, not ErrGoexit, and
// the worker is still replaced.
func TestPanicDuringGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		defer p.Close()
		exits := func() {
			defer func() { panic("cleanup") }()
			runtime.Goexit()
		}
		f := pool.Submit(p, func(context.Context) (int, error) { exits(); return 1, nil })
		_, err := f.Wait()
		var pe *errgroupx.PanicError
		if !errors.As(err, &pe) || pe.Value != "cleanup" || errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("Future.Wait: got %v, want the *errgroupx.PanicError of the cleanup", err)
		}
		p.Go(func(context.Context) error { exits(); return nil })
		err = p.Wait()
		if !errors.As(err, &pe) || pe.Value != "cleanup" || errors.Is(err, errgroupx.ErrGoexit) {
			t.Errorf("Wait: got %v, want the *errgroupx.PanicError of the cleanup", err)
		}
		if v, err := pool.Submit(p, returns(3)).Wait(); v != 3 || err != nil {
			t.Errorf("task after the Goexits: got %d, %v; want 3, nil", v, err)
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Completed: 3, Failed: 2})
	})
}

// TestLabels checks the pprof labels that tasks run with, read from the
// goroutine profile inside each task: a task added with SubmitContext has
// those of its ctx, every other task those of the pool's ctx, not those of
// the goroutine that called New; a task that sets labels of its own leaves
// them to no other task; and a worker between tasks, or replacing one that
// called Goexit, carries the pool's labels alone.
func TestLabels(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context // the pool's
		want string          // the labels of its ctx, as the profile shows them
	}{
		{"pool without labels", context.Background(), ""},
		{"pool with labels", pprof.WithLabels(context.Background(), pprof.Labels("pool", "p")), `{"pool":"p"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *pool.Pool
			// New, called from a goroutine with labels of its own.
			pprof.Do(context.Background(), pprof.Labels("caller", "new"), func(context.Context) {
				p = pool.New(tt.ctx, 1, pool.QueueSize(4))
			})
			defer p.Close()
			labelled := func(context.Context) (string, error) { return ownLabels(), nil }
			request := pprof.WithLabels(context.Background(), pprof.Labels("request", "B"))
			check := func(what string, f *pool.Future[string], want string) {
				t.Helper()
				if got, err := f.Wait(); got != want || err != nil {
					t.Errorf("%s: labels %q, %v; want %q", what, got, err, want)
				}
			}

			check("Submit", pool.Submit(p, labelled), tt.want)
			check("SubmitContext", pool.SubmitContext(request, p, labelled), `{"request":"B"}`)
			var goLabels string
			p.Go(func(context.Context) error { goLabels = ownLabels(); return nil })
			p.Wait()
			if goLabels != tt.want {
				t.Errorf("Go: labels %q, want %q", goLabels, tt.want)
			}
			leaked := pprof.WithLabels(context.Background(), pprof.Labels("leaked", "x"))
			pool.Submit(p, func(context.Context) (int, error) {
				pprof.SetGoroutineLabels(leaked) // and not set back
				return 0, nil
			}).Wait()
			check("after a task that set labels", pool.Submit(p, labelled), tt.want)
			pool.Submit(p, func(context.Context) (int, error) {
				pprof.SetGoroutineLabels(leaked)
				runtime.Goexit()
				return 0, nil
			}).Wait()
			check("on the successor of a Goexit", pool.Submit(p, labelled), tt.want)

			// A task run inline has its own labels, and its caller gets
			// its own back.
			inline := pool.SubmitContext(request, p, func(ctx context.Context) (string, error) {
				child := pool.Submit(p, labelled) // queued: the only worker is busy here
				got, err := child.WaitContext(ctx)
				return got + " then " + ownLabels(), err
			})
			check("inline", inline, tt.want+` then {"request":"B"}`)

			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			workers := workerLabels()
			if len(workers) == 0 {
				t.Fatal("no worker in the goroutine profile")
			}
			for _, got := range workers {
				if got != tt.want {
					t.Errorf("a worker between tasks carries labels %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// ownLabels returns the pprof labels of the calling goroutine, as the
// goroutine profile shows them: "" for none.
func ownLabels() string {
	for _, rec := range goroutineRecords() {
		if strings.Contains(rec, "runtime/pprof.writeGoroutine") {
			return recordLabels(rec)
		}
	}
	panic("no goroutine is writing the goroutine profile")
}

// workerLabels returns the pprof labels of every goroutine that is a
// worker of a pool, as the goroutine profile shows them.
func workerLabels() []string {
	var out []string
	for _, rec := range goroutineRecords() {
		if strings.Contains(rec, "pool.(*Pool).work+") {
			out = append(out, recordLabels(rec))
		}
	}
	return out
}

// goroutineRecords returns the records of the goroutine profile, in its
// text form: one per stack and set of labels.
func goroutineRecords() []string {
	var b strings.Builder
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		panic(err)
	}
	return strings.Split(b.String(), "\n\n")
}

// recordLabels returns the labels of a record of the goroutine profile.
func recordLabels(rec string) string {
	for line := range strings.Lines(rec) {
		if l, ok := strings.CutPrefix(line, "# labels: "); ok {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
