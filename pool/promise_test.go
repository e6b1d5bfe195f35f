package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// Promise (package doc, Backpressure): "Blocked submitters get room in the
// order they came." Each submitter blocks on the full queue before the next
// one comes; Submit, Go and SubmitContext are mixed. With one worker the
// tasks run in the order they got room.
func TestBlockedSubmittersFIFO(t *testing.T) {
	for _, queue := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("QueueSize(%d)", queue), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 1, pool.QueueSize(queue))
				release := make(chan struct{})
				var mu sync.Mutex
				var order []int
				record := func(i int) { mu.Lock(); order = append(order, i); mu.Unlock() }
				pool.Submit(p, func(context.Context) (int, error) { <-release; return 0, nil })
				var want []int
				for i := range queue {
					pool.Submit(p, func(context.Context) (int, error) { record(100 + i); return 0, nil })
					want = append(want, 100+i)
				}
				const blocked = 9
				for i := range blocked {
					go func() {
						switch i % 3 {
						case 0:
							pool.Submit(p, func(context.Context) (int, error) { record(i); return 0, nil })
						case 1:
							p.Go(func(context.Context) error { record(i); return nil })
						case 2:
							ctx, cancel := context.WithCancel(context.Background())
							defer cancel()
							f := pool.SubmitContext(ctx, p, func(context.Context) (int, error) { record(i); return 0, nil })
							f.Wait()
						}
					}()
					synctest.Wait() // blocked, in this order
					want = append(want, i)
				}
				checkStats(t, p, pool.Stats{Submitted: int64(1 + queue), Queued: int64(queue), Running: 1, Blocked: blocked})
				close(release)
				if err := p.Wait(); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				p.Close()
				if diff := cmp.Diff(want, order); diff != "" {
					t.Errorf("order the tasks ran in (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// Promise (ErrClosed): "for [Pool.Go] Close's or the next [Pool.Wait]'s
// error wraps it"; (Close): "Later calls return ErrClosed at once". A Go
// blocked on the full queue when Close begins is refused, and the draining
// Close, which nobody needs to follow with Wait, reports it; its error is
// never ErrClosed itself, which a second Close returns.
func TestGoRefusedByCloseGoesToClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(0))
		release := make(chan struct{})
		p.Go(func(context.Context) error { <-release; return nil })
		go p.Go(func(context.Context) error { return nil }) // blocks: no room
		synctest.Wait()
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait() // Close has refused the blocked Go and waits for the drain
		close(release)
		errClose := <-closed
		if !errors.Is(errClose, pool.ErrClosed) || errClose == pool.ErrClosed {
			t.Errorf("first Close: got %v, want an error that wraps ErrClosed", errClose)
		}
		if err := p.Close(); err != pool.ErrClosed {
			t.Errorf("second Close: got %v, want ErrClosed", err)
		}
		p.Go(func(context.Context) error { return nil }) // after Close: for the next Wait
		if err := p.Wait(); !errors.Is(err, pool.ErrClosed) {
			t.Errorf("Wait after a Go refused once Close returned: got %v, want ErrClosed", err)
		}
	})
}

// Promise (Close): "Only the first call does this; later calls return
// ErrClosed at once." A second Close while the first still drains does not
// wait for the drain.
func TestSecondCloseDuringDrainReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait()
		if err := p.Close(); err != pool.ErrClosed {
			t.Errorf("second Close during the drain: got %v, want ErrClosed", err)
		}
		select {
		case <-closed:
			t.Fatal("first Close returned before its task")
		default:
		}
		close(release)
		if err := <-closed; err != nil {
			t.Errorf("first Close: %v", err)
		}
	})
}

