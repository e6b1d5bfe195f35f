// Sleep is the classic thread-pool demo: 50 tasks that each sleep a random
// while, on a pool of 5 workers. The tasks are added in one loop, which the
// pool's bounded queue holds back so that it never runs far ahead of the
// workers; then the program waits for them all. Ctrl-C stops it at once:
// the sleeping tasks are woken, the queued ones never start.
//
//	go run ./examples/sleep
//	go run ./examples/sleep -tasks 200 -workers 20 -scale 0.1
//
// Exit status: 0 when every task slept its fill, 130 after Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fanout-go/fanout/pool"
)

func main() {
	tasks := flag.Int("tasks", 50, "tasks to run")
	workers := flag.Int("workers", 5, "tasks at once")
	scale := flag.Float64("scale", 1, "scale the delays, of up to a second, by `F`")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C, give the signal back: a second one kills at once.
	context.AfterFunc(ctx, stop)

	maxDelay := time.Duration(*scale * float64(time.Second))
	start := time.Now()
	s, slept := sleep(ctx, os.Stdout, *tasks, *workers, maxDelay)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		fmt.Printf("interrupted: %d tasks done, %d cut short, %d never started\n",
			s.Completed-s.Failed, s.Failed, s.Skipped)
		os.Exit(130)
	}
	fmt.Printf("%d tasks on %d workers slept %v in %v: %.1f at once on average\n",
		s.Completed, *workers, slept.Round(time.Millisecond), elapsed.Round(time.Millisecond),
		slept.Seconds()/elapsed.Seconds())
}

// sleep runs tasks on a pool of workers; each sleeps a random time up to
// maxDelay and prints a line. It returns the pool's counters and the total
// time slept, once every task has finished or been skipped.
func sleep(ctx context.Context, w io.Writer, tasks, workers int, maxDelay time.Duration) (pool.Stats, time.Duration) {
	// The queue holds as many tasks as there are workers (pool.QueueSize
	// changes that). The pool's life is ctx: its end cancels what runs and
	// skips what waits.
	p := pool.New(ctx, workers)
	var (
		mu    sync.Mutex // keeps each task's line whole
		slept atomic.Int64
	)
	for i := range tasks {
		delay := rand.N(maxDelay + 1)
		// Go returns once the task is queued, or blocks while the queue is
		// full: this loop is held back to the pace of the workers, and never
		// holds more than 2*workers tasks in memory at once. After Ctrl-C it
		// blocks no more: the rest of the tasks are skipped at once.
		p.Go(func(ctx context.Context) error {
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done(): // Ctrl-C: the pool's ctx is every task's
				return fmt.Errorf("task %d: %w", i, ctx.Err())
			}
			slept.Add(int64(delay))
			s := p.Stats()
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(w, "task %2d slept %3dms (running %d, queued %d)\n",
				i, delay.Milliseconds(), s.Running, s.Queued)
			return nil
		})
	}
	// Close waits for the queued and running tasks, then ends the workers.
	// Its error joins the tasks' errors (and ctx's, if tasks were skipped);
	// the counters say the same more briefly, so the error is not printed.
	p.Close()
	return p.Stats(), time.Duration(slept.Load())
}
