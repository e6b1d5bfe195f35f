// Command fair shows a server's shared pool with one huge request and many
// small ones, each request's tasks queued behind the huge one's, and prints
// the small requests' median latency twice: with each request a pool.Group,
// whose queued tasks are served in turns, so that the huge request's 100,000
// tasks delay a small one by about one task of each other request; and
// without groups, first come first served, where a small request waits for
// the whole huge one.
//
//	go run ./examples/fair
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/fanout-go/fanout/pool"
)

func main() {
	big := flag.Int("big", 100_000, "tasks of the huge request")
	small := flag.Int("small", 100, "small requests, of 10 tasks each")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *big, *small); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// result is one run's figures.
type result struct {
	median time.Duration // the small requests' median latency
	done   int           // small requests that returned every value
}

func run(ctx context.Context, out io.Writer, big, small int) error {
	fmt.Fprintf(out, "%d small requests of 10 tasks behind one of %d, on 8 workers\n", small, big)
	for _, grouped := range []bool{true, false} {
		r, err := measure(ctx, big, small, grouped)
		if err != nil {
			return err
		}
		how := "with groups:   "
		if !grouped {
			how = "without groups:"
		}
		fmt.Fprintf(out, "%s %d done, median %v\n", how, r.done, r.median.Round(time.Microsecond))
	}
	return nil
}

// measure runs small requests of 10 tasks on a pool, after a request of big
// tasks was queued, and returns their median latency; with grouped, each
// request is a pool.Group, else its tasks are Submit's.
func measure(ctx context.Context, big, small int, grouped bool) (result, error) {
	p := pool.New(ctx, 8, pool.QueueSize(big+10*small))
	work := func(context.Context) (int, error) {
		s := 0
		for i := range 20_000 { // a small task: about ten microseconds
			s += i * i
		}
		return s, nil
	}
	huge := newRequest(ctx, p, grouped)
	for range big {
		huge.add(work)
	}
	latencies := make([]time.Duration, small)
	var wg sync.WaitGroup
	errs := make([]error, small)
	done := 0
	var mu sync.Mutex
	for r := range small {
		wg.Go(func() {
			start := time.Now()
			req := newRequest(ctx, p, grouped)
			for range 10 {
				req.add(work)
			}
			vs, err := req.wait()
			latencies[r] = time.Since(start)
			errs[r] = err
			if err == nil && len(vs) == 10 {
				mu.Lock()
				done++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if _, err := huge.wait(); err != nil {
		return result{}, err
	}
	if err := p.Close(); err != nil {
		return result{}, err
	}
	for _, err := range errs {
		if err != nil {
			return result{}, err
		}
	}
	slices.Sort(latencies)
	return result{median: latencies[len(latencies)/2], done: done}, nil
}

// A request is a pool.Group, or the Futures of Submit.
type request struct {
	p       *pool.Pool
	g       *pool.Group[int] // nil: Submit
	futures []*pool.Future[int]
}

func newRequest(ctx context.Context, p *pool.Pool, grouped bool) *request {
	r := &request{p: p}
	if grouped {
		r.g = pool.NewGroup[int](ctx, p)
	}
	return r
}

func (r *request) add(fn func(context.Context) (int, error)) {
	if r.g != nil {
		r.g.Go(fn)
		return
	}
	r.futures = append(r.futures, pool.Submit(r.p, fn))
}

func (r *request) wait() ([]int, error) {
	if r.g != nil {
		return r.g.Wait()
	}
	vs := make([]int, len(r.futures))
	for i, f := range r.futures {
		v, err := f.Wait()
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}
