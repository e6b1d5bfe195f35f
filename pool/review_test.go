package pool_test

// An independent review of package pool: each test quotes the promise it
// checks (doc comment, DESIGN.md or GUARANTEES.md) and checks it as written.

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
	"github.com/fanout-go/fanout/pool"
)

// rvBlock returns a task that closes started (if not nil) and returns v once
// release is closed.
func rvBlock(started chan<- struct{}, release <-chan struct{}, v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		if started != nil {
			close(started)
		}
		<-release
		return v, nil
	}
}

func rvRet(v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return v, nil }
}

// rvIdentity fails t unless Submitted = Queued + Running + Completed + Skipped.
func rvIdentity(t *testing.T, where string, s pool.Stats) {
	t.Helper()
	if s.Submitted != s.Queued+s.Running+s.Completed+s.Skipped {
		t.Errorf("%s: Submitted %d != Queued %d + Running %d + Completed %d + Skipped %d (%+v)",
			where, s.Submitted, s.Queued, s.Running, s.Completed, s.Skipped, s)
	}
	if s.Failed > s.Completed {
		t.Errorf("%s: Failed %d > Completed %d", where, s.Failed, s.Completed)
	}
}

// hookCtx is a caller's ctx that cancels itself right after the first call
// of Err (or, with onValue, of Value with the nest key) has returned nil:
// it ends after the pool's submitter looked at it and before any worker can
// have started the task.
type hookCtx struct {
	context.Context
	cancel  context.CancelFunc
	onValue bool
	fired   atomic.Bool
}

func newHookCtx(onValue bool) *hookCtx {
	ctx, cancel := context.WithCancel(context.Background())
	return &hookCtx{Context: ctx, cancel: cancel, onValue: onValue}
}

func (c *hookCtx) Err() error {
	err := c.Context.Err()
	if !c.onValue && c.fired.CompareAndSwap(false, true) {
		c.cancel() // after err was read: nil, and true when read
	}
	return err
}

func (c *hookCtx) Value(k any) any {
	v := c.Context.Value(k)
	if c.onValue && nest.IsKey(k) && c.fired.CompareAndSwap(false, true) {
		c.cancel()
	}
	return v
}

// TestReviewNewStartsNoGoroutine checks pool.go's New: "It starts no
// goroutine: workers start as tasks need them" and Stats.Workers "worker
// goroutines alive".
func TestReviewNewStartsNoGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := runtime.NumGoroutine()
		p := pool.New(context.Background(), 1000)
		if n := runtime.NumGoroutine(); n != before {
			t.Errorf("goroutines after New: %d, before %d", n, before)
		}
		if w := p.Stats().Workers; w != 0 {
			t.Errorf("Workers after New: %d, want 0", w)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// TestReviewIdleTimeout checks IdleTimeout's doc: "how long a worker with
// nothing to do waits for a task before it leaves: from d to 2d" and
// "IdleTimeout(0) lets a worker leave as soon as the queue is empty", in
// fake time, for workers that go idle at different moments.
func TestReviewIdleTimeout(t *testing.T) {
	const d = 10 * time.Second
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 4, pool.IdleTimeout(d))
		// Worker A idles from 0; B from 0.7d.
		pool.Submit(p, rvRet(1)).Wait()
		synctest.Wait()
		if w := p.Stats().Workers; w != 1 {
			t.Fatalf("Workers after one task: %d, want 1", w)
		}
		time.Sleep(7 * d / 10)
		release := make(chan struct{})
		startedA, startedB := make(chan struct{}), make(chan struct{})
		fa := pool.Submit(p, rvBlock(startedA, release, 1))
		fb := pool.Submit(p, rvBlock(startedB, release, 2))
		<-startedA
		<-startedB
		close(release)
		fa.Wait()
		fb.Wait()
		synctest.Wait()
		start := time.Now() // both idle from here, at 0.7d
		// Before d has passed, both stay.
		time.Sleep(d - time.Nanosecond)
		synctest.Wait()
		if w := p.Stats().Workers; w != 2 {
			t.Errorf("Workers %v after idling: %d, want 2", time.Since(start), w)
		}
		// After 2d, none is left.
		time.Sleep(d + 2*time.Nanosecond)
		synctest.Wait()
		if w := p.Stats().Workers; w != 0 {
			t.Errorf("Workers %v after idling: %d, want 0", time.Since(start), w)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 4, pool.IdleTimeout(0))
		for range 3 {
			pool.Submit(p, rvRet(1))
		}
		if err := p.Wait(); err != nil {
			t.Errorf("Wait: %v", err)
		}
		synctest.Wait()
		if w := p.Stats().Workers; w != 0 {
			t.Errorf("IdleTimeout(0): Workers %d once the queue is empty, want 0", w)
		}
		p.Close()
	})
}

