package mapx_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/mapx"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

// forest is a set of trees over the nodes 0 to len(children)-1: children[v]
// lists v's children, and roots the nodes that are no one's child.
type forest struct {
	children [][]int
	roots    []int
}

// tenTree returns the tree of n nodes in which node v's children are 10v+1
// to 10v+10.
func tenTree(n int) forest {
	f := forest{children: make([][]int, n), roots: []int{0}}
	for v := 1; v < n; v++ {
		p := (v - 1) / 10
		f.children[p] = append(f.children[p], v)
	}
	return f
}

// preorder is what a recursive walk of f visits, in order: the oracle.
func (f forest) preorder() []int {
	var order []int
	var visit func(v int)
	visit = func(v int) {
		order = append(order, v)
		for _, c := range f.children[v] {
			visit(c)
		}
	}
	for _, r := range f.roots {
		visit(r)
	}
	return order
}

// expandForest walks f with Expand, counting the calls of each node.
func expandForest(ctx context.Context, f forest, limit int) ([]atomic.Int32, error) {
	calls := make([]atomic.Int32, len(f.children))
	err := mapx.Expand(ctx, f.roots, limit, func(_ context.Context, v int, more mapx.Adder[int]) error {
		calls[v].Add(1)
		for _, c := range f.children[v] {
			more.Add(c)
		}
		return nil
	})
	return calls, err
}

// Every node of the tree is called once, at every limit, and nothing else.
func TestExpandVisitsEachItemOnce(t *testing.T) {
	for _, n := range []int{1, 2, 11, 1000, 30_000} {
		for _, limit := range []int{1, 2, 3, 0, 50, math.MaxInt} {
			t.Run(fmt.Sprintf("n=%d/limit=%d", n, limit), func(t *testing.T) {
				calls, err := expandForest(context.Background(), tenTree(n), limit)
				if err != nil {
					t.Fatal(err)
				}
				for v := range calls {
					if c := calls[v].Load(); c != 1 {
						t.Fatalf("node %d called %d times, want once", v, c)
					}
				}
			})
		}
	}
}

// Several start items, each the root of a tree, and start items that add
// nothing: each is called once.
func TestExpandManyStartItems(t *testing.T) {
	f := forest{children: make([][]int, 3000)}
	for v := range 3000 {
		if v%300 == 0 {
			f.roots = append(f.roots, v)
		} else {
			f.children[v-1] = append(f.children[v-1], v) // chains of 300
		}
	}
	leaves := forest{children: make([][]int, 500), roots: ints(500)}
	for _, tt := range []struct {
		name string
		f    forest
	}{{"chains", f}, {"adds nothing", leaves}} {
		for _, limit := range []int{1, 4, 0} {
			calls, err := expandForest(context.Background(), tt.f, limit)
			if err != nil {
				t.Fatal(err)
			}
			for v := range calls {
				if c := calls[v].Load(); c != 1 {
					t.Fatalf("%s, limit %d: node %d called %d times, want once", tt.name, limit, v, c)
				}
			}
		}
	}
}

func TestExpandEmpty(t *testing.T) {
	for _, start := range [][]int{nil, {}} {
		err := mapx.Expand(context.Background(), start, 4, func(context.Context, int, mapx.Adder[int]) error {
			t.Error("fn called with no start item")
			return nil
		})
		if err != nil {
			t.Errorf("Expand(%#v) = %v, want nil", start, err)
		}
	}
}

