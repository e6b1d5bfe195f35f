package pool_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// TestKeyedOrder checks that the tasks of one key run one at a time, in the
// order added, whatever the workers, the queue's size and the adders.
func TestKeyedOrder(t *testing.T) {
	tests := []struct {
		name           string
		workers, queue int
		keys, perKey   int
	}{
		{"one worker", 1, 4, 5, 50},
		{"no queue", 4, 0, 3, 100},
		{"many keys", 8, 64, 100, 20},
		{"one key, many workers", 8, 8, 1, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pool.New(context.Background(), tt.workers, pool.QueueSize(tt.queue))
			running := make([]atomic.Int32, tt.keys)
			got := make([][]int, tt.keys)
			want := make([][]int, tt.keys)
			var futures []*pool.Future[int]
			for i := range tt.perKey {
				for k := range tt.keys {
					want[k] = append(want[k], i)
					task := func(context.Context) (int, error) {
						if n := running[k].Add(1); n != 1 {
							t.Errorf("key %d: %d tasks at once", k, n)
						}
						got[k] = append(got[k], i) // one at a time: no race
						running[k].Add(-1)
						return i, nil
					}
					if i%2 == 0 {
						futures = append(futures, pool.SubmitKey(p, k, task))
					} else {
						p.GoKey(k, func(ctx context.Context) error { _, err := task(ctx); return err })
					}
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			for _, f := range futures {
				if _, err := f.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("each key's order (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeyedWaitHoldsNoWorker checks that a task waiting for its key holds no
// worker, nor does its key hold others: with one key's task running and its
// next waiting, a task of another key runs on the second worker.
func TestKeyedWaitHoldsNoWorker(t *testing.T) {
	for _, queue := range []int{0, 4} {
		t.Run(fmt.Sprintf("QueueSize(%d)", queue), func(t *testing.T) {
			p := pool.New(context.Background(), 2, pool.QueueSize(queue))
			started := make(chan int, 3)
			release := make(chan struct{})
			first := pool.SubmitKey(p, "a", blocker(started, release, 1))
			<-started
			// With QueueSize(0), a's second task waits at the door.
			second := make(chan *pool.Future[int])
			go func() { second <- pool.SubmitKey(p, "a", returns(2)) }()
			other := pool.SubmitKey(p, "b", returns(3))
			if v, err := other.Wait(); v != 3 || err != nil {
				t.Fatalf("key b's task: %d, %v while key a's waited", v, err)
			}
			close(release)
			f := <-second
			for i, f := range []*pool.Future[int]{first, f} {
				if v, err := f.Wait(); v != i+1 || err != nil {
					t.Errorf("key a's task %d: %d, %v", i+1, v, err)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestKeyedFailuresDoNotStopTheKey checks that a key's task that fails, in
// every way, leaves the key's later tasks to run, in order, each with its
// own outcome.
func TestKeyedFailuresDoNotStopTheKey(t *testing.T) {
	p := pool.New(context.Background(), 3, pool.QueueSize(8)) // room for the key's tasks
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	errBoom := errors.New("boom")
	started := make(chan int, 1)
	release := make(chan struct{})
	fs := []*pool.Future[int]{
		pool.SubmitKey(p, 7, func(ctx context.Context) (int, error) { note("held"); return blocker(started, release, 1)(ctx) }),
		pool.SubmitKey(p, 7, func(context.Context) (int, error) { note("panic"); panic("oops") }),
		pool.SubmitKey(p, 7, func(context.Context) (int, error) { note("goexit"); runtime.Goexit(); return 0, nil }),
		pool.SubmitKey(p, 7, func(context.Context) (int, error) { note("error"); return 0, errBoom }),
	}
	<-started
	fs = append(fs, pool.SubmitKey(p, 7, func(context.Context) (int, error) { note("last"); return 5, nil }))
	close(release)
	var pe *errgroupx.PanicError
	if _, err := fs[1].Wait(); !errors.As(err, &pe) {
		t.Errorf("panicking task: %v", err)
	}
	errIs(t, "Goexit's task", second(fs[2].Wait()), errgroupx.ErrGoexit)
	errIs(t, "failing task", second(fs[3].Wait()), errBoom)
	if v, err := fs[4].Wait(); v != 5 || err != nil {
		t.Errorf("last task: %d, %v", v, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"held", "panic", "goexit", "error", "last"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func second[R any](_ R, err error) error { return err }

// TestKeyedSkipsMidKey checks that a key's tasks whose caller's ctx, or the
// pool's, ends while they wait for the key never run, and that the key's
// later tasks still do, or are skipped with the pool.
func TestKeyedSkipsMidKey(t *testing.T) {
	t.Run("the caller's ctx", func(t *testing.T) {
		p := pool.New(context.Background(), 2)
		started := make(chan int, 1)
		release := make(chan struct{})
		held := pool.SubmitKey(p, "k", blocker(started, release, 1))
		<-started
		ctx, cancel := context.WithCancel(context.Background())
		g := pool.NewGroup[int](ctx, p)
		g.GoKey("k", func(context.Context) (int, error) { t.Error("a skipped task ran"); return 0, nil })
		last := pool.SubmitKey(p, "k", returns(3))
		cancel()
		_, err := g.Wait()
		errSkipped(t, "the group's task", err, "the caller's", context.Canceled)
		close(release)
		if v, err := last.Wait(); v != 3 || err != nil {
			t.Errorf("the key's task after a skipped one: %d, %v", v, err)
		}
		if v, err := held.Wait(); v != 1 || err != nil {
			t.Errorf("the held task: %d, %v", v, err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the pool's ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2)
		started := make(chan int, 1)
		release := make(chan struct{})
		held := pool.SubmitKey(p, "k", blocker(started, release, 1))
		<-started
		rest := []*pool.Future[int]{pool.SubmitKey(p, "k", returns(2)), pool.SubmitKey(p, "k", returns(3))}
		cancel()
		close(release)
		if v, err := held.Wait(); v != 1 || err != nil {
			t.Errorf("the running task: %d, %v", v, err)
		}
		for _, f := range rest {
			errIs(t, "a task waiting for its key", second(f.Wait()), pool.ErrPoolEnded)
		}
		errIs(t, "Close", p.Close(), pool.ErrPoolEnded)
	})
	t.Run("Close", func(t *testing.T) {
		p := pool.New(context.Background(), 2)
		started := make(chan int, 1)
		release := make(chan struct{})
		held := pool.SubmitKey(p, "k", blocker(started, release, 1))
		<-started
		rest := []*pool.Future[int]{pool.SubmitKey(p, "k", returns(2)), pool.SubmitKey(p, "k", returns(3))}
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		close(release)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		for i, f := range append([]*pool.Future[int]{held}, rest...) {
			if v, err := f.Wait(); v != i+1 || err != nil {
				t.Errorf("task %d drained by Close: %d, %v", i+1, v, err)
			}
		}
		errIs(t, "a keyed task after Close", second(pool.SubmitKey(p, "k", returns(4)).Wait()), pool.ErrClosed)
	})
}

// TestKeyedNested checks that a task that waits for a keyed task lends its
// worker however the keyed task waits: on the one worker, the lent worker
// serves the queue, in its order, until the awaited task has run.
func TestKeyedNested(t *testing.T) {
	p := pool.New(context.Background(), 1)
	var order []int
	f := pool.Submit(p, func(ctx context.Context) (int, error) {
		var fs []*pool.Future[int]
		for i := range 4 {
			fs = append(fs, pool.SubmitKey(p, "k", func(context.Context) (int, error) {
				order = append(order, i) // one task function at a time
				return i, nil
			}))
		}
		return fs[3].WaitContext(ctx)
	})
	if v, err := f.Wait(); v != 3 || err != nil {
		t.Fatalf("the waiting task: %d, %v", v, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestKeyedWaitForOwnKeyPanics checks that a keyed task that waits for a later
// task of its own key panics at once with a message naming the wait, rather
// than hang, and that its key goes on.
func TestKeyedWaitForOwnKeyPanics(t *testing.T) {
	for _, method := range []string{"Future.Wait", "Future.WaitContext"} {
		t.Run(method, func(t *testing.T) {
			p := pool.New(context.Background(), 2)
			var child *pool.Future[int]
			f := pool.SubmitKey(p, "k", func(ctx context.Context) (int, error) {
				child = pool.SubmitKey(p, "k", returns(2))
				if method == "Future.Wait" {
					return child.Wait()
				}
				return child.WaitContext(ctx)
			})
			var pe *errgroupx.PanicError
			_, err := f.Wait()
			want := "pool: " + method + " called from a task with key k for a later task of the same key, " +
				"which cannot start before the caller returns"
			if !errors.As(err, &pe) || fmt.Sprint(pe.Value) != want {
				t.Fatalf("the task: %v, want a panic %q", err, want)
			}
			if v, err := child.Wait(); v != 2 || err != nil {
				t.Errorf("the child: %d, %v", v, err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestKeyedPanics checks the panics of misuse, each naming its function.
func TestKeyedPanics(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	fn := returns(1)
	goFn := func(context.Context) error { return nil }
	calls := map[string]func(key any, nilFn bool){
		"SubmitKey": func(key any, nilFn bool) {
			if nilFn {
				pool.SubmitKey[int](p, key, nil)
			} else {
				pool.SubmitKey(p, key, fn)
			}
		},
		"Pool.GoKey": func(key any, nilFn bool) {
			if nilFn {
				p.GoKey(key, nil)
			} else {
				p.GoKey(key, goFn)
			}
		},
		"Group.GoKey": func(key any, nilFn bool) {
			if nilFn {
				g.GoKey(key, nil)
			} else {
				g.GoKey(key, fn)
			}
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantPanic(t, "pool: "+name+" called with nil key", func() { call(nil, false) })
			wantPanic(t, "pool: "+name+" called with a key of uncomparable type []int", func() { call([]int{1}, false) })
			wantPanic(t, "pool: "+name+" called with a key of uncomparable type struct { F interface {} }",
				func() { call(struct{ F any }{F: map[int]int{}}, false) })
			wantPanic(t, "pool: "+name+" called with a key not equal to itself (NaN): NaN", func() { call(math.NaN(), false) })
			wantPanic(t, "pool: "+name+" called with nil func", func() { call("k", true) })
		})
	}
	if _, err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestFairTurns checks the exact promise of groups: with the one worker
// held, the queued tasks of two Groups and of no group come out in turns,
// each group in the order it added them, the groups in the order their first
// task was queued, and a group that runs out leaves the turns.
func TestFairTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(100))
		release := make(chan struct{})
		p.Go(func(context.Context) error { <-release; return nil })
		synctest.Wait()
		var got []string
		note := func(s string) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { got = append(got, s); return 0, nil }
		}
		a := pool.NewGroup[int](context.Background(), p)
		b := pool.NewGroup[int](context.Background(), p)
		for i := range 5 {
			a.Go(note(fmt.Sprint("a", i)))
		}
		for i := range 2 {
			b.Go(note(fmt.Sprint("b", i)))
			pool.Submit(p, note(fmt.Sprint("-", i)))
		}
		close(release)
		if _, err := a.Wait(); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Wait(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		want := strings.Fields("a0 b0 -0 a1 b1 -1 a2 a3 a4")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("order (-want +got):\n%s", diff)
		}
	})
}

// TestFairNestedGroup checks that a Group made in a task, whose tasks are
// the task's children, is served in turns with another group, and that the
// task's wait still lends its worker: with one worker, the group's tasks run
// while the task waits.
func TestFairNestedGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(100))
		var got []string
		note := func(s string) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { got = append(got, s); return 0, nil }
		}
		other := pool.NewGroup[int](context.Background(), p)
		outer := pool.Submit(p, func(ctx context.Context) (int, error) {
			g := pool.NewGroup[int](ctx, p)
			for i := range 3 {
				g.Go(note(fmt.Sprint("in", i)))
			}
			for i := range 3 {
				other.Go(note(fmt.Sprint("out", i)))
			}
			vs, err := g.Wait()
			return len(vs), err
		})
		if n, err := outer.Wait(); n != 3 || err != nil {
			t.Fatalf("the task with a group: %d, %v", n, err)
		}
		if _, err := other.Wait(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		// The waiter runs what it waits for first; the rest in turns.
		var in []string
		for _, s := range got {
			if strings.HasPrefix(s, "in") {
				in = append(in, s)
			}
		}
		if diff := cmp.Diff(strings.Fields("in0 in1 in2"), in); diff != "" {
			t.Errorf("the nested group's order (-want +got):\n%s", diff)
		}
		if len(got) != 6 {
			t.Errorf("ran %v, want 6 tasks", got)
		}
	})
}
