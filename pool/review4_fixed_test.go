package pool_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

// A keyed task of a Group, queued behind a waker that has not started, is
// dropped when the group's ctx ends: it stays in the queue dead, ready, and
// holding its key. The waker starts and relays nothing (dispatchLocked
// returns at Queued == 0, so the dead task is never popped and its key never
// moves on). A SubmitKey of that key then finds the key "taken"
// (startableLocked: queue.Has), is queued behind the dead task, and waits
// with three of four workers free until some worker next dequeues: here
// until the one running task returns. Had that task waited for the keyed
// one, the pool would hang with Running 1, Queued 1, bound 4.
//
// That broke "a worker starts when a task comes and fewer than the bound
// run", "different keys run in parallel" and the state doc's "a worker is
// coming for every task ready in the queue". Now a task queued while
// workers are free is dispatched at once, which pops the dead tasks first.
//
// The drop runs on the group's AfterFunc goroutine; at GOMAXPROCS 1 with the
// GC off, it runs before the waker's goroutine (the newer goroutine goes
// first), which the test checks: one worker alive once all settle (had the
// waker relayed the live task, a second worker would have started).
func TestReview4DeadKeyedTaskHoldsNoKey(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	reached := 0
	for try := 0; try < 100 && reached < 3; try++ { // under -race the scheduler varies the order
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 4, pool.QueueSize(4))
			gate := make(chan struct{})
			a := pool.Submit(p, blocker(nil, gate, 0)) // to a new worker: the waker
			ctxG, cancelG := context.WithCancel(context.Background())
			grp := pool.NewGroup[int](ctxG, p)
			grp.GoKey("k", returns(-1)) // queued behind the waker, ready
			cancelG()                   // its AfterFunc drops it
			synctest.Wait()
			s := p.Stats()
			if s.Workers != 1 || s.Skipped != 1 {
				// The waker started first and relayed the task: no dead
				// task left. (A failed bubble ends the test in Go 1.26, so
				// the first try that reaches the state decides.)
				close(gate)
				a.Wait()
				grp.Wait()
				p.Close()
				return
			}
			reached++
			f := pool.SubmitKey(p, "k", returns(7))
			synctest.Wait()
			if !done(f) {
				t.Errorf("SubmitKey(k) waits with key k free and %d of 4 workers busy: Stats %+v", p.Stats().Running, p.Stats())
			}
			close(gate)
			if v, err := f.Wait(); v != 7 || err != nil {
				t.Errorf("keyed task: %d, %v", v, err)
			}
			a.Wait()
			grp.Wait()
			p.Close()
		})
	}
	t.Logf("reached the state %d times", reached)
	if reached == 0 {
		t.Fatalf("the drop never came before the waker started: the test missed its state")
	}
}

// With QueueSize(0), a SubmitKey whose key is out blocks. Here the key's
// task runs on a lent worker's helper (a task waits for it with
// Future.Wait): when it returns, finishHelped moves the key on, but nothing
// hands the blocked submitter's task to the idle worker; dispatchLocked and
// admitLocked look at the queue alone (empty with QueueSize(0)), and only
// nextLocked, when some worker finishes its task, pops a startable waiter.
// So the SubmitKey waited, a worker idle and its key free, until the lending
// task returns; had that task waited for the keyed one, the pool would
// hang. That broke QueueSize's "a task is handed straight to a worker"
// (since before 8a08164). Now dispatchLocked, which finishHelped calls,
// starts a blocked submitter's task when no queued one is ready.
func TestReview4KeyFreedByHelperStartsBlockedSubmitter(t *testing.T) {
	for _, procs := range []int{2, 1} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 2, pool.QueueSize(0))
				gateQ, gateF, gateP := make(chan struct{}), make(chan struct{}), make(chan struct{})
				started := make(chan int, 4)
				q := pool.Submit(p, blocker(started, gateQ, 1))
				par := pool.Submit(p, func(ctx context.Context) (int, error) {
					// No worker free: the child is queued beyond the size.
					f := pool.SubmitKey(p, "k", blocker(started, gateF, 3))
					if _, err := f.Wait(); err != nil { // lends the worker: its helper runs f
						return 0, err
					}
					<-gateP
					return 2, nil
				})
				<-started
				<-started // 1 and 3 run; key k is out, on the helper
				submitted := make(chan *pool.Future[int])
				go func() { submitted <- pool.SubmitKey(p, "k", returns(4)) }()
				synctest.Wait()
				if s := p.Stats(); s.Blocked != 1 {
					t.Fatalf("the second SubmitKey(k) is not blocked: %+v", s)
				}
				close(gateQ) // q returns: its worker finds k out and goes idle
				synctest.Wait()
				close(gateF) // the helper's task returns: k is free
				synctest.Wait()
				select {
				case f := <-submitted:
					f.Wait()
				default:
					t.Errorf("GOMAXPROCS %d: SubmitKey(k) still blocked with k free and a worker idle: Stats %+v", procs, p.Stats())
					close(gateP)
					(<-submitted).Wait()
				}
				select {
				case <-gateP:
				default:
					close(gateP)
				}
				q.Wait()
				par.Wait()
				p.Close()
			})
		}()
	}
}

// Resize's doc: "Shrinking lets the running tasks finish, those already
// handed to a worker included: once Resize returns, no other task starts
// while n or more run". A task handed to a worker not yet started when
// Resize(1) is called counts as running (Stats) and may start after; tasks
// added after Resize returns start only while fewer than 1 run. (Before the
// doc said so, this test asserted that the handed task too waits: it failed
// 20 of 20 tries, as the hand-off had since before 8a08164.)
func TestReview4HandedTaskCountsAsRunningAcrossShrink(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 2, pool.QueueSize(4))
			var running atomic.Int64
			var bad atomic.Int64
			gate := make(chan struct{})
			held := func(context.Context) (int, error) {
				running.Add(1)
				<-gate
				running.Add(-1)
				return 0, nil
			}
			later := func(context.Context) (int, error) {
				if running.Add(1) > 1 {
					bad.Add(1)
				}
				running.Add(-1)
				return 0, nil
			}
			x := pool.Submit(p, held)
			synctest.Wait()           // x runs
			a := pool.Submit(p, held) // handed to a second worker, not yet started
			p.Resize(1)
			if s := p.Stats(); s.Running != 2 || s.Queued != 0 {
				t.Errorf("when Resize(1) returns: %+v, want the handed task counted running", s)
			}
			b, c := pool.Submit(p, later), pool.Submit(p, later)
			synctest.Wait()
			if s := p.Stats(); s.Queued != 2 {
				t.Errorf("tasks added after Resize(1) with 2 running: %+v, want both queued", s)
			}
			close(gate)
			for _, f := range []*pool.Future[int]{x, a, b, c} {
				f.Wait()
			}
			if n := bad.Load(); n > 0 {
				t.Errorf("%d tasks added after Resize(1) started beside another", n)
			}
			p.Close()
		})
	}
}
