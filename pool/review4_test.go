package pool_test

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

// Review 4: the waker chain's companions, firstLocked, Resize's new order
// (idle workers retired first, then handed the queued tasks), the blocked
// submitter's task accepted before its submitter is woken, and finish's
// yield. review3*_test.go covers the chain itself.

// warmIdle leaves n idle workers in p: n tasks that wait for each other.
func warmIdle(t *testing.T, p *pool.Pool, n int) {
	t.Helper()
	b := barrier(n)
	for range n {
		pool.Submit(p, b)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	synctest.Wait()
	if s := p.Stats(); s.Workers != int64(n) || s.Running != 0 {
		t.Fatalf("after the warm-up: %+v, want %d idle workers", s, n)
	}
}

// Tasks queued behind a waker that has not started while other workers
// idle, then Resize(1): the idle workers are retired, not handed the queued
// tasks, so no task starts beside the one handed before the shrink (Resize's
// "once Resize returns, no task starts while n or more run"; GUARANTEES 64).
// Then Resize(3) grows "at once for the queued tasks": by the time it
// returns, nothing is queued and three run; every task runs once. At
// GOMAXPROCS 1 the waker cannot start before the test blocks (checked).
//
// Catches Resize handing the queued tasks to idle workers before retiring
// the extra ones (the order before 33abccf with the new hand-to-idle loop).
func TestReview4ShrinkBehindWakerRetiresIdleFirst(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range 10 {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 4, pool.QueueSize(8))
			warmIdle(t, p, 4)
			var g r3gauge
			gate := make(chan struct{})
			var ran [3]atomic.Int64
			task := func(i int) func(context.Context) (int, error) {
				return func(context.Context) (int, error) {
					g.in()
					ran[i].Add(1)
					<-gate
					g.out()
					return i, nil
				}
			}
			fa := pool.Submit(p, task(0)) // an idle worker: the waker
			fb := pool.Submit(p, task(1)) // queued behind it
			fc := pool.Submit(p, task(2))
			if s := p.Stats(); s.Queued != 2 || s.Running != 1 || s.Workers != 4 {
				t.Fatalf("before Resize: %+v, want 2 queued behind the waker, 3 idle", s)
			}
			p.Resize(1)
			synctest.Wait()
			if n := g.peak.Load(); n > 1 {
				t.Errorf("%d tasks ran at once after Resize(1)", n)
			}
			if s := p.Stats(); s.Workers != 1 || s.Queued != 2 || s.Running != 1 {
				t.Errorf("after Resize(1): %+v, want the idle workers gone, 2 queued, 1 running", s)
			}
			p.Resize(3)
			if s := p.Stats(); s.Queued != 0 || s.Running != 3 || s.Workers != 3 {
				t.Errorf("as Resize(3) returns: %+v, want the 2 queued handed at once, 3 workers", s)
			}
			synctest.Wait()
			if n := g.now.Load(); n != 3 {
				t.Errorf("%d tasks run after Resize(3), want 3", n)
			}
			close(gate)
			for i, f := range []*pool.Future[int]{fa, fb, fc} {
				if v, err := f.Wait(); v != i || err != nil || ran[i].Load() != 1 {
					t.Errorf("task %d: %d, %v, ran %d times", i, v, err, ran[i].Load())
				}
			}
			p.Close()
		})
	}
}

// yieldCtx is a caller's ctx whose Err, once armed, yields before it
// answers, and answers canceled once the test has said so; Done never
// closes. Under mu, the yield lets a goroutine that the pool woke before
// asking run first: at GOMAXPROCS 1, its submitter.
type yieldCtx struct {
	context.Context
	done            chan struct{}
	armed, canceled atomic.Bool
}

func (c *yieldCtx) Done() <-chan struct{} { return c.done }

func (c *yieldCtx) Err() error {
	if c.armed.Load() {
		runtime.Gosched()
	}
	if c.canceled.Load() {
		return context.Canceled
	}
	return nil
}

