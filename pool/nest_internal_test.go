package pool

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// A task in Group.Wait may come to a task of the group that Go has added but
// not yet submitted (Group.Go appends, then submits). If the submit then
// blocks on the full queue, the waiting task's lent worker runs it all the
// same: nothing else would, the lent worker serving only its waiters, and
// the queue's task that would free room having no worker.
func TestGroupWaitBeforeGoBlocksRunsOnLentWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := New(ctx, 1, QueueSize(1))
		g := NewGroup[int](context.Background(), p)
		// Group.Go's first half: the task is the group's, seen by Wait.
		f := g.add(func(context.Context) (int, error) { return 2, nil }, "Go")
		g.mu.Lock()
		g.tasks = append(g.tasks, f)
		g.mu.Unlock()
		waiter := Submit(p, func(context.Context) (int, error) {
			vs, err := g.Wait()
			if err != nil {
				return 0, err
			}
			return vs[0], nil
		})
		synctest.Wait() // the waiter waits for f, unsubmitted
		queued := Submit(p, func(context.Context) (int, error) { return 1, nil })
		submitted := make(chan struct{})
		go func() {
			defer close(submitted)
			p.submit(f, true) // Group.Go's second half: the queue is full
		}()
		select {
		case <-waiter.Done():
			if v, err := waiter.Wait(); v != 2 || err != nil {
				t.Errorf("waiter: %d, %v; want 2, nil", v, err)
			}
		case <-time.After(time.Hour):
			t.Errorf("a task in Group.Wait for a task whose submitter blocked after it looked hangs: %+v", p.Stats())
			cancel()
		}
		<-submitted
		queued.Wait()
		p.Close()
	})
}
