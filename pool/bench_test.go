package pool_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/fanout-go/fanout/pool"
)

// benchTasks is the number of tasks in one benchmark operation.
const benchTasks = 100_000

// tiny is the benchmarks' task: as small as a task gets, so that what is
// measured is the cost of running it in parallel. It is a plain function,
// not a closure, so it costs no allocation of its own.
func tiny(context.Context) (int, error) { return 1, nil }

// bg is the ctx the baselines pass to tiny.
var bg = context.Background()

func tinyErr(ctx context.Context) error { _, err := tiny(ctx); return err }

// measure runs batch, which runs benchTasks tasks, b.N times, and reports
// the time and allocations per task as well as per batch.
func measure(b *testing.B, batch func()) {
	b.Helper()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		batch()
	}
	runtime.ReadMemStats(&after)
	items := float64(b.N) * benchTasks
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/items, "allocs/item")
}

// BenchmarkSubmit submits 100,000 tiny tasks to GOMAXPROCS workers and
// gathers their results in order, against a goroutine per task under a
// semaphore channel and an errgroup with SetLimit. pool-closure gives each
// task its input through a closure, which costs an allocation of its own.
// chanpool is the floor for this design: as many workers reading closures
// from a channel with room for as many more (see chanPool); lockpool the
// floor for a pool whose counters agree at every moment (see lockPool).
func BenchmarkSubmit(b *testing.B) {
	n := runtime.GOMAXPROCS(0)
	results := make([]int, benchTasks)
	b.Run("impl=pool", func(b *testing.B) {
		p := pool.New(context.Background(), n)
		defer p.Close()
		futures := make([]*pool.Future[int], benchTasks)
		measure(b, func() {
			for i := range futures {
				futures[i] = pool.Submit(p, tiny)
			}
			for i, f := range futures {
				results[i], _ = f.Wait()
			}
		})
	})
	b.Run("impl=pool-closure", func(b *testing.B) {
		p := pool.New(context.Background(), n)
		defer p.Close()
		futures := make([]*pool.Future[int], benchTasks)
		measure(b, func() {
			for i := range futures {
				futures[i] = pool.Submit(p, func(context.Context) (int, error) { return i, nil })
			}
			for i, f := range futures {
				results[i], _ = f.Wait()
			}
		})
	})
	b.Run("impl=chanpool", func(b *testing.B) {
		c := newChanPool(n)
		defer c.close()
		measure(b, func() {
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				c.tasks <- func() { results[i], _ = tiny(bg); wg.Done() }
			}
			wg.Wait()
		})
	})
	b.Run("impl=lockpool", func(b *testing.B) {
		l := newLockPool(n)
		defer l.close()
		measure(b, func() {
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				l.submit(func() { results[i], _ = tiny(bg); wg.Done() })
			}
			wg.Wait()
		})
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		measure(b, func() { semaphore(n, results) })
	})
	b.Run("impl=errgroup", func(b *testing.B) {
		measure(b, func() { errgroupLimit(n, results) })
	})
}

// BenchmarkGo is BenchmarkSubmit for tasks without a result: Pool.Go and
// Wait, against the same baselines.
func BenchmarkGo(b *testing.B) {
	n := runtime.GOMAXPROCS(0)
	b.Run("impl=pool", func(b *testing.B) {
		p := pool.New(context.Background(), n)
		defer p.Close()
		measure(b, func() {
			for range benchTasks {
				p.Go(tinyErr)
			}
			p.Wait()
		})
	})
	b.Run("impl=chanpool", func(b *testing.B) {
		c := newChanPool(n)
		defer c.close()
		measure(b, func() {
			var wg sync.WaitGroup
			wg.Add(benchTasks)
			run := func() { tiny(bg); wg.Done() } // one closure, as Go's tasks share tinyErr
			for range benchTasks {
				c.tasks <- run
			}
			wg.Wait()
		})
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		measure(b, func() { semaphore(n, nil) })
	})
	b.Run("impl=errgroup", func(b *testing.B) {
		measure(b, func() { errgroupLimit(n, nil) })
	})
}

// BenchmarkSubmitters has 16 goroutines submit 100,000 tiny tasks between
// them to one pool (or semaphore, or errgroup) and wait for their results.
func BenchmarkSubmitters(b *testing.B) {
	const submitters = 16
	n := runtime.GOMAXPROCS(0)
	results := make([]int, benchTasks)
	// each runs part(lo, hi) for 16 parts of the results at once.
	each := func(part func(lo, hi int)) {
		var wg sync.WaitGroup
		for s := range submitters {
			wg.Go(func() { part(s*benchTasks/submitters, (s+1)*benchTasks/submitters) })
		}
		wg.Wait()
	}
	b.Run("impl=pool", func(b *testing.B) {
		p := pool.New(context.Background(), n)
		defer p.Close()
		futures := make([]*pool.Future[int], benchTasks)
		measure(b, func() {
			each(func(lo, hi int) {
				for i := lo; i < hi; i++ {
					futures[i] = pool.Submit(p, tiny)
				}
				for i := lo; i < hi; i++ {
					results[i], _ = futures[i].Wait()
				}
			})
		})
	})
	b.Run("impl=chanpool", func(b *testing.B) {
		c := newChanPool(n)
		defer c.close()
		measure(b, func() {
			each(func(lo, hi int) {
				var wg sync.WaitGroup
				for i := lo; i < hi; i++ {
					wg.Add(1)
					c.tasks <- func() { results[i], _ = tiny(bg); wg.Done() }
				}
				wg.Wait()
			})
		})
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		sem := make(chan struct{}, n)
		measure(b, func() {
			var wg sync.WaitGroup
			each(func(lo, hi int) {
				for i := lo; i < hi; i++ {
					sem <- struct{}{}
					wg.Go(func() { results[i], _ = tiny(bg); <-sem })
				}
			})
			wg.Wait()
		})
	})
	b.Run("impl=errgroup", func(b *testing.B) {
		measure(b, func() {
			var g errgroup.Group
			g.SetLimit(n)
			each(func(lo, hi int) {
				for i := lo; i < hi; i++ {
					g.Go(func() (err error) { results[i], err = tiny(bg); return err })
				}
			})
			g.Wait()
		})
	})
}