// Promise (TrySubmit): "otherwise it does what Submit does and reports true,
// also on a closed or ended pool, where the Future has already failed",
// here on a pool whose queue is full at the time: the end or the Close, not
// the full queue, decides.
func TestTrySubmitFullQueueClosedOrEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 1, pool.QueueSize(1))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		pool.Submit(p, returns(2)) // the queue is full
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait()
		f, ok := pool.TrySubmit(p, returns(3))
		if !ok {
			t.Fatal("TrySubmit on a closing pool with a full queue reported false")
		}
		if _, err := f.Wait(); err != pool.ErrClosed {
			t.Errorf("TrySubmit on a closing pool: %v, want ErrClosed", err)
		}
		close(release)
		<-closed

		q := pool.New(ctx, 1, pool.QueueSize(0))
		defer q.Close()
		release2 := make(chan struct{})
		pool.Submit(q, blocker(nil, release2, 1)) // no room left
		cancel()
		f, ok = pool.TrySubmit(q, returns(4))
		if !ok {
			t.Fatal("TrySubmit on an ended pool with no room reported false")
		}
		_, err := f.Wait()
		errSkipped(t, "TrySubmit on an ended pool", err, "the pool's", context.Canceled)
		close(release2)
	})
}

// Promise (package doc, Goexit; Future): a task that ends by runtime.Goexit
// fails with ErrGoexit and the pool keeps its size. Here Goexit is called
// by a deferred function while the task panics: as in plain Go, the Goexit
// cancels the panic. The Future must complete (with ErrGoexit, or the
// panic), the worker must be replaced, and Close must return.
func TestGoexitWhilePanicking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		f := pool.Submit(p, func(context.Context) (int, error) {
			defer runtime.Goexit()
			panic("boom")
		})
		_, err := f.Wait()
		var pe *errgroupx.PanicError
		if !errors.Is(err, errgroupx.ErrGoexit) && !errors.As(err, &pe) {
			t.Errorf("Future.Wait: got %v, want ErrGoexit or the panic", err)
		}
		if v, err := pool.Submit(p, returns(2)).Wait(); v != 2 || err != nil {
			t.Errorf("next task: got %d, %v", v, err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2, Failed: 1})
	})
}

// Promise (Pool.Wait): "The return of each that ran synchronizes before the
// return of Wait"; (Future.Wait): "The return of the task's function
// synchronizes before the return of Wait", on every path a task takes:
// handed to an idle worker, queued, admitted from a blocked submitter, after
// a Goexit, and for a panic. The race detector reports a missing edge.
func TestWaitSynchronizes(t *testing.T) {
	p := pool.New(context.Background(), 2, pool.QueueSize(1))
	defer p.Close()
	const n = 64
	plain := make([]int, n) // written by tasks without synchronization
	futures := make([]*pool.Future[int], n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				p.Go(func(context.Context) error { plain[i] = i; return nil })
			case 1:
				futures[i] = pool.Submit(p, func(context.Context) (int, error) { plain[i] = i; return i, nil })
			case 2:
				p.Go(func(context.Context) error { plain[i] = i; runtime.Goexit(); return nil })
			case 3:
				p.Go(func(context.Context) error { plain[i] = i; panic(i) })
			}
		})
	}
	wg.Wait()
	p.Wait()
	for i := range n {
		if plain[i] != i {
			t.Errorf("task %d's write not seen after Wait", i)
		}
	}
	for i, f := range futures {
		if f != nil {
			if v, err := f.Wait(); v != i || err != nil {
				t.Errorf("task %d: %d, %v", i, v, err)
			}
		}
	}
}

