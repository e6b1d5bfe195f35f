package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// Review 5: edf4c05, a Wait that blocks sleeps on a recycled waiter that
// settle wakes, instead of a WaitGroup in every Future. Every way a task
// completes must wake every Wait asleep on it, with the task's result, and
// a task's Wait for its queued child must still lend its worker. A hang is
// reported after r5Hang, never waited out.

const r5Hang = 10 * time.Second

// r5Close closes p, reporting a Close that hangs (after a failure that left
// a task blocked) instead of hanging the suite.
func r5Close(t *testing.T, p *pool.Pool) {
	t.Helper()
	pool.Review5Wait(t, "Close", func() { p.Close() })
}

// r5UntilSleeping yields until n Waits sleep on f; it fails t after r5Hang.
func r5UntilSleeping[R any](t *testing.T, p *pool.Pool, f *pool.Future[R], n int) {
	t.Helper()
	deadline := time.Now().Add(r5Hang)
	for k := pool.Sleepers(p, f); k < n; k = pool.Sleepers(p, f) {
		if k < 0 {
			t.Fatalf("the chain of Waits asleep on the task does not end")
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Waits asleep on the task after %v, want %d", pool.Sleepers(p, f), r5Hang, n)
		}
		runtime.Gosched()
	}
}

// r5Result is what one waiter got.
type r5Result struct {
	how string
	v   int
	err error
}

// r5Waiters starts on f n waiters of every kind, round robin: Wait,
// WaitContext with a ctx that never ends, WaitContext with a live
// cancelable ctx, <-Done then TryWait, and TryWait polled. It returns how
// many of them sleep (the first two kinds) and a func that collects their
// results, failing t on a hang.
func r5Waiters(t *testing.T, f *pool.Future[int], n int) (sleepers int, collect func() []r5Result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	results := make([]r5Result, n)
	var wg sync.WaitGroup
	for i := range n {
		kind := i % 5
		if kind < 2 {
			sleepers++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			switch kind {
			case 0:
				r.how = "Wait"
				r.v, r.err = f.Wait()
			case 1:
				r.how = "WaitContext(Background)"
				r.v, r.err = f.WaitContext(context.Background())
			case 2:
				r.how = "WaitContext(live ctx)"
				r.v, r.err = f.WaitContext(ctx)
			case 3:
				r.how = "Done, TryWait"
				<-f.Done()
				var ok bool
				if r.v, ok, r.err = f.TryWait(); !ok {
					r.err = errors.New("TryWait after Done: not completed")
				}
			case 4:
				r.how = "TryWait polled"
				for {
					var ok bool
					if r.v, ok, r.err = f.TryWait(); ok {
						break
					}
					runtime.Gosched()
				}
			}
		}()
	}
	return sleepers, func() []r5Result {
		t.Helper()
		defer cancel()
		pool.Review5Within(t, "the waiters", wg.Wait)
		return results
	}
}

// r5Check fails t unless every result satisfies want, and all agree.
func r5Check(t *testing.T, rs []r5Result, want func(v int, err error) bool) {
	t.Helper()
	for i, r := range rs {
		if !want(r.v, r.err) {
			t.Errorf("waiter %d (%s): %d, %v", i, r.how, r.v, r.err)
		}
		if r.v != rs[0].v || r.err != rs[0].err {
			t.Errorf("waiter %d (%s) got %d, %v; waiter 0 (%s) %d, %v", i, r.how, r.v, r.err, rs[0].how, rs[0].v, rs[0].err)
		}
	}
}

var errR5 = errors.New("r5: failed")

// r5Outcomes are the ways a task that runs ends, with what its Future must
// say.
var r5Outcomes = []struct {
	name string
	fn   func() (int, error)
	want func(v int, err error) bool
}{
	{"value", func() (int, error) { return 7, nil },
		func(v int, err error) bool { return v == 7 && err == nil }},
	{"error", func() (int, error) { return 0, errR5 },
		func(v int, err error) bool { return errors.Is(err, errR5) }},
	{"panic", func() (int, error) { panic("r5 boom") },
		func(v int, err error) bool {
			var pe *errgroupx.PanicError
			return errors.As(err, &pe) && pe.Value == "r5 boom"
		}},
	{"Goexit", func() (int, error) { runtime.Goexit(); return 0, nil },
		func(v int, err error) bool { return errors.Is(err, errgroupx.ErrGoexit) }},
}

