package pool_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

func ExampleNewGroup() {
	p := pool.New(context.Background(), 4) // shared, say, by a server's requests
	defer p.Close()

	// One request's batch: its own values, in the order added, and its own
	// errors; the other requests' tasks run on the same 4 workers.
	g := pool.NewGroup[string](context.Background(), p)
	for _, name := range []string{"ada", "grace", "linus"} {
		g.Go(func(ctx context.Context) (string, error) { return "hello, " + name, nil })
	}
	greetings, err := g.Wait()
	fmt.Println(greetings, err)
	// Output: [hello, ada hello, grace hello, linus] <nil>
}

func ExampleGroup_Go() {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	g.Go(func(context.Context) (int, error) { return 0, errors.New("quota exceeded") })
	g.Go(func(ctx context.Context) (int, error) {
		<-ctx.Done() // the group's first error cancels the group's tasks
		return 0, ctx.Err()
	})
	values, err := g.Wait()
	fmt.Println(values, err)
	// Output: [] quota exceeded
}

func ExampleGroup_TryGo() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	g := pool.NewGroup[string](context.Background(), p)
	release := make(chan struct{})
	g.TryGo(func(context.Context) (string, error) { <-release; return "first", nil })
	ok := g.TryGo(func(context.Context) (string, error) { return "second", nil }) // no room: not added
	close(release)
	values, _ := g.Wait()
	fmt.Println(ok, values)
	// Output: false [first]
}

func ExampleGroup_Wait() {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	g := pool.NewGroup[int](context.Background(), p)
	for _, n := range []int{3, 1, 2} {
		g.Go(func(context.Context) (int, error) { return n * n, nil })
	}
	squares, err := g.Wait() // in the order of Go, whatever order they finished in
	fmt.Println(squares, err)
	// Output: [9 1 4] <nil>
}

func ExamplePool_GoContext() {
	p := pool.New(context.Background(), 2, pool.QueueSize(1))
	defer p.Close()
	var visited atomic.Int64
	// A task that adds work it does not wait for: with its own ctx, that
	// never blocks, however full the queue.
	var visit func(depth int) func(context.Context) error
	visit = func(depth int) func(context.Context) error {
		return func(ctx context.Context) error {
			visited.Add(1)
			if depth == 3 {
				return fmt.Errorf("leaf at depth %d", depth)
			}
			for range 2 {
				p.GoContext(ctx, visit(depth+1))
			}
			return nil
		}
	}
	p.GoContext(context.Background(), visit(0))
	err := p.Wait() // every child's error, joined
	fmt.Println(visited.Load(), len(err.(interface{ Unwrap() []error }).Unwrap()))
	// Output: 15 8
}

func ExamplePool_TryGo() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	release := make(chan struct{})
	fmt.Println(p.TryGo(func(context.Context) error { <-release; return nil }))
	fmt.Println(p.TryGo(func(context.Context) error { return nil })) // the only worker is busy
	close(release)
	fmt.Println(p.Wait())
	// Output:
	// true
	// false
	// <nil>
}

func ExampleTrySubmitContext() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	release := make(chan struct{})
	pool.Submit(p, func(context.Context) (int, error) { <-release; return 0, nil })
	// A request handler that answers "busy" rather than wait for room.
	if _, ok := pool.TrySubmitContext(context.Background(), p, func(context.Context) (int, error) {
		return 1, nil
	}); !ok {
		fmt.Println("503 busy")
	}
	close(release)
	// Output: 503 busy
}

// A task that fans out again, here with mapx.Map, whose calls each add a
// task to the pool and wait for it: while the task waits in Map, it lends
// its worker, so the pool's bound of 2 holds and nothing deadlocks, though
// both workers do this at once.
func Example_nested() {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	var running, most atomic.Int64
	count := func(f func()) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		f()
		running.Add(-1)
	}
	square := func(v int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			var r int
			count(func() { r = v * v })
			return r, nil
		}
	}
	batch := func(ctx context.Context) ([]int, error) {
		return mapx.Map(ctx, []int{1, 2, 3, 4}, 4, func(ctx context.Context, v int) (int, error) {
			return pool.SubmitContext(ctx, p, square(v)).WaitContext(ctx)
		})
	}
	a, b := pool.Submit(p, batch), pool.Submit(p, batch)
	sa, _ := a.Wait()
	sb, _ := b.Wait()
	fmt.Println(sa, sb, most.Load() <= 2, slices.Equal(sa, sb))
	// Output: [1 4 9 16] [1 4 9 16] true true
}
