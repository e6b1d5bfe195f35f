package pool_test

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

// A submitter blocked on the full queue is let in as soon as the queue has
// room ("Submit blocks while the queue is full"; the pool's invariant:
// waiters is empty unless the queue is full), and room never goes to a later
// comer. The relay, which hands a queued task to a free worker as the waker
// starts, frees room too, but lets no blocked submitter in: here SubmitKey
// (its key busy, so no free worker may take it) stays blocked with the
// queue empty until some task returns. If the running tasks wait for that
// SubmitKey to return, as a producer's consumers may, nothing ever returns.
//
// Failed at the first try, at GOMAXPROCS 1, before dispatchLocked admitted
// the blocked submitters to the room it frees.
func TestReview3RelayAdmitsBlockedSubmitter(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			p := pool.New(context.Background(), 3, pool.QueueSize(1))
			gate := make(chan struct{})
			started := make(chan int, 3)
			pool.SubmitKey(p, "k", blocker(started, gate, 1)) // key k out
			<-started
			pool.Submit(p, blocker(nil, gate, 2)) // to a new worker: the waker
			pool.Submit(p, blocker(nil, gate, 3)) // queued behind it, if it has not started
			returned := make(chan struct{})
			go func() {
				pool.SubmitKey(p, "k", returns(4)) // k busy, queue full: blocks
				close(returned)
			}()
			synctest.Wait() // the waker started, and relayed task 3
			select {
			case <-returned:
			default:
				if s := p.Stats(); s.Queued < 1 {
					t.Errorf("SubmitKey blocked while the queue (size 1) has room, and no task will return: Stats %+v", s)
					// Room goes to a later comer meanwhile.
					if _, ok := pool.TrySubmit(p, returns(5)); ok {
						t.Errorf("TrySubmit took the room that the blocked SubmitKey waits for")
					}
				}
			}
			close(gate)
			<-returned
			p.Wait()
			p.Close()
		})
	}
}
