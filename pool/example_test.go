package pool_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"

	"github.com/fanout-go/fanout/pool"
)

// The classic: five workers, fifty tasks, the results in input order, and
// Ctrl-C wired in. On Ctrl-C the running tasks see their ctx canceled, the
// queued ones never start, and each of their Futures says why.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	p := pool.New(ctx, 5)
	futures := make([]*pool.Future[int], 50)
	for i := range futures {
		futures[i] = pool.Submit(p, func(ctx context.Context) (int, error) {
			return i * i, ctx.Err()
		})
	}
	squares := make([]int, len(futures))
	for i, f := range futures {
		v, err := f.Wait()
		if err != nil {
			fmt.Println("interrupted:", err)
			break
		}
		squares[i] = v
	}
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(squares[:5], squares[45:])
	// Output: [0 1 4 9 16] [2025 2116 2209 2304 2401]
}

func ExampleNew() {
	p := pool.New(context.Background(), 2, pool.QueueSize(10))
	defer p.Close()
	f := pool.Submit(p, func(context.Context) (string, error) { return "done", nil })
	fmt.Println(f.Wait())
	// Output: done <nil>
}

// A Pool is made once and fed for as long as there is work; Close waits for
// the work and ends the workers.
func ExamplePool() {
	p := pool.New(context.Background(), 4)
	var letters atomic.Int64
	for _, word := range []string{"fan", "out", "pool"} {
		p.Go(func(context.Context) error {
			letters.Add(int64(len(word)))
			return nil
		})
	}
	fmt.Println(p.Close(), letters.Load(), p.Stats().Completed)
	// Output: <nil> 10 3
}

func ExampleOption() {
	opts := []pool.Option{pool.QueueSize(100)}
	p := pool.New(context.Background(), 1, opts...)
	fmt.Println(p.Close())
	// Output: <nil>
}

// With QueueSize(0) a task waits for no one: it goes to an idle worker or
// Submit blocks, so Queued is always 0.
func ExampleQueueSize() {
	p := pool.New(context.Background(), 1, pool.QueueSize(0))
	for i := range 3 {
		pool.Submit(p, func(context.Context) (int, error) { return i, nil })
		fmt.Println("queued:", p.Stats().Queued)
	}
	p.Close()
	// Output:
	// queued: 0
	// queued: 0
	// queued: 0
}

func ExamplePool_Go() {
	p := pool.New(context.Background(), 2)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		p.Go(func(context.Context) error {
			if name == "beta" {
				return fmt.Errorf("%s failed", name)
			}
			return nil
		})
	}
	fmt.Println(p.Close())
	// Output: beta failed
}

// Wait returns the errors since the previous Wait, so that a pool can be
// fed and checked in rounds.
func ExamplePool_Wait() {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	for round := range 2 {
		for i := range 3 {
			p.Go(func(context.Context) error {
				if round == 0 && i == 1 {
					return errors.New("round 0 task 1")
				}
				return nil
			})
		}
		fmt.Printf("round %d: %v\n", round, p.Wait())
	}
	// Output:
	// round 0: round 0 task 1
	// round 1: <nil>
}

func ExamplePool_Close() {
	p := pool.New(context.Background(), 2)
	f := pool.Submit(p, func(context.Context) (int, error) { return 1, nil })
	fmt.Println(p.Close()) // waits for f's task
	fmt.Println(f.TryWait())
	fmt.Println(p.Close())
	// Output:
	// <nil>
	// 1 true <nil>
	// pool: closed
}

func ExamplePool_Stats() {
	p := pool.New(context.Background(), 2)
	for i := range 5 {
		p.Go(func(context.Context) error {
			if i%2 == 0 {
				return errors.New("even")
			}
			return nil
		})
	}
	p.Close() // its workers leave
	fmt.Printf("%+v\n", p.Stats())
	// Output: {Submitted:5 Queued:0 Running:0 Completed:5 Failed:3 Skipped:0 Blocked:0 Workers:0}
}

func ExampleStats() {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1)
	cancel()
	pool.Submit(p, func(context.Context) (int, error) { return 0, nil })
	s := p.Stats()
	fmt.Println(s.Submitted, s.Skipped, s.Submitted == s.Queued+s.Running+s.Completed+s.Skipped)
	p.Close()
	// Output: 1 1 true
}

func ExampleErrClosed() {
	p := pool.New(context.Background(), 1)
	p.Close()
	_, err := pool.Submit(p, func(context.Context) (int, error) { return 1, nil }).Wait()
	fmt.Println(errors.Is(err, pool.ErrClosed))
	// Output: true
}

func ExamplePool_Resize() {
	p := pool.New(context.Background(), 1, pool.QueueSize(10))
	defer p.Close()
	release := make(chan struct{})
	for range 4 {
		p.Go(func(context.Context) error { <-release; return nil })
	}
	p.Resize(4) // starts workers for the three queued tasks at once
	fmt.Println(p.Stats().Running)
	close(release)
	p.Wait()
	// Output: 4
}

func ExampleIdleTimeout() {
	p := pool.New(context.Background(), 4, pool.IdleTimeout(0))
	defer p.Close()
	p.Go(func(context.Context) error { return nil })
	p.Wait()
	// With IdleTimeout(0) a worker leaves as soon as the queue is empty.
	fmt.Println(p.Stats().Workers)
	// Output: 0
}

func ExampleErrPoolEnded() {
	ctx, cancel := context.WithCancel(context.Background())
	p := pool.New(ctx, 1)
	defer p.Close()
	request, leave := context.WithCancel(context.Background())
	leave() // the caller went away
	_, errCaller := pool.SubmitContext(request, p, func(context.Context) (int, error) { return 1, nil }).Wait()
	cancel() // the pool's end
	_, errPool := pool.Submit(p, func(context.Context) (int, error) { return 1, nil }).Wait()
	fmt.Println(errors.Is(errCaller, pool.ErrPoolEnded), errors.Is(errCaller, context.Canceled))
	fmt.Println(errors.Is(errPool, pool.ErrPoolEnded), errors.Is(errPool, context.Canceled))
	// Output:
	// false true
	// true true
}
