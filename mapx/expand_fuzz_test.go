package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
)

// randomForest returns a forest of n nodes drawn from seed, with 1 to 5
// roots: each other node hangs from the node just before it (a chain) or
// from any earlier one, so that the trees are both deep and wide.
func randomForest(seed uint64, n, roots int) forest {
	rng := rand.New(rand.NewPCG(seed, seed>>7|1))
	f := forest{children: make([][]int, n)}
	for v := range n {
		switch {
		case v < roots:
			f.roots = append(f.roots, v)
		case rng.IntN(3) == 0:
			f.children[v-1] = append(f.children[v-1], v)
		default:
			p := rng.IntN(v)
			f.children[p] = append(f.children[p], v)
		}
	}
	return f
}

// FuzzExpand drives Expand over random forests, limits and error and panic
// positions, and checks it against a sequential oracle:
//
//	go test -run '^$' -fuzz FuzzExpand ./mapx
//
// Without a failure, every node is called exactly once, and at limit 1 in
// the oracle's order. With one, no node is called twice nor before its
// parent, and the failure that happened is reported: a panic outranks an
// error.
func FuzzExpand(f *testing.F) {
	f.Add(uint64(1), uint16(0), uint8(0), int8(0), int32(-1), int32(-1))
	f.Add(uint64(2), uint16(1), uint8(0), int8(1), int32(-1), int32(-1))
	f.Add(uint64(3), uint16(500), uint8(2), int8(1), int32(-1), int32(-1))
	f.Add(uint64(4), uint16(2000), uint8(4), int8(3), int32(-1), int32(-1))
	f.Add(uint64(5), uint16(2000), uint8(0), int8(-1), int32(1500), int32(-1))
	f.Add(uint64(6), uint16(1000), uint8(1), int8(8), int32(-1), int32(999))
	f.Add(uint64(7), uint16(1000), uint8(3), int8(100), int32(10), int32(900))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, roots uint8, limit int8, errAt, panicAt int32) {
		nodes := int(n) % 3000
		forest := randomForest(seed, nodes, min(1+int(roots)%5, nodes))

		calls := make([]atomic.Int32, nodes)
		var errored, panicked atomic.Bool
		var mu sync.Mutex
		var order []int
		var err error
		pe := catchPanic(t, func() {
			err = mapx.Expand(context.Background(), forest.roots, int(limit), func(_ context.Context, v int, more mapx.Adder[int]) error {
				calls[v].Add(1)
				mu.Lock()
				order = append(order, v)
				mu.Unlock()
				switch int32(v) {
				case panicAt:
					panicked.Store(true)
					panic(v)
				case errAt:
					errored.Store(true)
					return fmt.Errorf("node %d: %w", v, errFuzz)
				}
				for _, c := range forest.children[v] {
					more.Add(c)
				}
				return nil
			})
		})

		for v := range calls {
			if c := calls[v].Load(); c > 1 {
				t.Fatalf("node %d called %d times", v, c)
			}
		}
		for v := range calls {
			for _, c := range forest.children[v] {
				if calls[c].Load() == 1 && calls[v].Load() == 0 {
					t.Fatalf("node %d called, but not its parent %d", c, v)
				}
			}
		}
		switch {
		case pe != nil:
			if !panicked.Load() || pe.Value != int(panicAt) {
				t.Fatalf("panic %v, want the panic of node %d", pe.Value, panicAt)
			}
		case panicked.Load():
			t.Fatalf("Expand() = %v; want the panic of node %d", err, panicAt)
		case err != nil:
			if !errored.Load() || !errors.Is(err, errFuzz) || err.Error() != fmt.Sprintf("node %d: %v", errAt, errFuzz) {
				t.Fatalf("Expand() = %v; want the error of node %d", err, errAt)
			}
		case errored.Load():
			t.Fatalf("Expand() = nil; want the error of node %d", errAt)
		default:
			// No failure: exactly the forest, each node once.
			for v := range calls {
				if calls[v].Load() != 1 {
					t.Fatalf("node %d not called, with no failure", v)
				}
			}
			if limit == 1 {
				if diff := cmp.Diff(forest.preorder(), order); diff != "" {
					t.Fatalf("order at limit 1 (-want +got):\n%s", diff)
				}
			}
		}
	})
}
