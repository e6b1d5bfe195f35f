package pool

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRing checks that the ring is a FIFO across wrap-arounds and growth,
// and releases what it pops.
func TestRing(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"no room", 0},
		{"one", 1},
		{"three", 3},
		{"bounded at first", 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r ring[task]
			r.init(tt.size)
			var want, got []int
			next := 0
			push := func(n int) {
				for range n {
					i := next
					next++
					r.push(goTask(func(context.Context) error { got = append(got, i); return nil }))
					want = append(want, i)
				}
			}
			pop := func(n int) {
				for range n {
					head := r.head
					r.pop().call(context.Background())
					if r.buf[head] != nil {
						t.Fatalf("slot %d still holds a popped task", head)
					}
				}
			}
			// Uneven pushes and pops move the head round the ring, and past
			// its first size.
			for round := range 6 {
				push(round + 2)
				pop(round + 1)
			}
			pop(r.n)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}