// TestReviewTaskAddsAtFullQueueNeverBlocks checks Submit's doc "It blocks
// while the queue is full, unless called from a task of the pool, whose
// children wait beyond the queue's size", Go's "blocking as Submit does",
// Group.Go's "it blocks while the pool's queue is full, but never in a task
// of the pool" (a Group made outside the pool), and the package doc "What a
// task adds never blocks on the full queue" (doc.go:39), while another task
// of the pool runs (not every worker adding).
func TestReviewTaskAddsAtFullQueueNeverBlocks(t *testing.T) {
	rvTaskAddsAtFullQueue(t, "SubmitContext", "Submit", "Go", "GroupMadeOutside")
}

func rvTaskAddsAtFullQueue(t *testing.T, hows ...string) {
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 2, pool.QueueSize(1))
				g := pool.NewGroup[int](context.Background(), p)
				release := make(chan struct{})
				started := make(chan struct{})
				other := pool.Submit(p, rvBlock(started, release, 0))
				<-started
				goAdd, added := make(chan struct{}), make(chan struct{})
				var child *pool.Future[int]
				adder := pool.Submit(p, func(ctx context.Context) (int, error) {
					<-goAdd
					switch how {
					case "Submit":
						child = pool.Submit(p, rvRet(7))
					case "Go":
						p.Go(func(context.Context) error { return nil })
					case "GroupMadeOutside":
						g.Go(rvRet(7))
					case "SubmitContext":
						child = pool.SubmitContext(ctx, p, rvRet(7))
					}
					close(added)
					return 0, nil
				})
				filler := pool.Submit(p, rvRet(1)) // the queue is full
				synctest.Wait()
				if s := p.Stats(); s.Running != 2 || s.Queued != 1 {
					t.Fatalf("setup: %+v, want 2 running and 1 queued", s)
				}
				close(goAdd)
				synctest.Wait()
				select {
				case <-added:
				default:
					t.Errorf("%s from a task at a full queue blocked while another task runs: %+v", how, p.Stats())
				}
				close(release)
				other.Wait()
				adder.Wait()
				filler.Wait()
				<-added
				if child != nil {
					if v, err := child.Wait(); v != 7 || err != nil {
						t.Errorf("child: %d, %v", v, err)
					}
				}
				if how == "GroupMadeOutside" {
					if vs, err := g.Wait(); err != nil || len(vs) != 1 || vs[0] != 7 {
						t.Errorf("Group.Wait: %v, %v", vs, err)
					}
				}
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
		})
	}
}

// TestReviewResizeShrinkBound checks Resize's doc "Shrinking lets the running
// tasks finish: once Resize returns, no task starts while n or more run",
// with the tasks run by idle workers, new ones and queue pops.
func TestReviewResizeShrinkBound(t *testing.T) {
	for range 20 {
		p := pool.New(context.Background(), 4, pool.QueueSize(64))
		release := make([]chan struct{}, 4)
		var wg sync.WaitGroup
		for i := range release {
			release[i] = make(chan struct{})
			s := make(chan struct{})
			wg.Add(1)
			p.Go(func(context.Context) error { defer wg.Done(); close(s); <-release[i]; return nil })
			<-s
		}
		var running, over atomic.Int64
		running.Store(4)
		for range 32 {
			p.Go(func(context.Context) error {
				if running.Add(1) > 2 {
					over.Add(1)
				}
				runtime.Gosched()
				running.Add(-1)
				return nil
			})
		}
		p.Resize(2)
		for _, r := range release {
			running.Add(-1)
			close(r)
		}
		wg.Wait()
		// A task added after the shrink, from outside, races the finishing ones.
		for range 32 {
			p.Go(func(context.Context) error {
				if running.Add(1) > 2 {
					over.Add(1)
				}
				running.Add(-1)
				return nil
			})
		}
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if n := over.Load(); n > 0 {
			t.Fatalf("%d tasks started while 2 or more ran, after Resize(2)", n)
		}
	}
}

