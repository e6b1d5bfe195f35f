package nest_test

import (
	"context"
	"testing"

	"github.com/fanout-go/fanout/internal/nest"
)

type lender struct{ lent int }

func (l *lender) Lend() func() {
	l.lent++
	return func() { l.lent-- }
}

func TestContextCarriesSlot(t *testing.T) {
	if s := nest.FromContext(context.Background()); s != nil {
		t.Fatalf("FromContext of a ctx without a slot = %v; want nil", s)
	}
	l := &lender{}
	s := &nest.Slot{Owner: l}
	got := nest.FromContext(nest.NewContext(context.Background(), s))
	if got != s {
		t.Fatalf("FromContext = %p; want %p", got, s)
	}
	back := got.Lend()
	if l.lent != 1 {
		t.Fatal("Lend did not reach the owner")
	}
	back()
	if l.lent != 0 {
		t.Fatal("takeBack did not reach the owner")
	}
}

// Two goroutines get different ids, each the same every time it asks, and
// every read is counted.
func TestGoroutineID(t *testing.T) {
	before := nest.Reads()
	a, a2 := nest.GoroutineID(), nest.GoroutineID()
	ch := make(chan uint64)
	go func() { ch <- nest.GoroutineID() }()
	b := <-ch
	if a != a2 || a == b {
		t.Fatalf("ids %d, %d, %d: want the first two equal, the third apart", a, a2, b)
	}
	if got := nest.Reads() - before; got != 3 {
		t.Fatalf("Reads grew by %d; want 3", got)
	}
}