// With QueueSize(0), a worker that frees up takes a blocked submitter's task
// (nextLocked). Stats says Submitted counts the tasks "not given up by their
// caller before" being accepted: a submitter that has returned from
// SubmitContext had its task accepted, so a cancel after that return must
// leave the task counted (Skipped, not uncounted) and failing with the
// caller's error. The submitter ends its ctx at once on its return, and
// Err yields under mu, so a pool that wakes the submitter before it reads
// the ctx (accepts) sees the cancel.
//
// Catches nextLocked waking the submitter before acceptLocked (the order
// 33abccf fixed).
func TestReview4BlockedSubmitterAcceptedBeforeWoken(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 10 {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 1, pool.QueueSize(0))
			gate := make(chan struct{})
			x := pool.Submit(p, blocker(nil, gate, 1))
			synctest.Wait()
			ctx := &yieldCtx{Context: context.Background(), done: make(chan struct{})}
			got := make(chan *pool.Future[int])
			go func() {
				f := pool.SubmitContext(ctx, p, returns(2)) // blocks: the worker is busy
				ctx.canceled.Store(true)                    // given up after it was accepted
				got <- f
			}()
			synctest.Wait()
			if s := p.Stats(); s.Blocked != 1 {
				t.Fatalf("SubmitContext did not block: %+v", s)
			}
			ctx.armed.Store(true)
			close(gate)
			f := <-got
			x.Wait()
			v, err := f.Wait()
			p.Wait()
			s := p.Stats()
			want := pool.Stats{Submitted: 2, Completed: 1, Skipped: 1, Workers: s.Workers}
			if err == nil {
				// The task ran before its submitter got to cancel (under
				// -race the scheduler may run the woken submitter late).
				if v != 2 {
					t.Errorf("the task returned %d", v)
				}
				want.Completed, want.Skipped = 2, 0
			} else {
				errSkipped(t, "the task", err, "the caller's", context.Canceled)
			}
			if s != want {
				t.Errorf("Stats %+v, want %+v: a task whose submitter had returned is uncounted", s, want)
			}
			p.Close()
		})
	}
}

// The other order: the caller's ctx ends while its submitter is still
// blocked (Err says canceled, Done not yet closed), then a worker frees up.
// The task is given up before it was accepted: uncounted, and its Future
// fails with the caller's error; the worker goes on to the next blocked
// submitter, whose task runs.
func TestReview4BlockedSubmitterGivenUpBeforeAccepted(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 1, pool.QueueSize(0))
			gate := make(chan struct{})
			x := pool.Submit(p, blocker(nil, gate, 1))
			synctest.Wait()
			fctx := newFlagCtx()
			got1, got2 := make(chan *pool.Future[int], 1), make(chan *pool.Future[int], 1)
			go func() { got1 <- pool.SubmitContext(fctx, p, returns(2)) }()
			synctest.Wait()
			go func() { got2 <- pool.Submit(p, returns(3)) }()
			synctest.Wait()
			if s := p.Stats(); s.Blocked != 2 {
				t.Fatalf("want 2 blocked submitters: %+v", s)
			}
			fctx.cancel()
			close(gate)
			f1, f2 := <-got1, <-got2
			if _, err := f1.Wait(); err == nil {
				t.Errorf("the task whose caller's ctx ended ran")
			} else {
				errSkipped(t, "the given-up task", err, "the caller's", context.Canceled)
			}
			if v, err := f2.Wait(); v != 3 || err != nil {
				t.Errorf("the next blocked task: %d, %v", v, err)
			}
			x.Wait()
			p.Wait()
			s := p.Stats()
			if want := (pool.Stats{Submitted: 2, Completed: 2, Workers: s.Workers}); s != want {
				t.Errorf("Stats %+v, want %+v", s, want)
			}
			close(fctx.done)
			p.Close()
		})
	})
}

