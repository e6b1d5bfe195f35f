//go:build review5fail

package pool_test

import (
	"context"
	"testing"

	"github.com/fanout-go/fanout/pool"
)

// Run with: go test -tags review5fail -run Review5Fail ./pool
//
// GUARANTEES 10, as edf4c05 rewrote it: "A pool task costs one allocation
// with Submit (its Future) and none with Go, a Wait that blocks included".
// A Future.Wait that blocks in a task, on the task's child queued behind it
// (the Wait lends the worker, as Future.Wait's doc says), costs three
// allocations besides the two Futures: nest.GoroutineID (ownWorker, from
// beginWait), lendLocked's &lend{}, and wantLocked's append to w.wanted
// (finish sets wanted to nil after every task): 5 allocations per parent
// task, against 2 for the two Futures. 5 before edf4c05 too: the cost is
// old, the promise new. It holds for a Wait outside the pool's tasks
// (TestReview5BlockingWaitAllocs), not on this path: either the wording
// names the path it covers, or the lend path stops allocating.
func TestReview5FailNestedBlockingWaitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	p := pool.New(context.Background(), 1)
	defer p.Close()
	child := returns(2)
	parent := func(context.Context) (int, error) {
		c := pool.Submit(p, child) // queued behind the parent: its Wait lends
		return c.Wait()
	}
	var v int
	got := testing.AllocsPerRun(500, func() { v, _ = pool.Submit(p, parent).Wait() })
	if v != 2 {
		t.Fatalf("the parent returned %d, want 2", v)
	}
	if got > 2 {
		t.Errorf("%v allocations per parent task (Submit, and Submit plus a Wait that blocks in it), want 2: the two Futures", got)
	}
}