// Every way a running task ends (a value, an error, a panic, Goexit) wakes
// every Wait asleep on it with that result, with Done's channel made before
// the Waits or not (settle closes it, or stores the closed one). GUARANTEES
// 10: "any number of goroutines may wait on one Future, and all wake when
// it completes, however it completes".
//
// Catches completeLocked not waking (every case hangs), wakeLocked waking
// the first sleeper alone, and a wake only when settle made no channel.
func TestReview5EveryOutcomeWakesEverySleeper(t *testing.T) {
	for _, o := range r5Outcomes {
		for _, doneFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/Done made first=%v", o.name, doneFirst), func(t *testing.T) {
				p := pool.New(context.Background(), 2)
				defer r5Close(t, p)
				release, started := make(chan struct{}), make(chan struct{})
				var once sync.Once
				defer once.Do(func() { close(release) }) // after a failure
				f := pool.Submit(p, func(context.Context) (int, error) {
					close(started)
					<-release
					return o.fn()
				})
				<-started
				if doneFirst {
					f.Done()
				}
				n, collect := r5Waiters(t, f, 20)
				r5UntilSleeping(t, p, f, n)
				once.Do(func() { close(release) })
				r5Check(t, collect(), o.want)
				if k := pool.Sleepers(p, f); k != 0 {
					t.Errorf("%d sleepers left on a completed task", k)
				}
			})
		}
	}
}

// r5HeldCtx is a Context whose AfterFuncs run only when the test fires
// them (it implements the AfterFunc method that context.AfterFunc uses), so
// that a pool or a caller sees the ctx ended before the AfterFunc that
// would act on it has run: the pool's end, or a queued task's drop. Stopped
// ones never run, as context.AfterFunc promises.
type r5HeldCtx struct {
	context.Context // Background: no deadline, no values
	done            chan struct{}

	mu   sync.Mutex
	err  error
	next int
	fns  map[int]func()
}

func newR5HeldCtx() *r5HeldCtx {
	return &r5HeldCtx{Context: context.Background(), done: make(chan struct{}), fns: map[int]func(){}}
}

func (c *r5HeldCtx) Done() <-chan struct{} { return c.done }

func (c *r5HeldCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *r5HeldCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.fns[id] = f
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.fns[id]
		delete(c.fns, id)
		return ok
	}
}

// cancel ends the ctx, running none of its AfterFuncs.
func (c *r5HeldCtx) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = context.Canceled
		close(c.done)
	}
}

