// Sleep is the classic thread-pool demo: 50 tasks that each sleep a random
// while, on a pool of 5 workers. The tasks are added in one loop, which the
// pool's bounded queue holds back so that it never runs far ahead of the
// workers; then the program waits for them all. Ctrl-C stops it at once:
// the sleeping tasks are woken, the queued ones never start.
//
//	go run ./examples/sleep
//	go run ./examples/sleep -tasks 200 -workers 20 -scale 0.1
//
// Exit status: 0 when every task slept its fill, 2 for a bad flag, 130 after
// Ctrl-C.
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C kills at once
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program but for the process, so that main_test.go can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("sleep", flag.ContinueOnError)
	flags.SetOutput(stderr)
	tasks := flags.Int("tasks", 50, "tasks to run")
	workers := flags.Int("workers", 5, "tasks at once")
	scale := flags.Float64("scale", 1, "scale the delays, of up to a second, by `F`")
	if flags.Parse(args) != nil {
		return 2
	}
	if *scale < 0 || *scale > 1e6 || *workers < 1 {
		fmt.Fprintln(stderr, "sleep: -scale must be from 0 to 1e6, and -workers at least 1")
		return 2
	}

	maxDelay := time.Duration(*scale * float64(time.Second))
	start := time.Now()
	s, slept := sleep(ctx, stdout, *tasks, *workers, maxDelay)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		fmt.Fprintf(stdout, "interrupted: %d tasks done, %d cut short, %d never started\n",
			s.Completed-s.Failed, s.Failed, s.Skipped)
		return 130
	}
	fmt.Fprintf(stdout, "%d tasks on %d workers slept %v in %v: %.1f at once on average\n",
		s.Completed, *workers, slept.Round(time.Millisecond), elapsed.Round(time.Millisecond),
		slept.Seconds()/elapsed.Seconds())
	return 0
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
		// holds more than 2*workers+1 tasks in memory at once. After Ctrl-C it
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