// TestReviewHandOffChecksCtx checks GUARANTEES 45: "A task added with a ctx
// of its caller's (SubmitContext, GoContext, a Group) whose ctx ends before
// it starts never runs, on every path that takes a task: a worker's pop of
// the queue, a hand-off to an idle or new worker", and SubmitContext's doc
// "if it ends before the task starts, the task never runs". The caller's
// ctx ends while the submitting call runs, after it has looked at the ctx.
func TestReviewHandOffChecksCtx(t *testing.T) {
	adders := map[string]func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) (wait func() error){
		"SubmitContext": func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			f := pool.SubmitContext(ctx, p, fn)
			return func() error { _, err := f.Wait(); return err }
		},
		"TrySubmitContext": func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			f, ok := pool.TrySubmitContext(ctx, p, fn)
			if !ok {
				return func() error { return errors.New("refused") }
			}
			return func() error { _, err := f.Wait(); return err }
		},
		"GoContext": func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			p.GoContext(ctx, func(ctx context.Context) error { _, err := fn(ctx); return err })
			return p.Wait
		},
		"Group": func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			g := pool.NewGroup[int](ctx, p)
			g.Go(fn)
			return func() error { _, err := g.Wait(); return err }
		},
	}
	for name, add := range adders {
		for _, path := range []string{"idle", "new", "queued"} {
			t.Run(name+"/"+path, func(t *testing.T) {
				p := pool.New(context.Background(), 1, pool.IdleTimeout(time.Hour))
				defer p.Close()
				var release chan struct{}
				switch path {
				case "idle":
					pool.Submit(p, rvRet(0)).Wait()
					for p.Stats().Workers != 1 || p.Stats().Running != 0 {
						runtime.Gosched()
					}
				case "queued":
					release = make(chan struct{})
					s := make(chan struct{})
					pool.Submit(p, rvBlock(s, release, 0))
					<-s
				}
				ctx := newHookCtx(name == "Group")
				var ran atomic.Bool
				wait := add(ctx, p, func(context.Context) (int, error) { ran.Store(true); return 0, nil })
				if !ctx.fired.Load() || ctx.Err() == nil {
					t.Fatalf("the hook did not end ctx during the call")
				}
				if release != nil {
					close(release)
				}
				err := wait()
				if ran.Load() {
					t.Errorf("the task ran although its ctx ended before it started")
				}
				if !errors.Is(err, context.Canceled) || errors.Is(err, pool.ErrPoolEnded) {
					t.Errorf("error %v: want one that wraps context.Canceled and not ErrPoolEnded", err)
				}
			})
		}
	}
}

// TestReviewCloseErrorHasGoRefusedDuringDrain checks GUARANTEES 28 "A Go
// refused during the drain is in the first Close's error" and ErrClosed's
// doc "for [Pool.Go] Close's or the next [Pool.Wait]'s error wraps it. A
// second call of Close returns ErrClosed too", for Go and GoContext.
func TestReviewCloseErrorHasGoRefusedDuringDrain(t *testing.T) {
	for _, how := range []string{"Go", "GoContext"} {
		t.Run(how, func(t *testing.T) {
			p := pool.New(context.Background(), 1)
			release, started := make(chan struct{}), make(chan struct{})
			f := pool.Submit(p, rvBlock(started, release, 0))
			<-started
			filler := pool.Submit(p, rvRet(0)) // fills the queue
			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			// Close has begun once a Submit is refused.
			rvAwaitClosing(p)
			var ran atomic.Bool
			fn := func(context.Context) error { ran.Store(true); return nil }
			if how == "Go" {
				p.Go(fn)
			} else {
				p.GoContext(context.Background(), fn)
			}
			close(release)
			f.Wait()
			filler.Wait()
			err := <-closed
			if !errors.Is(err, pool.ErrClosed) {
				t.Errorf("Close: %v, want one that wraps ErrClosed", err)
			}
			if ran.Load() {
				t.Errorf("the refused task ran")
			}
			if err := p.Close(); err != pool.ErrClosed {
				t.Errorf("second Close: %v, want ErrClosed", err)
			}
			if s := p.Stats(); s.Workers != 0 {
				t.Errorf("Workers after Close: %d", s.Workers)
			}
		})
	}
}

// TestReviewSkipErrorsWhose checks ErrPoolEnded's doc "wrapped by the error
// of every task that never ran because the pool's context ended: errors.Is
// tells it from a task whose caller's context ended, whose error does not
// wrap it", for queued, blocked and later tasks of every adder.
func TestReviewSkipErrorsWhose(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1, pool.QueueSize(2))
	release, started := make(chan struct{}), make(chan struct{})
	running := pool.Submit(p, rvBlock(started, release, 0))
	<-started
	cctx, ccancel := context.WithCancel(context.Background())
	byCaller := pool.SubmitContext(cctx, p, rvRet(1)) // queued
	byPool := pool.Submit(p, rvRet(2))                // queued
	ccancel()
	<-byCaller.Done()
	blocked := make(chan *pool.Future[int])
	pool.Submit(p, rvRet(3)) // fills the queue again
	go func() { blocked <- pool.Submit(p, rvRet(4)) }()
	for p.Stats().Blocked != 1 {
		runtime.Gosched()
	}
	cancel()
	later := pool.Submit(p, rvRet(5))
	laterCtx := pool.SubmitContext(context.Background(), p, rvRet(6))
	fb := <-blocked
	for name, f := range map[string]*pool.Future[int]{"queued": byPool, "blocked": fb, "later": later, "later SubmitContext": laterCtx} {
		if _, err := f.Wait(); !errors.Is(err, pool.ErrPoolEnded) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want ErrPoolEnded and context.Canceled", name, err)
		}
	}
	if _, err := byCaller.Wait(); errors.Is(err, pool.ErrPoolEnded) || !errors.Is(err, context.Canceled) {
		t.Errorf("caller's: %v, want context.Canceled and not ErrPoolEnded", err)
	}
	close(release)
	running.Wait()
	err := p.Close()
	if !errors.Is(err, pool.ErrPoolEnded) {
		t.Errorf("Close: %v, want one that wraps ErrPoolEnded", err)
	}
	s := p.Stats()
	rvIdentity(t, "after Close", s)
	// Skipped: the caller's one, the two queued, the blocked one, the two later.
	if s.Submitted != 7 || s.Skipped != 6 || s.Completed != 1 || s.Workers != 0 || s.Queued != 0 || s.Running != 0 {
		t.Errorf("Stats after Close: %+v, want 7 submitted, 6 skipped, 1 completed", s)
	}
}