// fire runs the AfterFuncs not stopped, as the ctx's end would have.
func (c *r5HeldCtx) fire() {
	c.mu.Lock()
	fns := c.fns
	c.fns = map[int]func(){}
	c.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// Waits asleep on a queued task (from goroutines that are not tasks, so
// they sleep after looking whether to lend) wake however the task ends:
// it runs; its caller's ctx ends (the drop AfterFunc); the pool's ctx ends
// (end's settleSkipped, outside mu); the pool's ctx ends with end held back,
// so Close settles the set-aside task; the pool's or the caller's ctx ends
// after the task left the queue for a worker, which skips it (Resize hands
// it to a new worker while end and the drop are held back: doneLocked).
//
// Catches a missing wake on each path: completeLocked's, settleSkipped's
// (whoever calls it), doneLocked's for the pool's end, and a Wait on a
// queued task that returns without sleeping.
func TestReview5QueuedTaskEveryEndWakesSleepers(t *testing.T) {
	ranValue := func(v int, err error) bool { return v == 5 && err == nil }
	poolEnded := func(v int, err error) bool { return errors.Is(err, pool.ErrPoolEnded) }
	callerEnded := func(v int, err error) bool {
		return errors.Is(err, context.Canceled) && !errors.Is(err, pool.ErrPoolEnded)
	}
	five := returns(5)
	type env struct {
		p        *pool.Pool
		cancel   func() // ends the pool's ctx
		held     *r5HeldCtx
		caller   context.Context
		endCall  func() // ends caller
		heldCall *r5HeldCtx
		release  func() // lets the blocker return
	}
	tests := []struct {
		name     string
		heldPool bool // the pool's ctx is an r5HeldCtx
		add      func(e *env) *pool.Future[int]
		end      func(e *env)
		want     func(v int, err error) bool
	}{
		{"Submit, runs", false,
			func(e *env) *pool.Future[int] { return pool.Submit(e.p, five) },
			func(e *env) { e.release() }, ranValue},
		{"SubmitKey, runs", false,
			func(e *env) *pool.Future[int] { return pool.SubmitKey(e.p, "k", five) },
			func(e *env) { e.release() }, ranValue},
		{"SubmitContext, runs", false,
			func(e *env) *pool.Future[int] { return pool.SubmitContext(e.caller, e.p, five) },
			func(e *env) { e.release() }, ranValue},
		{"SubmitContext, caller's ctx ends: dropped", false,
			func(e *env) *pool.Future[int] { return pool.SubmitContext(e.caller, e.p, five) },
			func(e *env) { e.endCall() }, callerEnded},
		{"Submit, pool's ctx ends", false,
			func(e *env) *pool.Future[int] { return pool.Submit(e.p, five) },
			func(e *env) { e.cancel() }, poolEnded},
		{"SubmitKey, pool's ctx ends", false,
			func(e *env) *pool.Future[int] { return pool.SubmitKey(e.p, "k", five) },
			func(e *env) { e.cancel() }, poolEnded},
		{"SubmitContext, pool's ctx ends", false,
			func(e *env) *pool.Future[int] { return pool.SubmitContext(e.caller, e.p, five) },
			func(e *env) { e.cancel() }, poolEnded},
		{"Submit, pool's ctx ends, end held: Close settles", true,
			func(e *env) *pool.Future[int] { return pool.Submit(e.p, five) },
			func(e *env) {
				e.held.cancel()
				e.release()
				e.p.Close() // the blocker's finish set the task aside; Close settles it
			}, poolEnded},
		{"Submit, pool's ctx ends once handed to a worker", true,
			func(e *env) *pool.Future[int] { return pool.Submit(e.p, five) },
			func(e *env) {
				e.held.cancel()
				e.p.Resize(2) // hands the task to a new worker, which skips it
			}, poolEnded},
		{"SubmitContext, caller's ctx ends once handed to a worker", false,
			func(e *env) *pool.Future[int] { return pool.SubmitContext(e.heldCall, e.p, five) },
			func(e *env) {
				e.heldCall.cancel()
				e.p.Resize(2)
			}, callerEnded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &env{heldCall: newR5HeldCtx()}
			var pctx context.Context
			if tt.heldPool {
				e.held = newR5HeldCtx()
				pctx, e.cancel = e.held, e.held.cancel
			} else {
				pctx, e.cancel = context.WithCancel(context.Background())
			}
			defer e.cancel()
			var cancelCaller context.CancelFunc
			e.caller, cancelCaller = context.WithCancel(context.Background())
			defer cancelCaller()
			e.endCall = cancelCaller
			e.p = pool.New(pctx, 1, pool.QueueSize(4))
			defer r5Close(t, e.p)
			release, started := make(chan struct{}), make(chan struct{})
			var once sync.Once
			e.release = func() { once.Do(func() { close(release) }) }
			defer e.release()
			pool.Submit(e.p, func(context.Context) (int, error) {
				close(started)
				<-release
				return 0, nil
			})
			<-started
			f := tt.add(e)
			if s := e.p.Stats(); s.Queued != 1 {
				t.Fatalf("the task is not queued: %+v", s)
			}
			n, collect := r5Waiters(t, f, 20)
			r5UntilSleeping(t, e.p, f, n)
			pool.Review5Within(t, "ending the task", func() { tt.end(e) })
			r5Check(t, collect(), tt.want)
			if k := pool.Sleepers(e.p, f); k != 0 {
				t.Errorf("%d sleepers left on a completed task", k)
			}
			e.release()
			if e.heldCall.fire(); e.held != nil {
				defer e.held.fire() // after Close: it stopped the pool's end
			}
		})
	}
}

