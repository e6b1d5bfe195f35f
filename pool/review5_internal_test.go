package pool

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Review 5: edf4c05, a Wait that blocks sleeps on a recycled waiter that
// settle wakes (Pool.sleep, wakeLocked, completeLocked, settleSkipped's
// wake). These tests reach the internals; review5_sleep_test.go drives the
// public API.

// review5Hang is how long a test lets a goroutine it expects back stay
// blocked before it reports a hang.
const review5Hang = 10 * time.Second

// Review5Wait reports whether f returned within review5Hang, and reports a
// hang with t.Errorf if not; f may call t.Errorf, not t.Fatalf. The
// external tests use it too, for deferred cleanups.
func Review5Wait(t *testing.T, what string, f func()) bool {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(review5Hang):
		t.Errorf("%s: still blocked after %v: a hang", what, review5Hang)
		return false
	}
}

// Review5Within is Review5Wait that stops t on a hang.
func Review5Within(t *testing.T, what string, f func()) {
	t.Helper()
	if !Review5Wait(t, what, f) {
		t.FailNow()
	}
}

// completeLocked reports woke for a task a Wait sleeps on, and wakes it:
// the worker yields on that report (work), so that the woken Wait runs
// before the worker's next task. settle alone reports it too, for
// settleSkipped, which wakes only when it does.
//
// Catches settle no longer counting parked in its report (the yield lost
// for a task whose only waiter is a sleeper), and completeLocked not waking.
func TestReview5CompleteReportsWokeForSleeper(t *testing.T) {
	p := New(t.Context(), 1)
	defer p.Close()
	for _, viaSettle := range []bool{false, true} {
		f := &Future[int]{}
		f.s.pool = p
		back := make(chan bool)
		go func() { back <- p.sleep(&f.s, false) }()
		review5Until(t, "asleep", func() bool { return p.sleepingOn(&f.s) == 1 })
		var woke bool
		if viaSettle {
			woke = f.s.settle(nil)
			if woke && f.s.parked.Load() {
				p.mu.Lock()
				p.wakeLocked(&f.s)
				p.mu.Unlock()
			}
		} else {
			p.mu.Lock()
			woke = p.completeLocked(&f.s, nil)
			p.mu.Unlock()
		}
		if !woke {
			t.Errorf("settle via settle alone=%v: woke false with a Wait asleep on the task", viaSettle)
		}
		Review5Within(t, "the sleeper", func() {
			if !<-back {
				t.Errorf("sleep returned false for lend=false")
			}
		})
		if n := p.sleepingOn(&f.s); n != 0 {
			t.Errorf("%d sleepers left on a completed task", n)
		}
	}
}

// A task no one waits for reports no wakeup: the worker does not yield for
// nothing. With a sleeper that came and went (woken by an earlier settle of
// another task), a fresh task reports none either.
func TestReview5CompleteReportsNoWokeWithoutWaiter(t *testing.T) {
	p := New(t.Context(), 1)
	defer p.Close()
	f := &Future[int]{}
	f.s.pool = p
	p.mu.Lock()
	woke := p.completeLocked(&f.s, nil)
	p.mu.Unlock()
	if woke {
		t.Errorf("completeLocked reported woke for a task no one waited for")
	}
}

// settleSkipped settles outside mu and wakes only if the task was parked:
// it and sleep must each see the other (sleep marks parked, under mu,
// before it looks whether the task completed). Here a sleeper and
// settleSkipped race on one fresh queued task at a time, many times: a
// sleeper that looked, saw the task pending, then marked parked after
// settleSkipped read it, would sleep for good.
//
// Catches sleep marking parked after its completed check (a window of a few
// instructions, caught by chance: 8 runs of 8 here, on 2 busy cores).
func TestReview5SettleSkippedRacesSleep(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two Ps for the two sides to overlap")
	}
	p := New(t.Context(), 1)
	defer review5Close(t, p)
	const rounds = 20000
	budget := 300 * time.Millisecond
	// Round i: the sleeper readies a fresh queued task and stores go1; the
	// settler sets it aside (skipped) and stores go2; the sleeper stores go3
	// and sleeps after a delay that sweeps across the settler, which
	// settles once it reads go3.
	var go1, go2, go3, spin atomic.Int64
	var stop atomic.Bool // after a failure: the spinners leave
	wait := func(v *atomic.Int64, i int) bool {
		for v.Load() != int64(i) {
			if stop.Load() {
				return false
			}
		}
		return true
	}
	var wg sync.WaitGroup
	defer func() {
		stop.Store(true)
		done := make(chan struct{})
		go func() {
			defer close(done)
			wg.Wait()
		}()
		select {
		case <-done:
		case <-time.After(review5Hang):
			t.Errorf("the settler still blocked after %v", review5Hang)
		}
	}()
	fs := make([]Future[int], 64)
	wg.Go(func() { // the settler
		for i := 1; i <= rounds; i++ {
			for go1.Load() != int64(i) {
				if stop.Load() {
					return
				}
				runtime.Gosched() // a woken sleeper may wait for this P
			}
			f := &fs[i%len(fs)]
			p.mu.Lock()
			p.skipped = func(yield func(task) bool) { yield(f) }
			p.mu.Unlock()
			go2.Store(int64(i))
			if !wait(&go3, i) {
				return
			}
			p.settleSkipped()
		}
	})
	start := time.Now()
	Review5Within(t, "a sleeper racing settleSkipped", func() {
		for i := 1; i <= rounds && time.Since(start) < budget; i++ {
			f := &fs[i%len(fs)]
			*f = Future[int]{}
			f.s.pool, f.s.queued = p, true
			go1.Store(int64(i))
			if !wait(&go2, i) {
				return
			}
			go3.Store(int64(i))
			for k := i % 128; k > 0; k-- {
				spin.Add(1)
			}
			p.sleep(&f.s, false)
			if !f.s.completed() {
				t.Errorf("round %d: sleep returned before the task completed", i)
				return
			}
		}
	})
}