// TestReviewChildGoexitAndPanicRunByHelper checks doc.go "A task that calls
// runtime.Goexit fails with errgroupx.ErrGoexit" and GUARANTEES 56 "a
// child's runtime.Goexit is the child's outcome alone", and that a child's
// panic is its Future's error (doc.go "A task's panic is recovered and
// becomes its error"), for children the parent's wait runs on its worker.
func TestReviewChildGoexitAndPanicRunByHelper(t *testing.T) {
	for _, wait := range []string{"Wait", "WaitContext", "Group"} {
		t.Run(wait, func(t *testing.T) {
			p := pool.New(context.Background(), 1, pool.QueueSize(0))
			parent := pool.Submit(p, func(ctx context.Context) (int, error) {
				goexit := func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }
				boom := func(context.Context) (int, error) { panic("boom") }
				switch wait {
				case "Group":
					g := pool.NewGroup[int](ctx, p)
					g.Go(goexit)
					_, err := g.Wait()
					if !errors.Is(err, errgroupx.ErrGoexit) {
						return 0, errors.New("group: " + errString(err))
					}
					return 1, nil
				default:
					a := pool.SubmitContext(ctx, p, goexit)
					b := pool.SubmitContext(ctx, p, boom)
					var ea, eb error
					if wait == "Wait" {
						_, ea = a.Wait()
						_, eb = b.Wait()
					} else {
						_, ea = a.WaitContext(ctx)
						_, eb = b.WaitContext(ctx)
					}
					var pe *errgroupx.PanicError
					if !errors.Is(ea, errgroupx.ErrGoexit) || !errors.As(eb, &pe) || pe.Value != "boom" {
						return 0, errors.New("children: " + errString(ea) + "; " + errString(eb))
					}
					return 1, nil
				}
			})
			if v, err := parent.Wait(); v != 1 || err != nil {
				t.Errorf("parent: %d, %v; want 1, nil", v, err)
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			s := p.Stats()
			rvIdentity(t, "after Close", s)
			if s.Failed != s.Completed-1 {
				t.Errorf("Stats: %+v, want every child failed and the parent not", s)
			}
		})
	}
}

// rvAwaitClosing returns once p's Close has begun, p's queue being full:
// TrySubmit reports false while p is open, a failed Future once Close began.
func rvAwaitClosing(p *pool.Pool) {
	for {
		if f, ok := pool.TrySubmit(p, rvRet(0)); ok {
			if _, err := f.Wait(); errors.Is(err, pool.ErrClosed) {
				return
			}
			panic("review: TrySubmit accepted a task at a full queue")
		}
		runtime.Gosched()
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestReviewStatsIdentityAtWaitAndClose checks Stats' doc "At every moment
// Submitted = Queued + Running + Completed + Skipped and Failed <= Completed;
// they are current when Wait or Close returns", and Close's "When Close
// returns, every Future is complete and no goroutine of the pool is left",
// under mixed adders, Resize, caller cancels and the pool's end.
func TestReviewStatsIdentityAtWaitAndClose(t *testing.T) {
	for i := range 30 {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 3, pool.QueueSize(2), pool.IdleTimeout(0))
		var futs []*pool.Future[int]
		var mu sync.Mutex
		var wg sync.WaitGroup
		var goRan, goTasks atomic.Int64
		for s := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 50 {
					cctx, ccancel := context.WithCancel(context.Background())
					switch (s + j) % 5 {
					case 0:
						f := pool.Submit(p, func(ctx context.Context) (int, error) {
							if j%7 == 0 {
								return 0, errors.New("x")
							}
							return j, nil
						})
						mu.Lock()
						futs = append(futs, f)
						mu.Unlock()
					case 1:
						goTasks.Add(1)
						p.Go(func(context.Context) error { goRan.Add(1); return nil })
					case 2:
						f := pool.SubmitContext(cctx, p, func(ctx context.Context) (int, error) {
							c := pool.SubmitContext(ctx, p, rvRet(1))
							return c.WaitContext(ctx)
						})
						mu.Lock()
						futs = append(futs, f)
						mu.Unlock()
					case 3:
						p.Resize(1 + j%4)
					case 4:
						if f, ok := pool.TrySubmit(p, rvRet(j)); ok {
							mu.Lock()
							futs = append(futs, f)
							mu.Unlock()
						}
					}
					if j%3 == 0 {
						ccancel()
					}
					defer ccancel()
				}
			}()
		}
		if i%2 == 0 {
			go cancel()
		}
		wg.Wait()
		p.Wait()
		s := p.Stats()
		rvIdentity(t, "after Wait", s)
		if s.Queued != 0 || s.Running != 0 || s.Blocked != 0 {
			t.Errorf("after Wait: %+v", s)
		}
		p.Close()
		s = p.Stats()
		rvIdentity(t, "after Close", s)
		if s.Workers != 0 {
			t.Errorf("Workers after Close: %d", s.Workers)
		}
		for _, f := range futs {
			if _, ok, _ := f.TryWait(); !ok {
				t.Fatalf("a Future not complete after Close")
			}
		}
		cancel()
	}
}