// A task's Future.Wait for its child, queued behind it on the task's own
// worker (one worker), lends the worker: the child runs and every Wait
// returns its value. Goroutines the task handed its ctx to wait too, with
// Wait and WaitContext, and so does a goroutine outside the pool. Before
// edf4c05 Wait asked mayNeedLend and then slept on the WaitGroup; now one
// lock section (sleep with lend) decides.
//
// Catches sleep ignoring lend (the task sleeps on its own worker's work: a
// hang), and Wait not sleeping after a lend was not possible.
func TestReview5WaitInTaskLendsForQueuedChild(t *testing.T) {
	for _, queue := range []int{0, 1, 4} {
		t.Run(fmt.Sprintf("QueueSize(%d)", queue), func(t *testing.T) {
			p := pool.New(context.Background(), 1, pool.QueueSize(queue))
			defer r5Close(t, p)
			children := make(chan *pool.Future[int], 1)
			var handed sync.WaitGroup
			var handedSum atomic.Int64
			parent := pool.Submit(p, func(ctx context.Context) (int, error) {
				c := pool.Submit(p, returns(5)) // the task's child: never blocks
				d := pool.SubmitContext(ctx, p, returns(6))
				children <- c
				for range 2 {
					handed.Go(func() {
						v, _ := c.Wait()
						w, _ := d.WaitContext(ctx)
						x, _ := d.Wait()
						handedSum.Add(int64(v + w + x))
					})
				}
				v, err := c.Wait()
				if err != nil {
					return 0, err
				}
				w, err := d.Wait()
				handed.Wait()
				return v + w, err
			})
			var outside int
			pool.Review5Within(t, "the task and its waiters", func() {
				outside, _ = (<-children).Wait()
				if v, err := parent.Wait(); v != 11 || err != nil {
					t.Errorf("the task returned %d, %v; want 11, nil", v, err)
				}
			})
			if outside != 5 {
				t.Errorf("a Wait outside the pool got %d, want 5", outside)
			}
			if got := handedSum.Load(); got != 2*(5+6+6) {
				t.Errorf("the handed goroutines got %d in all, want %d", got, 2*(5+6+6))
			}
		})
	}
}

// A task's Wait on a child that runs on another worker sleeps (nothing to
// lend for), and wakes when the child completes, with the task's worker
// still its own: the bound holds. Group.Wait in a task sleeps the same way
// on each task of the group (waitFor's park).
func TestReview5WaitInTaskSleepsOnRunningChild(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer r5Close(t, p)
	release := make(chan struct{})
	childs := make(chan *pool.Future[int], 1)
	parent := pool.Submit(p, func(ctx context.Context) (int, error) {
		started := make(chan struct{})
		c := pool.Submit(p, func(context.Context) (int, error) {
			close(started)
			<-release
			return 4, nil
		})
		<-started
		childs <- c
		v, err := c.Wait()
		g := pool.NewGroup[int](ctx, p)
		for i := range 8 {
			g.Go(returns(i))
		}
		vs, gerr := g.Wait()
		sum := 0
		for _, x := range vs {
			sum += x
		}
		return v + sum, errors.Join(err, gerr)
	})
	c := <-childs
	r5UntilSleeping(t, p, c, 1) // the task, not lending
	close(release)
	pool.Review5Within(t, "the task", func() {
		if v, err := parent.Wait(); v != 4+28 || err != nil {
			t.Errorf("the task returned %d, %v; want 32, nil", v, err)
		}
	})
}

// In a synctest bubble, a pool made there: Waits asleep on a task (running,
// and queued behind it) are durably blocked, so synctest.Wait returns with
// them asleep and the bubble's clock moves on to the tasks' timers; each
// Wait returns its task's value at the fake hour it completes. A hang fails
// the binary after r5Hang of real time.
//
// Catches a sleep that blocks other than on the bubble's channel (a spin,
// a lock): synctest.Wait and the clock never get past it.
func TestReview5SynctestSleepersDurablyBlocked(t *testing.T) {
	hang := time.AfterFunc(r5Hang, func() {
		panic("TestReview5SynctestSleepersDurablyBlocked: the bubble still runs after 10s: a Wait that sleeps is not durably blocked")
	})
	defer hang.Stop()
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1)
		defer p.Close()
		start := time.Now()
		task := func(v int) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				time.Sleep(time.Hour)
				return v, nil
			}
		}
		fa := pool.Submit(p, task(1))
		fb := pool.Submit(p, task(2)) // queued behind fa
		type got struct {
			v  int
			at time.Duration
		}
		results := make(chan got, 8)
		for i := range 8 {
			f := fa
			if i%2 == 1 {
				f = fb
			}
			go func() {
				var v int
				if i%4 < 2 {
					v, _ = f.Wait()
				} else {
					v, _ = f.WaitContext(context.Background())
				}
				results <- got{v, time.Since(start)}
			}()
		}
		synctest.Wait()
		if a, b := pool.Sleepers(p, fa), pool.Sleepers(p, fb); a != 4 || b != 4 {
			t.Fatalf("asleep: %d on the running task, %d on the queued one; want 4 and 4", a, b)
		}
		if len(results) != 0 {
			t.Fatalf("%d Waits returned before the fake clock moved", len(results))
		}
		for range 8 {
			r := <-results
			if want := time.Duration(r.v) * time.Hour; r.at != want {
				t.Errorf("a Wait got %d at %v, want it at %v", r.v, r.at, want)
			}
		}
	})
}

