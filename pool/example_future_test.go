package pool_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fanout-go/fanout/pool"
)

func ExampleSubmit() {
	p := pool.New(context.Background(), 3)
	defer p.Close()
	words := []string{"bounded", "cancellable", "panic-safe"}
	futures := make([]*pool.Future[int], len(words))
	for i, w := range words {
		futures[i] = pool.Submit(p, func(context.Context) (int, error) { return len(w), nil })
	}
	for i, f := range futures {
		n, err := f.Wait()
		fmt.Println(words[i], n, err)
	}
	// Output:
	// bounded 7 <nil>
	// cancellable 11 <nil>
	// panic-safe 10 <nil>
}

// TrySubmit reports false rather than wait for room.
func ExampleTrySubmit() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	release := make(chan struct{})
	pool.Submit(p, func(context.Context) (int, error) { <-release; return 0, nil })
	_, ok := pool.TrySubmit(p, func(context.Context) (int, error) { return 1, nil })
	fmt.Println("accepted:", ok)
	close(release)
	p.Close()
	// Output: accepted: false
}

// A request handler gives up when its client leaves: a task that has not
// started by then never will.
func ExampleSubmitContext() {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	request, clientLeft := context.WithCancel(context.Background())
	clientLeft()
	f := pool.SubmitContext(request, p, func(context.Context) (string, error) {
		return "a report nobody will read", nil
	})
	_, err := f.Wait()
	fmt.Println(err)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// pool: the caller's context ended: context canceled
	// true
}

// A task that submits to its own pool passes its own ctx: a child that finds
// the queue full, or still queued when its parent waits, runs on the parent's
// worker. Here the only worker is busy with the parent, and there is no
// queue: without that, the parent would wait for ever.
func ExampleSubmitContext_fromTask() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	defer p.Close()
	parent := pool.Submit(p, func(ctx context.Context) (int, error) {
		child := pool.SubmitContext(ctx, p, func(context.Context) (int, error) { return 41, nil })
		v, err := child.WaitContext(ctx)
		return v + 1, err
	})
	fmt.Println(parent.Wait())
	// Output: 42 <nil>
}

func ExampleFuture() {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	var f *pool.Future[string] = pool.Submit(p, func(context.Context) (string, error) {
		return "result", nil
	})
	<-f.Done()
	fmt.Println(f.Wait())
	// Output: result <nil>
}

func ExampleFuture_Wait() {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, func(context.Context) (int, error) { panic("bad input") })
	_, err := f.Wait()
	fmt.Printf("%.21s\n", err) // a *errgroupx.PanicError, with the stack
	// Output: bad input [recovered]
}

func ExampleFuture_Done() {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, func(context.Context) (string, error) { return "fast", nil })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-f.Done():
		fmt.Println(f.Wait())
	case <-ctx.Done():
		fmt.Println("gave up:", ctx.Err())
	}
	// Output: fast <nil>
}

func ExampleFuture_TryWait() {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	release := make(chan struct{})
	f := pool.Submit(p, func(context.Context) (int, error) { <-release; return 7, nil })
	fmt.Println(f.TryWait())
	close(release)
	f.Wait()
	fmt.Println(f.TryWait())
	// Output:
	// 0 false <nil>
	// 7 true <nil>
}

func ExampleFuture_WaitContext() {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	release := make(chan struct{})
	f := pool.Submit(p, func(context.Context) (int, error) { <-release; return 7, nil })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	fmt.Println(f.WaitContext(ctx)) // the task waits for release: the deadline comes first
	close(release)
	fmt.Println(f.WaitContext(context.Background())) // the task itself went on
	// Output:
	// 0 context deadline exceeded
	// 7 <nil>
}
