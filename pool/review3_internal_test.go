package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// TestReview3DropsBehindWaker drops tasks queued behind a waker that has not
// started (their caller's ctx, or their Group's, ended), past the queue's
// compaction, leaving dead keyed tasks in front of live ones of their key;
// then fills the queue and adds a keyed task, which a free worker takes
// oldest first (firstLocked). The drops run on the test's goroutine (what
// the ctx's AfterFunc calls), so that at GOMAXPROCS 1, with the GC off, the
// waker cannot start before the test blocks; the test checks that it had
// not. No dropped task runs, the live keyed ones run in order, and every
// other task runs.
func TestReview3DropsBehindWaker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	reached := 0
	for range 10 {
		synctest.Test(t, func(t *testing.T) {
			const size = 150
			p := New(context.Background(), 4, QueueSize(size))
			var ranDropped atomic.Int64
			dropped := func(context.Context) (int, error) { ranDropped.Add(1); return 0, nil }
			var mu sync.Mutex
			var order []int
			keyed := func(i int) func(context.Context) (int, error) {
				return func(context.Context) (int, error) {
					mu.Lock()
					order = append(order, i)
					mu.Unlock()
					return i, nil
				}
			}

			first := Submit(p, func(context.Context) (int, error) { return -1, nil }) // the waker
			ctxA, cancelA := context.WithCancel(context.Background())
			var fa []*Future[int]
			for range 100 {
				fa = append(fa, SubmitContext(ctxA, p, dropped))
			}
			ctxG, cancelG := context.WithCancel(context.Background())
			grp := NewGroup[int](ctxG, p)
			for range 10 {
				grp.GoKey("k", dropped)
			}
			var fk []*Future[int]
			for i := range 5 {
				fk = append(fk, SubmitKey(p, "k", keyed(i)))
			}
			cancelA()
			cancelG()
			for _, f := range fa {
				p.drop(&f.s)
			}
			grp.dropQueued()

			p.mu.Lock()
			notStarted := p.waker != nil && p.waker.pending.Load() == relayOwed
			deadKeyed := p.queue.Len() - int(p.stats.Queued)
			queued := p.stats.Queued
			p.mu.Unlock()
			if notStarted {
				reached++
			}
			if queued != 5 || deadKeyed < 10 {
				t.Errorf("after the drops: %d queued, %d dead in the queue; want 5, and the 10 keyed dead", queued, deadKeyed)
			}

			var fu []*Future[int]
			for i := range size - 5 {
				fu = append(fu, Submit(p, func(context.Context) (int, error) { return i, nil }))
			}
			fk2 := SubmitKey(p, "k2", keyed(100)) // queue full, workers free: firstLocked
			fk = append(fk, SubmitKey(p, "k", keyed(5)))

			if err := p.Wait(); err != nil {
				t.Errorf("Wait: %v", err)
			}
			if n := ranDropped.Load(); n != 0 {
				t.Errorf("%d dropped tasks ran", n)
			}
			for _, f := range fa {
				if _, err := f.Wait(); !errors.Is(err, context.Canceled) || errors.Is(err, ErrPoolEnded) {
					t.Errorf("dropped task: %v, want the caller's context.Canceled", err)
				}
			}
			if _, err := grp.Wait(); !errors.Is(err, context.Canceled) {
				t.Errorf("Group.Wait of dropped tasks: %v, want context.Canceled", err)
			}
			if v, err := first.Wait(); v != -1 || err != nil {
				t.Errorf("the waker's task: %d, %v", v, err)
			}
			for i, f := range fu {
				if v, err := f.Wait(); v != i || err != nil {
					t.Errorf("task %d: %d, %v", i, v, err)
				}
			}
			if v, err := fk2.Wait(); v != 100 || err != nil {
				t.Errorf("keyed task of k2: %d, %v", v, err)
			}
			for i, f := range fk {
				if v, err := f.Wait(); v != i || err != nil {
					t.Errorf("keyed task %d: %d, %v", i, v, err)
				}
			}
			mu.Lock()
			var ks []int
			for _, i := range order {
				if i != 100 {
					ks = append(ks, i)
				}
			}
			mu.Unlock()
			if fmt.Sprint(ks) != "[0 1 2 3 4 5]" {
				t.Errorf("key k's tasks ran in the order %v", ks)
			}
			s := p.Stats()
			want := Stats{Submitted: 1 + 100 + 10 + 6 + size - 5 + 1, Completed: 1 + 6 + size - 5 + 1, Skipped: 110, Workers: s.Workers}
			if s != want {
				t.Errorf("Stats %+v, want %+v", s, want)
			}
			p.Close()
		})
	}
	if reached == 0 {
		t.Errorf("the waker had started before the drops in every try: the test missed its state")
	}
	t.Logf("reached the state in %d of 10 tries", reached)
}