// TestReviewBlockedCountsSubmitters checks Stats.Blocked "callers blocked now
// on the full queue, their tasks not yet accepted" (not counted in
// Submitted), for Submit, Go, SubmitContext and Group.Go from outside, and
// that a SubmitContext that gives up leaves Blocked and Submitted alone.
func TestReviewBlockedCountsSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release, started := make(chan struct{}), make(chan struct{})
		pool.Submit(p, rvBlock(started, release, 0))
		<-started
		pool.Submit(p, rvRet(1))
		g := pool.NewGroup[int](context.Background(), p)
		cctx, ccancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var gaveUp error
		wg.Add(4)
		go func() { defer wg.Done(); pool.Submit(p, rvRet(2)) }()
		go func() { defer wg.Done(); p.Go(func(context.Context) error { return nil }) }()
		go func() { defer wg.Done(); g.Go(rvRet(3)) }()
		go func() { defer wg.Done(); _, gaveUp = pool.SubmitContext(cctx, p, rvRet(4)).Wait() }()
		synctest.Wait()
		if s := p.Stats(); s.Blocked != 4 || s.Submitted != 2 {
			t.Errorf("with 4 blocked: %+v, want Blocked 4, Submitted 2", s)
		}
		ccancel()
		synctest.Wait()
		if s := p.Stats(); s.Blocked != 3 || s.Submitted != 2 {
			t.Errorf("after one gave up: %+v, want Blocked 3, Submitted 2", s)
		}
		close(release)
		wg.Wait()
		if !errors.Is(gaveUp, context.Canceled) {
			t.Errorf("given-up SubmitContext: %v", gaveUp)
		}
		g.Wait()
		p.Close()
		if s := p.Stats(); s.Submitted != 5 || s.Completed != 5 || s.Blocked != 0 {
			t.Errorf("after Close: %+v, want 5 submitted and completed", s)
		}
	})
}

// TestReviewDrainAcceptsTaskChildren checks Close's doc "only the tasks
// being drained may still add children", with the package doc's "What a
// task adds ... is the task's child" (doc.go:39-40): a running task adds
// with Submit and Go (no ctx) and with SubmitContext during the drain.
func TestReviewDrainAcceptsTaskChildren(t *testing.T) {
	rvDrainAcceptsTaskChildren(t, "SubmitContext", "Submit", "Go")
}

func rvDrainAcceptsTaskChildren(t *testing.T, hows ...string) {
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			p := pool.New(context.Background(), 1)
			goAdd, started := make(chan struct{}), make(chan struct{})
			var childRan atomic.Bool
			parent := pool.Submit(p, func(ctx context.Context) (int, error) {
				close(started)
				<-goAdd
				fn := func(context.Context) (int, error) { childRan.Store(true); return 1, nil }
				switch how {
				case "SubmitContext":
					return pool.SubmitContext(ctx, p, fn).WaitContext(ctx)
				case "Submit":
					return pool.Submit(p, fn).Wait()
				default:
					p.Go(func(ctx context.Context) error { _, err := fn(ctx); return err })
					return 1, nil
				}
			})
			<-started
			filler := pool.Submit(p, rvRet(0)) // fills the queue
			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			rvAwaitClosing(p)
			close(goAdd)
			if v, err := parent.Wait(); v != 1 || err != nil {
				t.Errorf("parent: %d, %v", v, err)
			}
			filler.Wait()
			if err := <-closed; err != nil {
				t.Errorf("Close: %v", err)
			}
			if !childRan.Load() {
				t.Errorf("the child a draining task added with %s was refused", how)
			}
		})
	}
}