// Promise (Stats): "At every moment Submitted = Queued + Running + Completed
// + Skipped, and Failed <= Completed", while the pool's ctx ends with tasks
// queued and submitters blocked, SubmitContext callers give up, and Close
// drains. A reader takes snapshots the whole time.
func TestStatsInvariantThroughEndAndClose(t *testing.T) {
	for round := range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2, pool.QueueSize(round%3))
		stop := make(chan struct{})
		var bad atomic.Value
		var reader sync.WaitGroup
		reader.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := p.Stats()
				if s.Submitted != s.Queued+s.Running+s.Completed+s.Skipped || s.Failed > s.Completed {
					bad.Store(s)
				}
			}
		})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 100 {
					if g == 0 && i == 50 && round%2 == 0 {
						cancel()
					}
					switch i % 4 {
					case 0:
						pool.Submit(p, returns(i))
					case 1:
						p.Go(func(context.Context) error { return errors.New("x") })
					case 2:
						c, cc := context.WithCancel(context.Background())
						pool.SubmitContext(c, p, returns(i))
						if i%8 == 2 {
							cc()
						} else {
							defer cc()
						}
					case 3:
						pool.TrySubmit(p, returns(i))
					}
				}
			})
		}
		wg.Wait()
		p.Close()
		close(stop)
		reader.Wait()
		cancel()
		if s := bad.Load(); s != nil {
			t.Fatalf("round %d: a snapshot broke the invariant: %+v", round, s)
		}
		s := p.Stats()
		if s.Queued != 0 || s.Running != 0 {
			t.Fatalf("round %d: after Close: %+v", round, s)
		}
	}
}

// Promise (package doc, Profiler labels): "A task that runs another inline
// carries, afterwards, the labels of the ctx it passed: pass the ctx that
// pprof.Do gives." A task that sets labels with pprof.Do, and inside it
// waits for a child with that ctx, which runs the queued child inline,
// keeps its labels.
func TestInlineRunKeepsCallersLabels(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(1))
	defer p.Close()
	f := pool.Submit(p, func(ctx context.Context) (string, error) {
		var before, after string
		pprof.Do(ctx, pprof.Labels("phase", "fetch"), func(ctx context.Context) {
			before = ownLabels()
			child := pool.Submit(p, func(context.Context) (int, error) { return 1, nil }) // queued
			child.WaitContext(ctx)                                                        // runs it inline
			after = ownLabels()
		})
		return before + " then " + after, nil
	})
	got, _ := f.Wait()
	want := `{"phase":"fetch"} then {"phase":"fetch"}`
	if got != want {
		t.Errorf("a task's labels around an inline run: got %s, want %s", got, want)
	}
}

// Promise (SubmitContext): "fn's ctx ... is canceled when either ctx or the
// pool's context ends"; (New): "when it ends, running tasks see their ctx
// canceled". A running task that learns, through a channel, that the pool's
// ctx has been canceled must find its own ctx canceled, as it does with a
// context derived from the canceled one: at once, not only once an
// AfterFunc's goroutine has run.
func TestPoolCancelSeenAtOnceBySubmitContextTask(t *testing.T) {
	submits := []struct {
		name   string
		submit func(p *pool.Pool, fn func(context.Context) (int, error)) *pool.Future[int]
	}{
		{"Submit", func(p *pool.Pool, fn func(context.Context) (int, error)) *pool.Future[int] {
			return pool.Submit(p, fn)
		}},
		{"SubmitContext", func(p *pool.Pool, fn func(context.Context) (int, error)) *pool.Future[int] {
			return pool.SubmitContext(context.Background(), p, fn)
		}},
	}
	for _, tt := range submits {
		t.Run(tt.name, func(t *testing.T) {
			late := 0
			for range 200 {
				ctx, cancel := context.WithCancel(context.Background())
				p := pool.New(ctx, 1)
				started, canceled := make(chan struct{}), make(chan struct{})
				f := tt.submit(p, func(ctx context.Context) (int, error) {
					close(started)
					<-canceled
					return 0, ctx.Err()
				})
				<-started
				cancel()
				close(canceled)
				if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
					late++
				}
				p.Close()
			}
			if late > 0 {
				t.Errorf("%d times in 200, the task's ctx was not canceled after the pool's cancel returned", late)
			}
		})
	}
}

