// Download fetches many documents over HTTP, at most -limit at once.
//
//	go run ./examples/download                    # 2000 documents from a local server
//	go run ./examples/download -urls urls.txt -out docs
//
// The local server (server.go) fails a few documents: a 500, a reset, a body
// that stalls past -timeout. Ctrl-C stops the run within a second. Exit
// status: 0 all arrived, 1 some failed, 2 an error stopped it, 130 Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C kills at once
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program but for the process, so that main_test.go can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("download", flag.ContinueOnError)
	flags.SetOutput(stderr)
	n := flags.Int("n", 2000, "documents to fetch from the local test server")
	limit := flags.Int("limit", 50, "downloads at once")
	timeout := flags.Duration("timeout", 500*time.Millisecond, "time allowed for each document")
	urlsFile := flags.String("urls", "", "fetch the URLs in `FILE`, one a line, instead")
	dir := flags.String("out", "", "save the documents in `DIR`")
	if flags.Parse(args) != nil {
		return 2
	}
	fatal := func(err error) int { fmt.Fprintln(stderr, "download:", err); return 2 }
	var urls []string
	if *urlsFile == "" {
		srv := newServer(*n, 20*time.Millisecond, 10*(*timeout))
		defer srv.Close()
		urls = srv.urls
	} else if data, err := os.ReadFile(*urlsFile); err != nil {
		return fatal(err)
	} else {
		urls = strings.Fields(string(data))
	}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return fatal(err)
		}
	}

	// Keep a connection per worker open: the default keeps 2 for each host.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *limit
	defer transport.CloseIdleConnections()
	// The timeout covers each document's body too; Ctrl-C (ctx) cuts it short.
	client := &http.Client{Transport: transport, Timeout: *timeout}

	var done, failed atomic.Int64
	start := time.Now()
	status := func() string {
		d := done.Load()
		return fmt.Sprintf("%d/%d documents, %d failed, %.0f/s", d, len(urls), failed.Load(),
			float64(d)/time.Since(start).Seconds())
	}
	// On a terminal, each finished document rewrites a status line, at most
	// every 100 ms: "\r" goes back to the start of the line, "\033[K" erases
	// it. Elsewhere (a file, a pipe) only the summary is printed.
	var erase string
	if f, ok := stdout.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			erase = "\r\033[K"
		}
	}
	var mu sync.Mutex
	var shown time.Time
	show := func() {
		mu.Lock()
		defer mu.Unlock()
		if erase != "" && time.Since(shown) > 100*time.Millisecond {
			shown = time.Now()
			fmt.Fprint(stdout, erase, status())
		}
	}

	// fetch gets document i and saves it under its place in the input (two
	// URLs may end in the same name). Map stops at the first error, so a
	// document's failure is its result, not an error: a dead link must not
	// stop the others. The error is for what stops the run: Ctrl-C, a full
	// disk.
	fetch := func(ctx context.Context, i int) (failure, stop error) {
		body, failure := get(ctx, client, urls[i])
		switch {
		case failure != nil && ctx.Err() != nil:
			return nil, ctx.Err() // interrupted: this is no document's fault
		case failure != nil:
			failed.Add(1)
		case *dir != "":
			if err := save(*dir, fmt.Sprintf("%06d", i), body); err != nil {
				return nil, err // the next document would fail the same way
			}
		}
		done.Add(1)
		show()
		return failure, nil
	}
	places := make([]int, len(urls))
	for i := range places {
		places[i] = i
	}
	failures, err := mapx.Map(ctx, places, *limit, fetch)
	fmt.Fprintln(stdout, erase+status())
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(stdout, "interrupted")
		return 130
	case err != nil:
		return fatal(err)
	case failed.Load() == 0:
		return 0
	}
	for i, err := range failures { // in input order, as Map returns them
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", urls[i], err)
		}
	}
	return 1
}

// get fetches url and returns its body.
func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, errors.Unwrap(err) // a *url.Error, which repeats the URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	// Documents are small: read whole, then saved. For large files, copy the
	// body into the file instead, telling its errors from the disk's.
	return io.ReadAll(resp.Body)
}

// save writes data to a temporary file and renames it to name once it is
// whole, so that a failure or Ctrl-C leaves no partial file behind.
func save(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".part")
	err := os.WriteFile(tmp, data, 0o644)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
