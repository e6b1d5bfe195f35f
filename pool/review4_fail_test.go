//go:build review4fail

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

// Run with: go test -tags review4fail -run TestReview4Fail ./pool/

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
// Promises broken: "a worker starts when a task comes and fewer than the
// bound run", "different keys run in parallel" / the state doc's "a worker
// is coming for every task ready in the queue; a task waiting for its key
// has the one running its key's task".
//
// The drop runs on the group's AfterFunc goroutine; at GOMAXPROCS 1 with the
// GC off, it runs before the waker's goroutine (the newer goroutine goes
// first), which the test checks: one worker alive once all settle (had the
// waker relayed the live task, a second worker would have started).
func TestReview4FailDeadKeyedTaskHoldsItsKey(t *testing.T) {
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
// So the SubmitKey waits, a worker idle and its key free, until the lending
// task returns; had that task waited for the keyed one, the pool would
// hang. Promises broken: QueueSize's "a task is handed straight to a worker"
// and the state doc's "waiters is empty unless the queue is full and no
// worker idle". Pre-existing (finishHelped is unchanged from 8a08164).
func TestReview4FailKeyFreedByHelperLeavesSubmitterBlocked(t *testing.T) {
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

// Resize's doc: "once Resize returns, no task starts while n or more run".
// A task handed to a worker (a new one, or an idle one woken) before Resize
// is called, but not yet started by that worker's goroutine, starts after
// Resize(1) returns while another task runs: two task functions at bound 1.
// At GOMAXPROCS 1 the handed worker cannot run before the test blocks, so
// this is near certain; the test counts the tries that show it. Pre-existing
// (the hand-off before 8a08164 had the same window); the waker chain makes
// the window no wider, since a relay checks the bound.
func TestReview4FailHandedTaskStartsAfterShrink(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	over := 0
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 2, pool.QueueSize(4))
			var running atomic.Int64
			var shrunk atomic.Bool
			var bad atomic.Int64
			gate := make(chan struct{})
			task := func(context.Context) (int, error) {
				if n := running.Add(1); shrunk.Load() && n > 1 {
					bad.Add(1)
				}
				<-gate
				running.Add(-1)
				return 0, nil
			}
			x := pool.Submit(p, task)
			synctest.Wait()           // x runs
			a := pool.Submit(p, task) // handed to a second worker, not yet started
			p.Resize(1)
			shrunk.Store(true)
			synctest.Wait()
			if bad.Load() > 0 {
				over++
			}
			close(gate)
			x.Wait()
			a.Wait()
			p.Close()
		})
	}
	if over > 0 {
		t.Errorf("in %d of 20 tries a task started after Resize(1) returned while another ran", over)
	}
}