// Many Futures, each with waiters of every kind that arrive while it runs,
// completes, or is skipped by the pool's end: every waiter returns, and all
// of one Future's waiters see the same result, the value or the pool's end.
// The sleep races settle under mu (a task's return) and outside it
// (settleSkipped).
//
// Catches a sleep that does not look, under mu, whether the task completed
// (a Wait that arrives as it settles sleeps for good), and a waiter
// recycled while still in use.
func TestReview5WaitersRaceCompletion(t *testing.T) {
	for _, end := range []bool{false, true} {
		t.Run(fmt.Sprintf("pool ends=%v", end), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := pool.New(ctx, 2, pool.QueueSize(64))
			defer r5Close(t, p)
			const n = 300
			fs := make([]*pool.Future[int], n)
			collects := make([]func() []r5Result, n)
			for i := range n {
				fs[i] = pool.Submit(p, func(context.Context) (int, error) {
					for range i % 3 {
						runtime.Gosched()
					}
					return i + 1, nil
				})
				_, collects[i] = r5Waiters(t, fs[i], 5)
				if end && i == n/2 {
					cancel()
				}
			}
			for i, collect := range collects {
				r5Check(t, collect(), func(v int, err error) bool {
					return v == i+1 && err == nil || end && v == 0 && errors.Is(err, pool.ErrPoolEnded)
				})
			}
		})
	}
}

// A Wait that blocks makes nothing: Submit and several Waits asleep on the
// task, on a task queued behind another (where Wait first looks whether to
// lend), or with WaitContext(Background), cost the Future alone. GUARANTEES
// 10: "one allocation with Submit (its Future) ..., a Wait that blocks
// included".
//
// Catches a waiter made per sleep rather than recycled.
func TestReview5BlockingWaitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	p := pool.New(context.Background(), 1)
	defer p.Close()
	release := make(chan struct{})
	held := func(context.Context) (int, error) { <-release; return 1, nil }
	two := returns(2)
	// k waiter goroutines, fed by jobs, and a releaser that lets the held
	// task go once they all sleep on it: none allocates.
	type job struct {
		f       *pool.Future[int]
		context bool
	}
	const k = 4
	jobs := make(chan job)
	waited := make(chan struct{})
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for j := range jobs {
				if j.context {
					j.f.WaitContext(context.Background())
				} else {
					j.f.Wait()
				}
				waited <- struct{}{}
			}
		})
	}
	toRelease := make(chan *pool.Future[int])
	wg.Go(func() {
		for f := range toRelease {
			for pool.Sleepers(p, f) < k {
				runtime.Gosched()
			}
			release <- struct{}{}
		}
	})
	defer func() {
		close(jobs)
		close(toRelease)
		pool.Review5Wait(t, "the waiter goroutines", wg.Wait)
	}()
	sleepOn := func(f *pool.Future[int], context bool) {
		toRelease <- f
		for range k {
			jobs <- job{f, context}
		}
		for range k {
			<-waited
		}
	}
	tests := []struct {
		name string
		want float64
		f    func()
	}{
		{"Submit and 4 Waits that block", 1, func() { sleepOn(pool.Submit(p, held), false) }},
		{"Submit and 4 WaitContext(Background) that block", 1, func() { sleepOn(pool.Submit(p, held), true) }},
		{"Submit queued, and 4 Waits that block", 2, func() {
			first := pool.Submit(p, held) // released once the Waits sleep on f
			f := pool.Submit(p, two)
			sleepOn(f, false)
			first.Wait()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got float64
			pool.Review5Within(t, "the runs", func() { got = testing.AllocsPerRun(200, tt.f) })
			if got > tt.want {
				t.Errorf("%v allocations per run, want at most %v", got, tt.want)
			}
		})
	}
}