// TestReviewNestedBound checks doc.go "no more task functions run than the
// bound, not counting those waiting so" (in fanout's waits) with groups made
// inside a task, a group made outside used from tasks, and SubmitContext
// children, every worker nesting at once, and a Resize that grows from a task.
func TestReviewNestedBound(t *testing.T) {
	for _, q := range []int{0, 1, 100} {
		p := pool.New(context.Background(), 3, pool.QueueSize(q))
		var run, peak atomic.Int64
		enter := func() {
			n := run.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
		}
		leave := func() { run.Add(-1) }
		leaf := func(context.Context) (int, error) { enter(); runtime.Gosched(); leave(); return 1, nil }
		outside := pool.NewGroup[int](context.Background(), p)
		var roots []*pool.Future[int]
		for i := range 12 {
			roots = append(roots, pool.Submit(p, func(ctx context.Context) (int, error) {
				enter()
				defer leave()
				if i == 5 {
					p.Resize(4)
				}
				g := pool.NewGroup[int](ctx, p)
				for range 3 {
					g.Go(func(ctx context.Context) (int, error) {
						enter()
						c := pool.SubmitContext(ctx, p, leaf)
						leave()
						v, err := c.WaitContext(ctx)
						return v, err
					})
				}
				outside.Go(leaf)
				leave()
				vs, err := g.Wait()
				enter()
				if err != nil || len(vs) != 3 {
					return 0, errors.New("group: " + errString(err))
				}
				return 1, nil
			}))
		}
		for i, f := range roots {
			if v, err := f.Wait(); v != 1 || err != nil {
				t.Errorf("queue %d root %d: %d, %v", q, i, v, err)
			}
		}
		if vs, err := outside.Wait(); err != nil || len(vs) != 12 {
			t.Errorf("queue %d outside group: %d values, %v", q, len(vs), err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("queue %d Close: %v", q, err)
		}
		if n := peak.Load(); n > 4 {
			t.Errorf("queue %d: %d task functions ran at once, bound 3 then 4", q, n)
		}
	}
}

// TestReviewTaskWaitingForBlockedSubmitterLends checks Future.Wait's doc
// (future.go:26-28, which Group.Wait refers to: "Called from a task of the
// pool, Wait lends its worker (see [Future.Wait])"): "Called from a task of
// the same pool while the awaited task is queued (or a submitter is blocked
// on the full queue), Wait lends the calling task's worker", and the package
// doc "nothing waits for a task that no worker will run" (doc.go:46). A task
// waits in Group.Wait for a group (made outside) whose Go, from outside, is
// blocked on the full queue.
func TestReviewTaskWaitingForBlockedSubmitterLends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := pool.New(ctx, 1, pool.QueueSize(1))
		g := pool.NewGroup[int](context.Background(), p)
		start := make(chan struct{})
		waiter := pool.Submit(p, func(context.Context) (int, error) {
			<-start
			vs, err := g.Wait()
			if err != nil {
				return 0, err
			}
			return vs[0], nil
		})
		queued := pool.Submit(p, rvRet(1)) // fills the queue
		addDone := make(chan struct{})
		go func() {
			defer close(addDone)
			g.Go(rvRet(2)) // blocks: the queue is full
		}()
		synctest.Wait()
		if s := p.Stats(); s.Blocked != 1 || s.Running != 1 || s.Queued != 1 {
			t.Fatalf("setup: %+v", s)
		}
		close(start)
		select {
		case <-waiter.Done():
			if v, err := waiter.Wait(); v != 2 || err != nil {
				t.Errorf("waiter: %d, %v; want 2, nil", v, err)
			}
		case <-time.After(time.Hour):
			t.Errorf("a task in Group.Wait, waiting for a blocked submitter's task, hangs: %+v", p.Stats())
			cancel()
		}
		<-addDone
		queued.Wait()
		waiter.Wait()
		p.Close()
	})
}

// TestReviewPanicThroughNestingIsTheLeafs checks GUARANTEES 20 "A panic that
// crosses nested groups, Maps or pool tasks arrives as the leaf's own
// *PanicError, with the leaf's stack, not wrapped once per level", and
// Group.Wait's "panics with the first [*errgroupx.PanicError]": through a
// Group in a task in a Group in a task.
func TestReviewPanicThroughNestingIsTheLeafs(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	level := func(inner func(context.Context) (int, error)) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			g := pool.NewGroup[int](ctx, p)
			g.Go(inner)
			_, err := g.Wait()
			return 0, err
		}
	}
	leaf := func(context.Context) (int, error) { panic("leaf") }
	_, err := pool.Submit(p, level(level(leaf))).Wait()
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("outer error %v, want a *PanicError", err)
	}
	if pe.Value != "leaf" {
		t.Errorf("outer PanicError's Value is %T %v, want the leaf's \"leaf\" (wrapped once per level?)", pe.Value, pe.Value)
	}
	if !bytesContains(pe.Stack, "TestReviewPanicThroughNestingIsTheLeafs.func") {
		t.Errorf("stack is not the leaf's:\n%s", pe.Stack)
	}
}