// Dead tasks (a canceled Group's, keyed and not) are left
// in the queue behind a waker, which starts and relays nothing (Queued 0).
// A keyed task of another key then goes through firstLocked with Queued 0:
// it must start at once on a free worker (its enqueue and dequeue pass the
// dead tasks by), an unkeyed one too, and no dead task runs. The state needs
// the drops to run before the waker (GOMAXPROCS 1, GC off; the test counts
// the tries that reach it and needs one).
//
// Catches firstLocked's keyed path popping the queue raw (queue.Pop, as
// startNowLocked did) rather than through dequeueLocked: the dead task comes
// out first and the pool panics "a task was ready while a worker was free".
func TestReview4KeyedFirstPastDeadTasks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	reached := 0
	for try := 0; try < 100 && reached < 3; try++ { // under -race the scheduler varies the order
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 4, pool.QueueSize(8))
			gate := make(chan struct{})
			var deadRan atomic.Int64
			dead := func(context.Context) (int, error) { deadRan.Add(1); return -1, nil }
			a := pool.Submit(p, blocker(nil, gate, 0)) // the waker
			ctxG, cancelG := context.WithCancel(context.Background())
			grp := pool.NewGroup[int](ctxG, p)
			grp.GoKey("d1", dead)
			grp.Go(dead)
			grp.GoKey("d2", dead)
			cancelG() // one AfterFunc drops all three, before the waker starts
			synctest.Wait()
			s := p.Stats()
			if s.Workers == 1 && s.Skipped == 3 && s.Queued == 0 {
				reached++
				fk := pool.SubmitKey(p, "k2", returns(7))
				fu := pool.Submit(p, returns(8))
				synctest.Wait()
				if !done(fk) || !done(fu) {
					t.Errorf("with Queued 0 and dead tasks queued, a keyed task of a free key and an unkeyed one did not run at once: %+v", p.Stats())
				}
				if v, err := fk.Wait(); v != 7 || err != nil {
					t.Errorf("keyed task: %d, %v", v, err)
				}
				if v, err := fu.Wait(); v != 8 || err != nil {
					t.Errorf("unkeyed task: %d, %v", v, err)
				}
			}
			close(gate)
			a.Wait()
			if _, err := grp.Wait(); !errors.Is(err, context.Canceled) {
				t.Errorf("Group.Wait: %v, want context.Canceled", err)
			}
			if n := deadRan.Load(); n != 0 {
				t.Errorf("%d dropped tasks ran", n)
			}
			p.Wait()
			checkInvariant(t, p.Stats())
			p.Close()
		})
	}
	if reached == 0 {
		t.Fatalf("the drops never came before the waker started: the test missed its state")
	}
}

// With QueueSize(0), SubmitKey calls whose key is out block; an unkeyed
// Submit that comes after them goes to the free worker at once (a worker
// passes over a keyed waiter whose key is out), Stats.Blocked counts the
// keyed ones, and as the key moves on they run one at a time, in the order
// they blocked.
func TestReview4QueueSize0KeyedSubmitters(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 2, pool.QueueSize(0))
			gate := make(chan struct{})
			log := newKeyLog()
			keyed := func(seq int, release <-chan struct{}) func(context.Context) (int, error) {
				return func(context.Context) (int, error) {
					log.start("k", 0, seq)
					if release != nil {
						<-release
					}
					log.end("k")
					return seq, nil
				}
			}
			first := pool.SubmitKey(p, "k", keyed(0, gate))
			synctest.Wait()
			got := make(chan *pool.Future[int], 3)
			for i := 1; i <= 3; i++ {
				go func() { got <- pool.SubmitKey(p, "k", keyed(i, nil)) }()
				synctest.Wait() // blocked, in this order
			}
			if s := p.Stats(); s.Blocked != 3 {
				t.Fatalf("want the 3 SubmitKey blocked: %+v", s)
			}
			u := pool.Submit(p, returns(9)) // a worker is free: it runs now
			synctest.Wait()
			if !done(u) {
				t.Errorf("an unkeyed task waits behind keyed submitters whose key is out: %+v", p.Stats())
			}
			close(gate)
			for range 3 {
				<-got
			}
			if v, err := first.Wait(); v != 0 || err != nil {
				t.Errorf("key k's first task: %d, %v", v, err)
			}
			p.Wait()
			log.check(t)
			log.mu.Lock()
			last := log.last["k/0"]
			log.mu.Unlock()
			if last != 3 {
				t.Errorf("key k's last task was %d, want 3", last)
			}
			s := p.Stats()
			if want := (pool.Stats{Submitted: 5, Completed: 5, Workers: s.Workers}); s != want {
				t.Errorf("Stats %+v, want %+v", s, want)
			}
			p.Close()
		})
	})
}