// A worker whose finished task woke a sleeping Wait yields before it runs
// its next task, so that the Wait, next on the worker's P, returns first
// (work's yield on settle's woke report; it kept a Group's Wait from coming
// back tens of ms late). At GOMAXPROCS 1: a Wait asleep on a task, a second
// task queued behind it on the one worker; the Wait must mostly see the
// second task not yet started. Counted over trials: the scheduler may, one
// time in 61, take the yielding worker first from the global queue.
//
// Catches settle reporting no wakeup for a task whose only waiter sleeps
// (the worker then runs the next task at once, every time).
func TestReview5WokenSleeperRunsBeforeNextTask(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := pool.New(context.Background(), 1)
	defer r5Close(t, p)
	const trials = 40
	first := 0
	for range trials {
		release, started := make(chan struct{}), make(chan struct{})
		a := pool.Submit(p, func(context.Context) (int, error) {
			close(started)
			<-release
			return 1, nil
		})
		<-started
		var bStarted atomic.Bool
		b := pool.Submit(p, func(context.Context) (int, error) {
			bStarted.Store(true)
			return 2, nil
		})
		seen := make(chan bool)
		go func() {
			a.Wait()
			seen <- bStarted.Load()
		}()
		r5UntilSleeping(t, p, a, 1)
		close(release)
		pool.Review5Within(t, "the Wait", func() {
			if !<-seen {
				first++
			}
			b.Wait()
		})
	}
	if first < trials*3/4 {
		t.Errorf("the woken Wait returned before the next task started in %d of %d trials, want most", first, trials)
	}
}

// A task's Wait for its queued child lends its worker, which runs the child
// on a helper goroutine (finishHelped, or goexit's for a helper): whatever
// the child does, the task's Wait and the Waits asleep on the child outside
// the pool all return its result, and the task's goroutine survives the
// child's Goexit.
//
// Catches a wake missing on the helper's paths.
func TestReview5LentWorkerChildOutcomesWakeSleepers(t *testing.T) {
	for _, o := range r5Outcomes {
		t.Run(o.name, func(t *testing.T) {
			p := pool.New(context.Background(), 1)
			defer r5Close(t, p)
			children := make(chan *pool.Future[int], 1)
			goWait := make(chan struct{})
			var once sync.Once
			defer once.Do(func() { close(goWait) }) // after a failure
			parent := pool.Submit(p, func(ctx context.Context) (int, error) {
				c := pool.Submit(p, func(context.Context) (int, error) { return o.fn() })
				children <- c
				<-goWait
				v, err := c.Wait()
				if !o.want(v, err) {
					return 0, fmt.Errorf("the task's Wait got %d, %v", v, err)
				}
				return 1, nil
			})
			c := <-children
			n, collect := r5Waiters(t, c, 10)
			r5UntilSleeping(t, p, c, n)
			once.Do(func() { close(goWait) })
			r5Check(t, collect(), o.want)
			pool.Review5Within(t, "the task", func() {
				if v, err := parent.Wait(); v != 1 || err != nil {
					t.Errorf("the task: %d, %v", v, err)
				}
			})
		})
	}
}

// A task's Wait on a task of another pool, queued there: the caller is a
// pool goroutine but not that pool's, so it lends nothing there and sleeps,
// and wakes when the other pool runs the task.
func TestReview5WaitInTaskOnAnotherPool(t *testing.T) {
	p1 := pool.New(context.Background(), 1)
	defer r5Close(t, p1)
	p2 := pool.New(context.Background(), 1)
	defer r5Close(t, p2)
	release, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(release) })
	pool.Submit(p2, func(context.Context) (int, error) {
		close(started)
		<-release
		return 0, nil
	})
	<-started
	other := pool.Submit(p2, returns(3)) // queued on p2
	waiter := pool.Submit(p1, func(context.Context) (int, error) { return other.Wait() })
	r5UntilSleeping(t, p2, other, 1)
	once.Do(func() { close(release) })
	pool.Review5Within(t, "the task", func() {
		if v, err := waiter.Wait(); v != 3 || err != nil {
			t.Errorf("the task's Wait on the other pool's task: %d, %v; want 3, nil", v, err)
		}
	})
}