// Promise (SubmitContext): "if it ends before the task starts, the task never
// runs and its Future fails promptly ... with an error that says the caller's
// context ended"; (ErrPoolEnded) "wrapped by the error of every task that
// never ran because the pool's context ended". The caller's ctx ends first,
// then the pool's, before the pool acts on the queued task: both are true,
// and which the pool sees first (the caller's AfterFunc runs on a goroutine
// of its own) is a race, so either error is right; the task never runs.
func TestCallerEndBeforePoolEndSaysCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pctx, pcancel := context.WithCancel(context.Background())
		p := pool.New(pctx, 1, pool.QueueSize(1))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		cctx, ccancel := context.WithCancel(context.Background())
		f := pool.SubmitContext(cctx, p, returns(2)) // queued
		ccancel()
		pcancel()
		pool.Submit(p, returns(3)) // sees the pool ended, before any AfterFunc ran
		_, err := f.Wait()
		callers := "pool: the caller's context ended: context canceled"
		pools := "pool: the pool's context ended: context canceled"
		if err == nil || (err.Error() != callers && err.Error() != pools) || !errors.Is(err, context.Canceled) {
			t.Errorf("queued task whose caller's ctx ended, then the pool's: got error %v, want %q or %q", err, callers, pools)
		}
		close(release)
		p.Close()
	})
}

// Promise (SubmitContext): "if the pool's context has ended too by the time
// the pool acts on the task, the pool's end wins, and the task is counted
// as skipped for it". The submitter is blocked on the full queue; its ctx
// ends, then the pool's; the end, seen by the next Submit before the blocked
// submitter has woken, counts the task as submitted and skipped. At
// GOMAXPROCS 1, with the GC off, the woken submitter waits for the test's
// goroutine to block: on more cores it could give up before the pool's end,
// which then rightly finds nothing to skip (14 of 200 runs under -race).
func TestBlockedCallerEndBeforePoolEnd(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	synctest.Test(t, func(t *testing.T) {
		pctx, pcancel := context.WithCancel(context.Background())
		p := pool.New(pctx, 1, pool.QueueSize(0))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		cctx, ccancel := context.WithCancel(context.Background())
		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.SubmitContext(cctx, p, returns(2)) }()
		synctest.Wait() // blocked on the full queue
		ccancel()
		pcancel()
		pool.Submit(p, returns(3)) // sees the pool ended, before the submitter woke
		_, err := (<-submitted).Wait()
		errSkipped(t, "blocked task whose caller's ctx ended first", err, "the pool's", context.Canceled)
		close(release)
		p.Close()
		// The first task ran; the end came first for the other two.
		checkStats(t, p, pool.Stats{Submitted: 3, Completed: 1, Skipped: 2})
	})
}

// Promise (Pool): "The tasks run with the pool's context, given to New: it
// is the pool's lifetime"; (SubmitContext): fn's ctx "is canceled when
// either ctx or the pool's context ends". Not written as such, but what a
// careful user expects of a ctx that ends with the pool's: its Deadline is
// the earlier of the two, so that a task that hands it on (an RPC client
// propagates deadlines) tells the other side when it will be canceled.
func TestSubmitContextTaskHasPoolDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		p := pool.New(pctx, 1)
		defer p.Close()
		want, _ := pctx.Deadline()
		deadline := func(ctx context.Context) (time.Time, error) {
			d, ok := ctx.Deadline()
			if !ok {
				return d, errors.New("no deadline")
			}
			return d, nil
		}
		if d, err := pool.Submit(p, deadline).Wait(); err != nil || !d.Equal(want) {
			t.Errorf("Submit's task: deadline %v, %v; want %v", d, err, want)
		}
		if d, err := pool.SubmitContext(context.Background(), p, deadline).Wait(); err != nil || !d.Equal(want) {
			t.Errorf("SubmitContext's task: deadline %v, %v; want the pool's, %v", d, err, want)
		}
	})
}

// Promise (package doc, Cancellation): the pool's context "is the pool's
// lifetime and every task's ctx. When it ends, running tasks see their ctx
// canceled" — with its error: a pool whose deadline passes gives its
// running tasks context.DeadlineExceeded, which is how a task tells a
// timeout from a cancel, for SubmitContext's tasks as for Submit's.
func TestPoolDeadlineIsDeadlineExceededInTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		p := pool.New(pctx, 2)
		defer p.Close()
		until := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
		a := pool.Submit(p, until)
		b := pool.SubmitContext(context.Background(), p, until)
		if _, err := a.Wait(); err != context.DeadlineExceeded {
			t.Errorf("Submit's task: ctx.Err() = %v, want DeadlineExceeded", err)
		}
		if _, err := b.Wait(); err != context.DeadlineExceeded {
			t.Errorf("SubmitContext's task: ctx.Err() = %v, want DeadlineExceeded", err)
		}
	})
}

