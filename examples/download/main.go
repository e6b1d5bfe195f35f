// Download fetches many documents over HTTP, at most -limit at once, retries
// the failures that may pass, and reports the ones that did not.
//
//	go run ./examples/download                  # 2000 documents from a local server
//	go run ./examples/download -broken 100      # the same, every 100th gone for good
//	go run ./examples/download -urls urls.txt -out docs
//
// The local server (server.go) mistreats a few documents the first time they
// are asked for: a 500, a reset, a body that stalls past -timeout. Each is
// tried up to 3 times, so by default every document arrives. Ctrl-C stops
// the run within a second. Exit status: 0 all arrived, 1 some failed, 2 an
// error stopped it, 130 Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
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
	broken := flags.Int("broken", 0, "make every `N`th document of the local server fail for good")
	limit := flags.Int("limit", 50, "downloads at once")
	timeout := flags.Duration("timeout", 500*time.Millisecond, "time allowed for each attempt at a document")
	urlsFile := flags.String("urls", "", "fetch the URLs in `FILE`, one a line, instead")
	dir := flags.String("out", "", "save the documents in `DIR`")
	if flags.Parse(args) != nil {
		return 2
	}
	fatal := func(err error) int { fmt.Fprintln(stderr, "download:", err); return 2 }
	var urls []string
	if *urlsFile == "" {
		srv := newServer(*n, *broken, 20*time.Millisecond, 10*(*timeout))
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

	var retries, running, most atomic.Int64
	download := func(ctx context.Context, url string) ([]byte, error) {
		now := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		return fetch(ctx, client, url, &retries)
	}

	start := time.Now()
	done := 0
	var failed []mapx.Outcome[[]byte]
	status := func() string {
		return fmt.Sprintf("%d/%d documents in %v, %d retries, %d failed, at most %d downloads at once",
			done, len(urls), time.Since(start).Round(10*time.Millisecond), retries.Load(), len(failed), most.Load())
	}
	// On a terminal, the status line is rewritten at most every 100 ms: "\r"
	// goes back to the start of the line, "\033[K" erases it. Elsewhere (a
	// file, a pipe) only the summary is printed.
	var erase string
	if f, ok := stdout.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			erase = "\r\033[K"
		}
	}
	var shown time.Time

	// The outcomes come as the downloads finish, each with its place in the
	// input: a failed one does not stop the others. The loop body runs on
	// this goroutine alone, so it counts, saves and prints without locks.
	interrupted := false
	for o := range mapx.SettleSeq(ctx, slices.Values(urls), *limit, download) {
		switch {
		case errors.Is(o.Err, mapx.ErrCutShort):
			// Ctrl-C: what it cut short is no document's fault. The outcome
			// of Index -1, which comes last, says the run was interrupted.
			interrupted = o.Index < 0
			continue
		case o.Err != nil:
			failed = append(failed, o)
		case *dir != "":
			// Named after its place in the input: two URLs may end alike.
			if err := save(*dir, fmt.Sprintf("%06d", o.Index), o.Value); err != nil {
				// The next document would fail the same way (a full disk).
				// Returning cancels the downloads in flight and waits for them.
				return fatal(err)
			}
			fallthrough
		default:
			done++
		}
		if erase != "" && time.Since(shown) > 100*time.Millisecond {
			shown = time.Now()
			fmt.Fprint(stdout, erase, status())
		}
	}
	fmt.Fprintln(stdout, erase+status())
	if interrupted {
		fmt.Fprintln(stdout, "interrupted")
		return 130
	}
	if len(failed) == 0 {
		return 0
	}
	slices.SortFunc(failed, func(a, b mapx.Outcome[[]byte]) int { return a.Index - b.Index })
	for _, o := range failed {
		fmt.Fprintf(stdout, "%s: %v\n", urls[o.Index], o.Err)
	}
	return 1
}

// attempts is how many times fetch tries a document whose failure may pass.
const attempts = 3

// fetch gets url, and tries again after a short pause when the failure may
// pass: a 5xx status, a reset connection, a timeout. It counts the retries.
func fetch(ctx context.Context, client *http.Client, url string, retries *atomic.Int64) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		body, err := get(ctx, client, url)
		if err == nil || attempt == attempts || !transient(err) || ctx.Err() != nil {
			return body, err
		}
		retries.Add(1)
		// 50 ms, then 100 ms; Ctrl-C cuts the pause short.
		if !sleep(ctx, 50*time.Millisecond<<(attempt-1)) {
			return nil, ctx.Err()
		}
	}
}

// statusError is a response other than 200 OK.
type statusError struct {
	code   int
	status string
}

func (e *statusError) Error() string { return e.status }

// transient reports whether err may not happen again: a server error, a
// connection reset or cut short, a timeout.
func transient(err error) bool {
	var se *statusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return se.code >= 500
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// get fetches url once and returns its body.
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
		return nil, &statusError{resp.StatusCode, resp.Status}
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

// sleep waits for d, and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
