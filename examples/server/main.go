// Server is an HTTP service whose requests share one pool of workers. A
// request for pages is one task of the pool, which assembles the pages at
// once, each from its sections fetched at once, all as tasks of the same
// pool: never more at work than the pool has workers. When the pool's queue
// is full, a request is answered at once with 503 and a Retry-After header.
// Ctrl-C shuts it down gracefully: it stops listening, lets the requests in
// flight finish (up to -grace), then closes the pool.
//
//	go run ./examples/server                  # serve on 127.0.0.1:8080 until Ctrl-C
//	curl 'localhost:8080/pages?ids=1,2,3'     # three pages, as JSON
//	curl localhost:8080/stats                 # the pool's counters, as JSON
//	go run ./examples/server -demo 100        # serve 100 requests of a built-in client, then stop
//
// The sections come from a made-up backend that takes -latency for each.
// Exit status: 0 after a graceful shutdown (Ctrl-C, SIGTERM or the end of
// -demo), 1 if requests were cut short at the end of -grace or the demo
// client got a wrong answer, 2 for a bad flag or an address it cannot use.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fanout-go/fanout/pool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C kills at once
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags set.
type config struct {
	addr     string
	workers  int           // the pool's
	queue    int           // tasks that may wait for a worker
	sections int           // sections a page is assembled from
	fetch    fetchFunc     // the backend
	grace    time.Duration // time the requests in flight get at shutdown
	demo     int           // requests of the built-in client; 0: none
}

// run is the program but for the process, so that main_test.go can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var c config
	flags.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen on `ADDR` (with -demo: a free port)")
	flags.IntVar(&c.workers, "workers", 8, "the pool's workers: tasks at work at once")
	flags.IntVar(&c.queue, "queue", 32, "tasks that may wait for a worker before requests get 503")
	flags.IntVar(&c.sections, "sections", 3, "sections a page is assembled from")
	latency := flags.Duration("latency", 10*time.Millisecond, "time the backend takes for a section")
	flags.DurationVar(&c.grace, "grace", 10*time.Second, "time the requests in flight get to finish at shutdown")
	flags.IntVar(&c.demo, "demo", 0, "serve `N` requests of a built-in client, then shut down")
	if flags.Parse(args) != nil {
		return 2
	}
	if c.workers < 1 || c.queue < 0 || c.sections < 1 || *latency < 0 || c.grace <= 0 || c.demo < 0 || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "server: -workers and -sections must be at least 1, -grace more than 0, "+
			"-queue, -latency and -demo not negative, and no arguments")
		return 2
	}
	addrSet := false
	flags.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if c.demo > 0 && !addrSet {
		c.addr = "127.0.0.1:0" // a demo needs no fixed port, and must not fail on a busy one
	}
	c.fetch = slowBackend(*latency)
	return serve(ctx, c, stdout, stderr)
}

// serve serves c until ctx ends, or its demo is done, then shuts down and
// prints a summary.
func serve(ctx context.Context, c config, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 2
	}
	// The pool's life is not ctx: at Ctrl-C the requests in flight still
	// need it. stopPool cancels its tasks only when the grace period has run
	// out.
	poolCtx, stopPool := context.WithCancel(context.Background())
	defer stopPool()
	p := pool.New(poolCtx, c.workers, pool.QueueSize(c.queue))
	a := &api{pool: p, sections: c.sections, fetch: c.fetch, log: log.New(stderr, "server: ", 0)}
	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          a.log,
		// The requests' ctx derives from BaseContext, by default
		// context.Background, not from ctx: Ctrl-C must not cancel the
		// requests that the shutdown lets finish.
	}
	announced := make(chan struct{})
	srv.RegisterOnShutdown(func() {
		// Called by Shutdown, on a goroutine of its own, once the listener
		// is closed: no new request comes in.
		fmt.Fprintf(stdout, "shutting down: %d requests in flight, given up to %v to finish\n",
			a.inFlight.Load(), c.grace)
		close(announced)
	})
	serving := make(chan error, 1)
	go func() { serving <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s (Ctrl-C to stop)\n", ln.Addr())

	code := 0
	demoDone := make(chan int, 1)
	demoRunning, served := c.demo > 0, false
	if demoRunning {
		go func() { demoDone <- demo(ctx, "http://"+ln.Addr().String(), c.demo, c.workers+c.queue, stdout) }()
	}
	select {
	case <-ctx.Done():
	case code = <-demoDone:
		demoRunning = false
	case err := <-serving: // not ErrServerClosed: nobody closed it
		fmt.Fprintln(stderr, "server:", err)
		code, served = 2, true
	}

	start := time.Now()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.grace)
	defer cancel()
	graceful := srv.Shutdown(shutdownCtx) == nil
	if !graceful {
		// The grace period ran out: cancel the tasks of the requests still
		// in flight, close their connections, and wait for their handlers,
		// which return promptly now that their ctx has ended.
		stopPool()
		_ = srv.Close()
		a.handlers.Wait()
		code = max(code, 1)
	}
	<-announced // so that the line comes before the summary
	if !served {
		<-serving // http.ErrServerClosed
	}
	if demoRunning {
		<-demoDone // Ctrl-C during the demo, whose client stops with ctx
	}
	// Every task was added by a request, all of which are over: Close
	// returns at once, with the errors of no task (Submit's and the Groups'
	// go to their Futures and Waits).
	_ = p.Close()
	s := p.Stats()
	how := "gracefully"
	if !graceful {
		how = "at the end of -grace, cutting requests short"
	}
	fmt.Fprintf(stdout, "shut down %s in %v: %d requests served, %d refused with 503; %d tasks on %d workers, %d failed\n",
		how, time.Since(start).Round(time.Millisecond), a.served.Load(), a.refused.Load(), s.Completed, c.workers, s.Failed)
	return code
}
