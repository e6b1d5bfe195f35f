package pool

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
)

// TestDroppedTasksDoNotPileUp checks that tasks dropped from the queue, whose
// SubmitContext ctx ended while a busy worker kept them from being popped,
// do not stay in its ring: it holds at most twice the queued tasks, plus a
// little, however many were dropped.
func TestDroppedTasksDoNotPileUp(t *testing.T) {
	p := New(context.Background(), 1, QueueSize(1))
	defer p.Close()
	release := make(chan struct{})
	started := make(chan struct{})
	p.Go(func(context.Context) error { close(started); <-release; return nil })
	<-started
	for range 10_000 {
		ctx, cancel := context.WithCancel(context.Background())
		f := SubmitContext(ctx, p, func(context.Context) (int, error) { return 0, nil })
		cancel()
		if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
			t.Fatalf("dropped task: %v, want context.Canceled", err)
		}
	}
	p.mu.Lock()
	n := p.queue.Len()
	p.mu.Unlock()
	if n > 2+deadSlack {
		t.Errorf("the queue holds %d tasks after 10,000 drops, with 1 queued at most", n)
	}
	close(release)
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestGivenUpSubmittersDoNotPileUp checks the same of the submitters that
// gave up while blocked on the full queue: each leaves the list at once.
func TestGivenUpSubmittersDoNotPileUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(context.Background(), 1, QueueSize(1))
		defer p.Close()
		release := make(chan struct{})
		p.Go(func(context.Context) error { <-release; return nil })
		p.Go(func(context.Context) error { return nil }) // fills the queue
		for range 1_000 {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan *Future[int])
			go func() { done <- SubmitContext(ctx, p, func(context.Context) (int, error) { return 0, nil }) }()
			synctest.Wait() // blocked on the full queue
			cancel()
			if _, err := (<-done).Wait(); !errors.Is(err, context.Canceled) {
				t.Fatalf("given-up task: %v, want context.Canceled", err)
			}
		}
		p.mu.Lock()
		n := 0
		for w := p.waiters.head; w != nil; w = w.next {
			n++
		}
		p.mu.Unlock()
		if n != 0 {
			t.Errorf("%d waiters listed after 1,000 gave up, and none left", n)
		}
		close(release)
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestKeysAndGroupsReleased checks that a key and a Group cost no memory
// once none of their tasks is queued or running: the queue forgets them,
// after tasks that ran, failed, panicked, or were skipped.
func TestKeysAndGroupsReleased(t *testing.T) {
	p := New(context.Background(), 4, QueueSize(1000))
	g := NewGroup[int](context.Background(), p)
	for i := range 1000 {
		key := i % 37
		switch i % 4 {
		case 0:
			p.GoKey(key, func(context.Context) error { return errors.New("fails") })
		case 1:
			SubmitKey(p, key, func(context.Context) (int, error) { panic("oops") })
		case 2:
			g.GoKey(key, func(context.Context) (int, error) { return i, nil })
		default:
			g.Go(func(context.Context) (int, error) { return i, nil })
		}
	}
	if _, err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err == nil {
		t.Fatal("Wait: nil, want the GoKey tasks' errors")
	}
	p.mu.Lock()
	turns, groups, keys, out := p.queue.Held()
	p.mu.Unlock()
	if turns != 0 || groups != 0 || keys != 0 || out != 0 {
		t.Errorf("the drained queue holds %d groups in turns, %d groups, %d keys, %d keys out; want none",
			turns, groups, keys, out)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
