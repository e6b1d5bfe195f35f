package pool

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

// sleepingOn returns how many Waits sleep on s, or -1 if the chain of its
// sleepers is longer than any test makes: a cycle, which would hold mu for
// good.
func (p *Pool) sleepingOn(s *taskState) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for w := p.asleep[s]; w != nil; w = w.next {
		if n++; n > 1<<16 {
			return -1
		}
	}
	return n
}

// Sleepers is sleepingOn for the external tests.
func Sleepers[R any](p *Pool, f *Future[R]) int { return p.sleepingOn(&f.s) }

// UntilSleeping yields until n Waits sleep on f, for the external tests.
func UntilSleeping[R any](p *Pool, f *Future[R], n int) { untilSleeping(p, &f.s, n) }

// untilSleeping yields until n Waits sleep on s.
func untilSleeping(p *Pool, s *taskState, n int) {
	for k := p.sleepingOn(s); k < n; k = p.sleepingOn(s) {
		if k < 0 {
			panic("the chain of Waits asleep on a task does not end")
		}
		runtime.Gosched()
	}
}

// TestSleepersWakeTogether has many goroutines Wait on one running task,
// all asleep before it returns: each gets its value, and none is left
// behind.
func TestSleepersWakeTogether(t *testing.T) {
	p := New(context.Background(), 1)
	defer p.Close()
	release := make(chan struct{})
	f := Submit(p, func(context.Context) (int, error) { <-release; return 7, nil })
	const n = 50
	got := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], _ = f.Wait() })
	}
	untilSleeping(p, &f.s, n)
	close(release)
	wg.Wait()
	for i, v := range got {
		if v != 7 {
			t.Fatalf("Wait %d returned %d, want 7", i, v)
		}
	}
	if k := p.sleepingOn(&f.s); k != 0 {
		t.Errorf("%d sleepers left on a completed task", k)
	}
}

// TestSleepersWakeAtPoolEnd has Waits asleep on a queued task when the pool's
// ctx ends: the task is skipped outside mu (settleSkipped), and every Wait
// returns its error.
func TestSleepersWakeAtPoolEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := New(ctx, 1)
	defer p.Close()
	release := make(chan struct{})
	started := make(chan struct{})
	Submit(p, func(context.Context) (int, error) { close(started); <-release; return 0, nil })
	<-started
	f := Submit(p, func(context.Context) (int, error) { return 1, nil }) // queued behind it
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = f.Wait() })
	}
	untilSleeping(p, &f.s, n)
	cancel()
	wg.Wait()
	close(release)
	for i, err := range errs {
		if !errors.Is(err, ErrPoolEnded) {
			t.Errorf("Wait %d returned %v, want an error wrapping ErrPoolEnded", i, err)
		}
	}
}

// TestSleepersMapShrinks has Waits sleep on many tasks at once, then on a
// few: once the many have woken, the map they grew is given back; the few's
// is kept.
func TestSleepersMapShrinks(t *testing.T) {
	p := New(context.Background(), 1000)
	defer p.Close()
	burst := func(n int) {
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			f := Submit(p, func(context.Context) (int, error) { <-release; return 1, nil })
			wg.Go(func() { f.Wait() })
			untilSleeping(p, &f.s, 1)
		}
		close(release)
		wg.Wait()
	}
	sleepersMap := func() map[*taskState]*waiter {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.asleep
	}
	burst(keptSleepers + 1)
	if m := sleepersMap(); m != nil {
		t.Errorf("after %d tasks slept on at once, the sleepers' map is kept (%d entries)", keptSleepers+1, len(m))
	}
	burst(keptSleepers)
	if m := sleepersMap(); m == nil {
		t.Errorf("after %d tasks slept on at once, the sleepers' map is dropped: the next Wait that blocks makes it again", keptSleepers)
	}
}
