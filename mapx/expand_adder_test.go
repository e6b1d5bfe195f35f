package mapx_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/mapx"
)

// An Adder used after its call of fn returned panics, with a message that
// says so: after Expand returned, and from a later call of fn (re-raised as
// that call's panic). The zero Adder panics too.
func TestExpandAdderAfterReturnPanics(t *testing.T) {
	const msg = "mapx: Adder.Add called after the call of fn it was handed to returned"
	var kept mapx.Adder[int]
	err := mapx.Expand(context.Background(), []int{0}, 1, func(_ context.Context, v int, more mapx.Adder[int]) error {
		kept = more
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != msg {
				t.Errorf("Add after Expand returned panicked with %v, want %q", r, msg)
			}
		}()
		kept.Add(1)
	}()

	pe := catchPanic(t, func() {
		mapx.Expand(context.Background(), []int{0, 1}, 1, func(_ context.Context, v int, more mapx.Adder[int]) error {
			if v == 0 {
				kept = more
			} else {
				kept.Add(2) // item 0's Adder, in item 1's call
			}
			return nil
		})
	})
	if pe == nil || pe.Value != msg {
		t.Errorf("Add from a later call panicked with %v, want %q", pe, msg)
	}

	func() {
		defer func() {
			if r := fmt.Sprint(recover()); !strings.HasPrefix(r, "mapx: Adder.Add") {
				t.Errorf("the zero Adder's Add panicked with %q, want a message naming it", r)
			}
		}()
		var zero mapx.Adder[int]
		zero.Add(1)
	}()
}

// An item added while fewer than limit workers run, or one waits for
// items, starts while the call that added it still runs: here each call of
// a chain of 50 waits for its child to start, at limit 100; and at limit 2,
// a call adds an item once the other worker waits, and waits for it.
func TestExpandAddedItemStartsWhileItsCallRuns(t *testing.T) {
	const n = 50
	started := make([]chan struct{}, n)
	for i := range started {
		started[i] = make(chan struct{})
	}
	err := mapx.Expand(context.Background(), []int{0}, 100, func(_ context.Context, v int, more mapx.Adder[int]) error {
		close(started[v])
		if v+1 < n {
			more.Add(v + 1)
			<-started[v+1] // hangs unless another worker starts it
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		err := mapx.Expand(context.Background(), []int{0, 1}, 2, func(_ context.Context, v int, more mapx.Adder[int]) error {
			switch v {
			case 0:
				synctest.Wait() // item 1 has run, and its worker waits for items
				more.Add(2)
				<-started
			case 2:
				close(started)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A goroutine that fn starts may add items, one at a time, when fn waits for
// it before returning.
func TestExpandAddFromGoroutineOfCall(t *testing.T) {
	f := tenTree(2000)
	calls := make([]atomic.Int32, len(f.children))
	err := mapx.Expand(context.Background(), f.roots, 4, func(_ context.Context, v int, more mapx.Adder[int]) error {
		calls[v].Add(1)
		var wg sync.WaitGroup
		wg.Go(func() {
			for _, c := range f.children[v] {
				more.Add(c)
			}
		})
		wg.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for v := range calls {
		if c := calls[v].Load(); c != 1 {
			t.Fatalf("node %d called %d times, want once", v, c)
		}
	}
}