// With limit 1, the items run in the order of a recursive walk: each start
// item, followed by what it added, in the order added, each followed by
// what that one added.
func TestExpandLimitOneOrder(t *testing.T) {
	// A tree of uneven fan-outs: node v has v%4 children.
	f := forest{children: make([][]int, 400), roots: []int{0, 1, 2}}
	next := 3
	for v := 0; v < len(f.children) && next < len(f.children); v++ {
		for range v%4 + 1 {
			if next < len(f.children) {
				f.children[v] = append(f.children[v], next)
				next++
			}
		}
	}
	var got []int // limit 1: one call at a time, each synchronized with the next
	err := mapx.Expand(context.Background(), f.roots, 1, func(_ context.Context, v int, more mapx.Adder[int]) error {
		got = append(got, v)
		for _, c := range f.children[v] {
			more.Add(c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.preorder(), got); diff != "" {
		t.Errorf("order at limit 1 (-want +got):\n%s", diff)
	}
}

// Exactly limit calls can run at once, never more: the root adds 60 items,
// and each waits until limit of them have started (fewer would hang, more
// would be seen).
func TestExpandLimit(t *testing.T) {
	for _, limit := range []int{1, 3, 8, 0, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			const items = 60
			want := min(limit, items)
			if limit == 0 {
				want = runtime.GOMAXPROCS(0)
			}
			var g gauge
			var started atomic.Int64
			full := make(chan struct{})
			err := mapx.Expand(context.Background(), []int{-1}, limit, func(_ context.Context, v int, more mapx.Adder[int]) error {
				if v < 0 {
					for i := range items {
						more.Add(i)
					}
					return nil
				}
				g.enter()
				defer g.leave()
				if started.Add(1) == int64(want) {
					close(full)
				}
				<-full
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := g.peak.Load(); got != int64(want) {
				t.Errorf("peak concurrency %d, want %d", got, want)
			}
		})
	}
}

// A huge limit starts workers only as items wait for them: a tree of 3
// nodes at limit 1000 or math.MaxInt runs on at most 3 goroutines, and
// allocates nothing by the limit.
func TestExpandHugeLimitStartsFewWorkers(t *testing.T) {
	f := tenTree(3)
	for _, limit := range []int{1000, math.MaxInt} {
		// The workers of an earlier Expand may not have exited yet.
		if err := goleak.Find(); err != nil {
			t.Fatal(err)
		}
		before := runtime.NumGoroutine()
		var most atomic.Int64
		var mem0, mem1 runtime.MemStats
		runtime.ReadMemStats(&mem0)
		err := mapx.Expand(context.Background(), f.roots, limit, func(_ context.Context, v int, more mapx.Adder[int]) error {
			n := int64(runtime.NumGoroutine() - before)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			for _, c := range f.children[v] {
				more.Add(c)
			}
			return nil
		})
		runtime.ReadMemStats(&mem1)
		if err != nil {
			t.Fatal(err)
		}
		if n := most.Load(); n > 3 {
			t.Errorf("limit %d: %d goroutines, want at most 3", limit, n)
		}
		if n := mem1.TotalAlloc - mem0.TotalAlloc; n > 1<<20 {
			t.Errorf("limit %d: allocated %d bytes", limit, n)
		}
	}
}

// The last running call adds an item just before it returns, when every
// other call has returned and every other worker waits for items: Expand
// runs it before it returns.
func TestExpandLastCallAddsAsItReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var ran []int
		oneDone := make(chan struct{})
		err := mapx.Expand(context.Background(), []int{0, 1}, 2, func(_ context.Context, v int, more mapx.Adder[int]) error {
			mu.Lock()
			ran = append(ran, v)
			mu.Unlock()
			switch v {
			case 0:
				<-oneDone
				// Item 1's call has returned and its worker has found
				// nothing to take: every other goroutine of the bubble,
				// Expand's caller too, waits.
				synctest.Wait()
				more.Add(2)
			case 1:
				close(oneDone)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ran)
		if diff := cmp.Diff([]int{0, 1, 2}, ran); diff != "" {
			t.Errorf("items run (-want +got):\n%s", diff)
		}
	})
}

// Random forests whose calls take random times, some yielding, some
// sleeping, at random limits: every node is called once.
func TestExpandStress(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100 {
		f := randomForest(rng.Uint64(), 1+rng.IntN(200), 1+rng.IntN(4))
		limit := []int{1, 2, 3, 5, 16, 100, 0}[rng.IntN(7)]
		delays := make([]int, len(f.children))
		for v := range delays {
			delays[v] = rng.IntN(40) // 0: sleep 50µs, 1-9: yield that often, else nothing
		}
		calls := make([]atomic.Int32, len(f.children))
		err := mapx.Expand(context.Background(), f.roots, limit, func(_ context.Context, v int, more mapx.Adder[int]) error {
			calls[v].Add(1)
			for j, c := range f.children[v] {
				more.Add(c)
				if j%2 == 0 && delays[v] < 10 {
					runtime.Gosched() // a slow call: adds, works, adds
				}
			}
			switch d := delays[v]; {
			case d == 0:
				time.Sleep(50 * time.Microsecond)
			case d < 10:
				for range d {
					runtime.Gosched()
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		for v := range calls {
			if c := calls[v].Load(); c != 1 {
				t.Fatalf("run %d, limit %d: node %d called %d times, want once", i, limit, v, c)
			}
		}
	}
}