func bytesContains(b []byte, s string) bool {
	return len(s) == 0 || (len(b) >= len(s) && indexOf(string(b), s) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestReviewWaitAndCloseInTaskPanic checks Pool.Wait's doc "Wait panics if
// called from a task of the same pool" and Close's "Close panics if called
// from a task of the same pool", also from a child run on a lending task's
// worker, with a message naming the method.
func TestReviewWaitAndCloseInTaskPanic(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	try := func(name string, f func() error) func(context.Context) (string, error) {
		return func(context.Context) (msg string, err error) {
			defer func() { msg, _ = recover().(string) }()
			f()
			return "", nil
		}
	}
	for name, m := range map[string]func() error{"Pool.Wait": p.Wait, "Pool.Close": p.Close} {
		msg, _ := pool.Submit(p, try(name, m)).Wait()
		if indexOf(msg, "pool: "+name+" called from a task") != 0 {
			t.Errorf("%s in a task: panic %q", name, msg)
		}
		msg, err := pool.Submit(p, func(ctx context.Context) (string, error) {
			return pool.SubmitContext(ctx, p, try(name, m)).WaitContext(ctx)
		}).Wait()
		if err != nil || indexOf(msg, "pool: "+name+" called from a task") != 0 {
			t.Errorf("%s in a child run on the lent worker: panic %q, %v", name, msg, err)
		}
	}
}

// TestReviewFutureDoneAndTryWait checks Done's doc "Every call returns the
// same channel" and TryWait's "It never allocates", and SubmitContext's "If
// ctx ends before the task is queued, the Future fails at once, the task not
// counted".
func TestReviewFutureDoneAndTryWait(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	release, started := make(chan struct{}), make(chan struct{})
	f := pool.Submit(p, rvBlock(started, release, 3))
	<-started
	d1, d2 := f.Done(), f.Done()
	if d1 != d2 {
		t.Errorf("Done returned two channels before completion")
	}
	if n := testing.AllocsPerRun(100, func() { f.TryWait() }); n != 0 {
		t.Errorf("TryWait allocates %v before completion", n)
	}
	close(release)
	<-d1
	if f.Done() != d1 {
		t.Errorf("Done returned another channel after completion")
	}
	if n := testing.AllocsPerRun(100, func() { f.TryWait() }); n != 0 {
		t.Errorf("TryWait allocates %v after completion", n)
	}
	if v, ok, err := f.TryWait(); v != 3 || !ok || err != nil {
		t.Errorf("TryWait: %d, %v, %v", v, ok, err)
	}
	before := p.Stats().Submitted
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := pool.SubmitContext(ctx, p, rvRet(1))
	if _, ok, err := g.TryWait(); !ok || !errors.Is(err, context.Canceled) || errors.Is(err, pool.ErrPoolEnded) {
		t.Errorf("SubmitContext with an ended ctx: completed %v, %v", ok, err)
	}
	if s := p.Stats(); s.Submitted != before {
		t.Errorf("the given-up task was counted: %+v", s)
	}
}

// TestReviewResizeGrowStartsQueuedAtOnce checks Resize's doc "Growing starts
// workers for the queued tasks at once" (with the queue's tasks only; with a
// submitter blocked on the full queue, see the next test).
func TestReviewResizeGrowStartsQueuedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(3))
		release := make(chan struct{})
		started := make([]chan struct{}, 4)
		var fs []*pool.Future[int]
		for i := range started {
			started[i] = make(chan struct{})
			fs = append(fs, pool.Submit(p, rvBlock(started[i], release, i)))
		}
		synctest.Wait()
		if s := p.Stats(); s.Running != 1 || s.Queued != 3 || s.Workers != 1 {
			t.Fatalf("setup: %+v", s)
		}
		p.Resize(3)
		if s := p.Stats(); s.Running != 3 || s.Queued != 1 || s.Workers != 3 {
			t.Errorf("when Resize(3) returns: %+v, want 3 running and workers, 1 queued", s)
		}
		synctest.Wait()
		for i, c := range started[:3] {
			select {
			case <-c:
			default:
				t.Errorf("task %d not started after Resize(3)", i)
			}
		}
		close(release)
		for _, f := range fs {
			f.Wait()
		}
		p.Close()
	})
}