// review5Close closes p, reporting a Close that hangs instead of hanging
// the suite.
func review5Close(t *testing.T, p *Pool) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Close()
	}()
	select {
	case <-done:
	case <-time.After(review5Hang):
		t.Errorf("Close still blocked after %v", review5Hang)
	}
}

// review5Until yields until cond holds; it fails t after review5Hang.
func review5Until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(review5Hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after %v", what, review5Hang)
		}
		runtime.Gosched()
	}
}

// A Wait can sleep on a blocked submitter's task: a task's Group.Wait on a
// group whose Go blocks, outside the pool, on the full queue, while the
// task's lent worker cannot run it (a Resize left the pool at its bound:
// the worker is starved). The blocked task then completes without running,
// under mu, two ways: the pool's ctx ends (endLocked's skipLocked), or
// Close refuses it (refuseLocked). Either must wake the sleeping Group.Wait,
// which returns the task's error.
//
// Catches skipLocked and refuseLocked settling without waking (edf4c05 made
// them call completeLocked).
func TestReview5BlockedGroupTaskSleeperWakes(t *testing.T) {
	for _, viaClose := range []bool{false, true} {
		name := "pool's ctx ends"
		if viaClose {
			name = "Close refuses"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := New(ctx, 2, QueueSize(1))
			closed := false
			defer func() {
				if !closed {
					review5Close(t, p)
				}
			}()
			releaseU := make(chan struct{})
			defer func() {
				select {
				case <-releaseU:
				default:
					close(releaseU)
				}
			}()
			uStarted, tStarted, goWait := make(chan struct{}), make(chan struct{}), make(chan struct{})
			g := NewGroup[int](context.Background(), p)
			Submit(p, func(context.Context) (int, error) {
				close(uStarted)
				<-releaseU
				return 0, nil
			})
			tf := Submit(p, func(context.Context) (int, error) {
				close(tStarted)
				<-goWait
				vs, err := g.Wait()
				return len(vs), err
			})
			<-uStarted
			<-tStarted
			// Two run at a bound of one: a lent worker is starved.
			p.Resize(1)
			// Fill the queue.
			Submit(p, func(context.Context) (int, error) { return 1, nil })
			added := make(chan struct{})
			go func() {
				defer close(added)
				g.Go(func(context.Context) (int, error) { return 9, nil })
			}()
			review5Until(t, "blocked", func() bool { return p.Stats().Blocked == 1 })
			g.mu.Lock()
			f := g.tasks[0]
			g.mu.Unlock()
			close(goWait)
			review5Until(t, "asleep", func() bool { return p.sleepingOn(&f.s) == 1 })
			var want error
			if viaClose {
				want = ErrClosed
				closed = true
				closeDone := make(chan struct{})
				go func() {
					defer close(closeDone)
					p.Close()
				}()
				Review5Within(t, "the task's Group.Wait", func() {
					<-added // refused: its Go returned
					if _, err := tf.Wait(); !errors.Is(err, want) {
						t.Errorf("Group.Wait in the task: %v, want %v", err, want)
					}
				})
				close(releaseU)
				Review5Within(t, "Close", func() { <-closeDone })
			} else {
				want = ErrPoolEnded
				cancel()
				Review5Within(t, "the task's Group.Wait", func() {
					<-added
					if _, err := tf.Wait(); !errors.Is(err, want) {
						t.Errorf("Group.Wait in the task: %v, want %v", err, want)
					}
				})
			}
			if _, _, err := f.TryWait(); !errors.Is(err, want) {
				t.Errorf("the blocked task: %v, want %v", err, want)
			}
		})
	}
}