// Promise (SubmitContext): "If ctx ends before the task is queued,
// SubmitContext returns a Future that has already failed (the task is not
// counted as submitted)"; (Stats.Submitted): "except ... those
// SubmitContext gave up on before queueing them". The submitter is blocked
// on the full queue when its ctx (a plain context.WithCancel) ends; the
// worker that frees the room comes before the submitter wakes, finds the
// ctx ended, and fails the task without counting it.
func TestBlockedSubmitContextCanceledIsNotCounted(t *testing.T) {
	for _, queue := range []int{0, 1} {
		t.Run(fmt.Sprintf("QueueSize(%d)", queue), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 1, pool.QueueSize(queue))
				cctx, ccancel := context.WithCancel(context.Background())
				release := make(chan struct{})
				pool.Submit(p, func(context.Context) (int, error) {
					<-release
					ccancel() // then this worker frees the room at once
					return 1, nil
				})
				for range queue {
					pool.Submit(p, returns(2))
				}
				var ran atomic.Bool
				submitted := make(chan *pool.Future[int])
				go func() {
					submitted <- pool.SubmitContext(cctx, p, func(context.Context) (int, error) {
						ran.Store(true)
						return 3, nil
					})
				}()
				synctest.Wait() // blocked on the full queue
				close(release)
				_, err := (<-submitted).Wait()
				errSkipped(t, "blocked task", err, "the caller's", context.Canceled)
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				if ran.Load() {
					t.Error("the task ran after its ctx ended")
				}
				n := int64(1 + queue)
				checkStats(t, p, pool.Stats{Submitted: n, Completed: n})
			})
		})
	}
}

// Promise (package doc, Cancellation): the pool's context "is the pool's
// lifetime and every task's ctx. When it ends, running tasks see their ctx
// canceled"; (SubmitContext): fn's ctx "is canceled when either ctx or the
// pool's context ends". A task adds a child with a ctx derived from its own
// by context.WithoutCancel (so that the child may outlive the task's own
// cancel) must still see the pool's end. Inline (no worker free) and on a
// worker.
func TestChildWithoutCancelSeesPoolEnd(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pctx, cancel := context.WithCancel(context.Background())
				p := pool.New(pctx, workers, pool.QueueSize(0))
				started := make(chan struct{})
				parent := pool.Submit(p, func(ctx context.Context) (string, error) {
					child := pool.SubmitContext(context.WithoutCancel(ctx), p, func(ctx context.Context) (string, error) {
						close(started)
						select {
						case <-ctx.Done():
							return "canceled", nil
						case <-time.After(time.Hour):
							return "not canceled an hour after the pool's end", nil
						}
					})
					return child.Wait()
				})
				<-started
				cancel()
				if got, err := parent.Wait(); got != "canceled" || err != nil {
					t.Errorf("child: %s, %v", got, err)
				}
				p.Close()
			})
		})
	}
}

// Promise (Stats): the counters are current when a task's Future has
// completed, as pond's users check them right after a task's Wait: whoever
// sees the Future complete sees Stats count the task.
func TestStatsCountACompletedFuture(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	// Readers that take the pool's lock all the time, so that a worker that
	// completed a Future would wait for it before counting the task.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					p.Stats()
				}
			}
		})
	}
	defer readers.Wait()
	defer close(stop)
	for i := range 2000 {
		f := pool.Submit(p, func(context.Context) (int, error) {
			if i%3 == 0 {
				return 0, errors.New("odd")
			}
			return i, nil
		})
		f.Wait()
		if s := p.Stats(); s.Completed != int64(i+1) || s.Running != 0 {
			t.Fatalf("after the Wait of task %d: %+v", i, s)
		}
	}
}