// Workers that finish together contend on mu; finish yields once before it
// waits for it. No wakeup may be lost: a Group's Wait, Futures' Waits (also
// in tasks, lending), Pool.Wait all return, in rounds of bursts where every
// task is released at once, with keys and nesting in the mix.
func TestReview4WaitsUnderFinishBursts(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 8, pool.QueueSize(64))
			for round := range 30 {
				gate := make(chan struct{})
				grp := pool.NewGroup[int](context.Background(), p)
				var fs []*pool.Future[int]
				for i := range 16 {
					grp.Go(blocker(nil, gate, i))
					fs = append(fs, pool.SubmitKey(p, i%3, blocker(nil, gate, i)))
				}
				nested := pool.Submit(p, func(ctx context.Context) (int, error) {
					<-gate
					sum := 0
					for i := range 4 {
						v, err := pool.SubmitContext(ctx, p, returns(i)).WaitContext(ctx)
						if err != nil {
							return 0, err
						}
						sum += v
					}
					return sum, nil
				})
				close(gate)
				vs, err := grp.Wait()
				if err != nil || len(vs) != 16 {
					t.Fatalf("round %d: Group.Wait: %v, %d values", round, err, len(vs))
				}
				for i, v := range vs {
					if v != i {
						t.Fatalf("round %d: Group value %d is %d", round, i, v)
					}
				}
				for i, f := range fs {
					if v, err := f.Wait(); v != i || err != nil {
						t.Fatalf("round %d: Future %d: %d, %v", round, i, v, err)
					}
				}
				if v, err := nested.Wait(); v != 6 || err != nil {
					t.Fatalf("round %d: nested: %d, %v", round, v, err)
				}
				if err := p.Wait(); err != nil {
					t.Fatalf("round %d: Wait: %v", round, err)
				}
				checkInvariant(t, p.Stats())
			}
			p.Close()
		})
	})
}

// Resize (shrinks and growths), Close and the pool's end race submitters of
// every kind, at queue sizes 0, 1 and 4, while tasks queue behind wakers:
// every Future completes by the time Close returns, with its value or an
// error that says why, the Stats add up with nothing queued, running or
// blocked, no more tasks run at once than the largest bound, and no
// goroutine is left (TestMain).
func TestReview4ResizeRacesCloseAndEnd(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		for _, size := range []int{0, 1, 4} {
			for _, how := range []string{"close", "end", "both"} {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					p := pool.New(ctx, 2, pool.QueueSize(size))
					var g r3gauge
					task := func(v int) func(context.Context) (int, error) {
						return func(context.Context) (int, error) {
							g.in()
							runtime.Gosched()
							g.out()
							return v, nil
						}
					}
					var mu sync.Mutex
					var fs []*pool.Future[int]
					var vals []int
					add := func(f *pool.Future[int], v int) {
						mu.Lock()
						fs, vals = append(fs, f), append(vals, v)
						mu.Unlock()
					}
					var wg sync.WaitGroup
					// A caller's ctx that ends only once Close has returned.
					cctx, ccancel := context.WithCancel(context.Background())
					defer ccancel()
					for s := range 3 {
						wg.Go(func() {
							for i := range 40 {
								v := s*1000 + i
								switch i % 4 {
								case 0:
									add(pool.Submit(p, task(v)), v)
								case 1:
									add(pool.SubmitKey(p, s, task(v)), v)
								case 2:
									add(pool.SubmitContext(cctx, p, task(v)), v)
								case 3:
									if f, ok := pool.TrySubmit(p, task(v)); ok {
										add(f, v)
									}
								}
							}
						})
					}
					wg.Go(func() {
						for i := range 12 {
							p.Resize(1 + i%4)
							runtime.Gosched()
						}
					})
					var closeErr error
					wg.Go(func() {
						runtime.Gosched()
						switch how {
						case "end":
							cancel()
						case "both":
							go cancel()
						}
						if how != "end" {
							closeErr = p.Close()
						}
					})
					wg.Wait()
					if how == "end" {
						closeErr = p.Close()
					}
					cancel()
					for _, e := range flatten(closeErr) {
						if !errors.Is(e, pool.ErrClosed) && !errors.Is(e, pool.ErrPoolEnded) {
							t.Errorf("size %d, %s: Close: %v", size, how, e)
						}
					}
					for i, f := range fs {
						if !done(f) {
							t.Fatalf("size %d, %s: a Future is incomplete after Close", size, how)
						}
						v, err := f.Wait()
						switch {
						case err == nil && v != vals[i]:
							t.Errorf("size %d, %s: task %d returned %d", size, how, vals[i], v)
						case err != nil && !errors.Is(err, pool.ErrClosed) && !errors.Is(err, pool.ErrPoolEnded):
							t.Errorf("size %d, %s: task %d: %v", size, how, vals[i], err)
						}
					}
					s := p.Stats()
					checkInvariant(t, s)
					if s.Queued != 0 || s.Running != 0 || s.Blocked != 0 || s.Workers != 0 {
						t.Errorf("size %d, %s: after Close %+v", size, how, s)
					}
					if n := g.peak.Load(); n > 4 {
						t.Errorf("size %d, %s: %d tasks ran at once, the largest bound 4", size, how, n)
					}
				})
			}
		}
	})
}
