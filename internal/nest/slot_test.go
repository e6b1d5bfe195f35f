package nest_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/internal/nest"
)

// held returns a new slot held by the calling goroutine.
func held() *nest.Slot {
	s := nest.New(nil)
	s.Hold()
	return s
}

func TestUnheldSlotIsNotFree(t *testing.T) {
	s := nest.New("w")
	if s.Owner != "w" || s.Holds() || s.Free() || s.TryBorrow() {
		t.Fatal("a slot held by no one is held or free")
	}
	s.Lend()() // does nothing
	if s.Free() {
		t.Fatal("a slot held by no one was lent")
	}
}

func TestLendByHolderFreesTheSlot(t *testing.T) {
	s := held()
	ctx := nest.NewContext(context.Background(), s)
	if !s.Holds() || s.Free() {
		t.Fatal("a new slot is not held by its maker")
	}
	takeBack := nest.FromContext(ctx).Lend()
	if s.Holds() || !s.Free() {
		t.Fatal("a lent slot is not free")
	}
	select {
	case <-s.Freed():
	default:
		t.Fatal("Freed is not closed while the slot is free")
	}
	takeBack()
	if !s.Holds() || s.Free() {
		t.Fatal("the lender did not take the slot back")
	}
}

func TestLendByOtherGoroutineDoesNothing(t *testing.T) {
	s := held()
	ctx := nest.NewContext(context.Background(), s)
	done := make(chan bool)
	go func() {
		takeBack := nest.FromContext(ctx).Lend() // the same ctx, but not the holder
		free := s.Free()
		takeBack()
		done <- free
	}()
	if <-done {
		t.Fatal("a goroutine that does not hold the slot lent it")
	}
	if !s.Holds() {
		t.Fatal("the holder lost the slot")
	}
}

func TestFromContextWithoutSlot(t *testing.T) {
	if s := nest.FromContext(context.Background()); s != nil {
		t.Fatalf("FromContext of a ctx without a slot = %v; want nil", s)
	}
}

// While a holder lends its slot, goroutines that borrow it run one at a time,
// however many try at once; the holder takes it back only when the borrower
// that runs has returned it.
func TestBorrowersRunOneAtATime(t *testing.T) {
	s := held()
	takeBack := s.Lend()
	const borrowers = 16
	var running, peak, ran atomic.Int32
	var wg sync.WaitGroup
	for range borrowers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !s.TryBorrow() {
				<-s.Freed()
			}
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			ran.Add(1)
			running.Add(-1)
			s.Return()
		}()
	}
	wg.Wait()
	takeBack()
	if got := peak.Load(); got != 1 {
		t.Errorf("%d borrowers ran at once, want 1", got)
	}
	if got := ran.Load(); got != borrowers {
		t.Errorf("%d borrowers ran, want %d", got, borrowers)
	}
	if !s.Holds() {
		t.Error("the lender did not get the slot back")
	}
}

// A lender whose wait is over waits for the borrower that runs on its slot.
func TestTakeBackWaitsForBorrower(t *testing.T) {
	s := held()
	takeBack := s.Lend()
	borrowed, release, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		if !s.TryBorrow() {
			t.Error("TryBorrow of a free slot failed")
		}
		close(borrowed)
		<-release
		close(returned)
		s.Return()
	}()
	<-borrowed
	if s.TryBorrow() {
		t.Fatal("a borrowed slot was borrowed again")
	}
	go func() { close(release) }()
	takeBack()
	select {
	case <-returned:
	default:
		t.Fatal("takeBack returned while the borrower still ran")
	}
}

// A borrower may lend the slot in turn. The slot goes back to the innermost
// lender first: an outer lender whose wait is over waits until the inner
// borrower has returned it.
func TestNestedLendsUnwindInnermostFirst(t *testing.T) {
	s := held()
	outerBack := s.Lend() // the holder waits for something
	var order []string
	var mu sync.Mutex
	note := func(e string) { mu.Lock(); order = append(order, e); mu.Unlock() }

	innerLent := make(chan struct{})
	innerGo := make(chan struct{})
	innerDone := make(chan struct{})
	go func() { // a borrower that runs a task that waits in turn
		defer close(innerDone)
		if !s.TryBorrow() {
			t.Error("TryBorrow of a free slot failed")
			return
		}
		back := s.Lend()
		close(innerLent)
		<-innerGo
		back()
		note("inner took back")
		note("inner returned")
		s.Return()
	}()
	<-innerLent
	// A third goroutine borrows the slot the inner borrower lent.
	if !s.TryBorrow() {
		t.Fatal("the slot lent by a borrower could not be borrowed")
	}
	s.Return()

	outerDone := make(chan struct{})
	go func() {
		outerBack() // the outer wait is over first
		note("outer took back")
		close(outerDone)
	}()
	close(innerGo)
	<-innerDone
	<-outerDone
	want := []string{"inner took back", "inner returned", "outer took back"}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != len(want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order = %v, want %v", order, want)
		}
	}
}

// A lender that wants its slot back has it before any goroutine waiting to
// borrow it.
func TestLenderWaitingBeatsBorrowers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := held()
		takeBack := s.Lend()
		if !s.TryBorrow() {
			t.Fatal("TryBorrow of a free slot failed")
		}
		back := make(chan struct{})
		go func() { takeBack(); close(back) }()
		borrowed := make(chan bool)
		go func() {
			<-s.Freed()
			borrowed <- s.TryBorrow()
		}()
		synctest.Wait() // the lender waits for the slot, the other to borrow it
		s.Return()
		<-back
		select {
		case ok := <-borrowed:
			t.Errorf("a borrower was let in while the lender took the slot back (TryBorrow = %v)", ok)
		default:
		}
		// The lender's goroutine has ended holding the slot: hold it here
		// and lend it, which lets the waiting borrower in.
		s.Hold()
		release := s.Lend()
		if !<-borrowed {
			t.Error("the waiting borrower could not borrow the lent slot")
		}
		s.Return()
		release()
	})
}

func TestFreedIsClosedWhenLent(t *testing.T) {
	s := held()
	freed := s.Freed()
	select {
	case <-freed:
		t.Fatal("Freed closed while the slot is held")
	default:
	}
	takeBack := s.Lend()
	<-freed // closed by the lend
	takeBack()
}