// TestReviewResizeGrowStartsBlockedSubmittersTask checks Resize's doc
// "Growing starts workers for the queued tasks at once", with the queue full
// and a submitter blocked on it, and the package invariant that a queued task
// has a worker coming (DESIGN: workers "are started as queued tasks need
// them"): the blocked submitter's task, let into the queue by the room the
// first start left, gets a worker too, by the time Resize returns.
func TestReviewResizeGrowStartsBlockedSubmittersTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release := make(chan struct{})
		s0, s1, s2 := make(chan struct{}), make(chan struct{}), make(chan struct{})
		f0 := pool.Submit(p, rvBlock(s0, release, 0))
		<-s0
		f1 := pool.Submit(p, rvBlock(s1, release, 1)) // queued
		var f2 *pool.Future[int]
		submitted := make(chan struct{})
		go func() {
			f2 = pool.Submit(p, rvBlock(s2, release, 2)) // blocked
			close(submitted)
		}()
		synctest.Wait()
		if s := p.Stats(); s.Running != 1 || s.Queued != 1 || s.Blocked != 1 {
			t.Fatalf("setup: %+v", s)
		}
		p.Resize(3)
		if s := p.Stats(); s.Running != 3 || s.Queued != 0 || s.Blocked != 0 || s.Workers != 3 {
			t.Errorf("when Resize(3) returns: %+v, want 3 running and workers, none queued or blocked", s)
		}
		synctest.Wait()
		for i, c := range []chan struct{}{s1, s2} {
			select {
			case <-c:
			default:
				t.Errorf("task %d not started after Resize(3): %+v", i+1, p.Stats())
			}
		}
		close(release)
		<-submitted
		for _, f := range []*pool.Future[int]{f0, f1, f2} {
			f.Wait()
		}
		p.Close()
	})
}

// TestReviewSubmitAtIdleTimeoutInstant checks doc.go "Workers start as tasks
// come and leave once idle for [IdleTimeout]" with DESIGN's "never a queued
// task with no worker coming for it": tasks added at the very instant the
// idle workers are told to leave all run, and Workers never exceeds the bound.
func TestReviewSubmitAtIdleTimeoutInstant(t *testing.T) {
	const d = time.Second
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.IdleTimeout(d))
		for round := range 20 {
			var fs []*pool.Future[int]
			for i := range 3 {
				fs = append(fs, pool.Submit(p, rvRet(i)))
			}
			for _, f := range fs {
				if _, err := f.Wait(); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if w := p.Stats().Workers; w > 2 {
				t.Fatalf("round %d: %d workers, bound 2", round, w)
			}
			// The reaper ticks every d; sleep to a tick, maybe the leaving one.
			time.Sleep(d * time.Duration(1+round%2))
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// TestReviewResizeRacesCloseAndEnd checks Resize's doc "Resize may be called
// from any goroutine, a task's too, at any time; after Close it changes
// nothing that runs", with Close's "When Close returns, every Future is
// complete and no goroutine of the pool is left", Resize racing Close, the
// pool's end, and running tasks that resize.
func TestReviewResizeRacesCloseAndEnd(t *testing.T) {
	for i := range 40 {
		ctx, cancel := context.WithCancel(context.Background())
		p := pool.New(ctx, 2, pool.QueueSize(4), pool.IdleTimeout(0))
		var fs []*pool.Future[int]
		for j := range 6 {
			fs = append(fs, pool.Submit(p, func(ctx context.Context) (int, error) {
				p.Resize(1 + j%3)
				runtime.Gosched()
				return j, nil
			}))
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := range 20 {
				p.Resize(1 + k%4)
			}
		}()
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				cancel()
			}
		}()
		p.Close()
		wg.Wait()
		p.Resize(8) // after Close: changes nothing that runs
		if s := p.Stats(); s.Workers != 0 || s.Running != 0 || s.Queued != 0 {
			t.Fatalf("after Close and Resize: %+v", s)
		}
		for _, f := range fs {
			if _, ok, _ := f.TryWait(); !ok {
				t.Fatalf("a Future not complete after Close")
			}
		}
		rvIdentity(t, "after Close", p.Stats())
		cancel()
	}
}

type rvKey struct{}

// TestReviewGoContextChildOutlivesTask checks GoContext's doc "Called with
// the ctx of a task of the pool, it adds a child that the task does not wait
// for: it never blocks, and the child keeps ctx's values but not its end,
// outliving the task", and that its error reaches the next Wait.
func TestReviewGoContextChildOutlivesTask(t *testing.T) {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	cctx, ccancel := context.WithCancel(context.WithValue(context.Background(), rvKey{}, "v"))
	childErr := errors.New("child")
	var got atomic.Value
	parent := pool.SubmitContext(cctx, p, func(ctx context.Context) (int, error) {
		p.GoContext(ctx, func(ctx context.Context) error {
			got.Store([2]any{ctx.Value(rvKey{}), ctx.Err()})
			return childErr
		})
		return 1, nil
	})
	if v, err := parent.Wait(); v != 1 || err != nil {
		t.Fatalf("parent: %d, %v", v, err)
	}
	ccancel() // the parent's ctx ends before the child may have run
	err := p.Wait()
	if !errors.Is(err, childErr) {
		t.Errorf("Wait: %v, want the child's error", err)
	}
	if g, _ := got.Load().([2]any); g[0] != "v" || g[1] != nil {
		t.Errorf("child saw value %v, Err %v; want \"v\", nil", g[0], g[1])
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if s := p.Stats(); s.Submitted != 2 || s.Completed != 2 || s.Failed != 1 {
		t.Errorf("Stats: %+v", s)
	}
}