// semaphore runs benchTasks tiny tasks, a goroutine each, at most n at once,
// keeping their results if results is not nil: the loop written by hand.
func semaphore(n int, results []int) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range benchTasks {
		sem <- struct{}{}
		wg.Go(func() {
			v, _ := tiny(bg)
			if results != nil {
				results[i] = v
			}
			<-sem
		})
	}
	wg.Wait()
}

// errgroupLimit runs benchTasks tiny tasks on an errgroup limited to n.
func errgroupLimit(n int, results []int) {
	var g errgroup.Group
	g.SetLimit(n)
	for i := range benchTasks {
		g.Go(func() error {
			v, err := tiny(bg)
			if results != nil {
				results[i] = v
			}
			return err
		})
	}
	g.Wait()
}

// chanPool is the floor for a pool of this design: n workers reading
// closures from a channel with room for n more, as the pool's default
// queue has. It has no Futures, no counters, no cancellation and no panic
// recovery: a task's result and completion are the closure's own business.
type chanPool struct {
	tasks chan func()
	done  sync.WaitGroup
}

func newChanPool(n int) *chanPool {
	c := &chanPool{tasks: make(chan func(), n)}
	for range n {
		c.done.Go(func() {
			for f := range c.tasks {
				f()
			}
		})
	}
	return c
}

func (c *chanPool) close() {
	close(c.tasks)
	c.done.Wait()
}

// BenchmarkNewClose makes a pool of many workers and closes it without a
// task, and then with 1,000 tiny tasks from one submitter: the cost of
// starting and ending workers, most of which never run a task, as in pond's
// benchmark of 200,000 workers (bench/, PondRand). The baseline starts as
// many goroutines parked on channels, and ends them.
func BenchmarkNewClose(b *testing.B) {
	const workers = 10_000
	for _, tasks := range []int{0, 1000} {
		b.Run("impl=pool/tasks="+strconv.Itoa(tasks), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := pool.New(context.Background(), workers)
				for range tasks {
					p.Go(tinyErr)
				}
				p.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*workers), "ns/worker")
		})
	}
	b.Run("impl=goroutines", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			wg.Add(workers)
			stop := make(chan struct{})
			for range workers {
				go func() {
					defer wg.Done()
					<-stop
				}()
			}
			close(stop)
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*workers), "ns/worker")
	})
}

// lockPool is chanPool with what a pool's counters need: one mutex guards
// the queue (a ring of size n), the counts of queued, running and completed
// tasks, and the parked workers, each woken on a channel of its own, as the
// pool's are; a submitter blocked on the full queue waits on a sync.Cond. It
// is the floor for a pool whose counters agree at every moment.
type lockPool struct {
	mu      sync.Mutex
	notFull sync.Cond
	ring    []func()
	head    int
	queued  int
	running int
	done    int
	idle    []chan func()
	closed  bool
	workers sync.WaitGroup
}

func newLockPool(n int) *lockPool {
	l := &lockPool{ring: make([]func(), n)}
	l.notFull.L = &l.mu
	for range n {
		wake := make(chan func(), 1)
		l.idle = append(l.idle, wake)
		l.workers.Go(func() { l.work(wake) })
	}
	return l
}

func (l *lockPool) submit(f func()) {
	l.mu.Lock()
	for {
		if len(l.idle) > 0 {
			wake := l.idle[len(l.idle)-1]
			l.idle = l.idle[:len(l.idle)-1]
			l.running++
			l.mu.Unlock()
			wake <- f
			return
		}
		if l.queued < len(l.ring) {
			l.ring[(l.head+l.queued)%len(l.ring)] = f
			l.queued++
			l.mu.Unlock()
			return
		}
		l.notFull.Wait()
	}
}

func (l *lockPool) work(wake chan func()) {
	for f := range wake {
		for f != nil {
			f()
			l.mu.Lock()
			l.running--
			l.done++
			f = nil
			if l.queued > 0 {
				f = l.ring[l.head]
				l.ring[l.head] = nil
				l.head = (l.head + 1) % len(l.ring)
				l.queued--
				l.running++
				l.notFull.Signal()
			} else if l.closed {
				l.mu.Unlock()
				return // close did not see it idle
			} else {
				l.idle = append(l.idle, wake)
			}
			l.mu.Unlock()
		}
	}
}

func (l *lockPool) close() {
	l.mu.Lock()
	l.closed = true
	for _, wake := range l.idle {
		close(wake)
	}
	l.idle = nil
	l.mu.Unlock()
	l.workers.Wait()
}
