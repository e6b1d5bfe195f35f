// Download fetches many documents over HTTP, at most -limit at once, and
// tells what it got: the loop every crawler, backup tool and data loader
// starts with.
//
//	go run ./examples/download                    # 2000 documents from a local server
//	go run ./examples/download -urls urls.txt -out docs
//
// By default it starts a local server (server.go) whose documents come after a
// random delay, a few of them failing: a 500, a reset connection, a body that
// stalls past -timeout. A live line shows progress on a terminal; otherwise
// only the summary is printed. Ctrl-C stops it within a second, with a
// summary. Exit status: 0 all arrived, 1 some failed, 2 an error stopped the
// run, 130 interrupted.
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
	// After the first Ctrl-C, give the signal back: a second one kills at once.
	context.AfterFunc(ctx, stop)
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
	outDir := flags.String("out", "", "save the documents in `DIR`")
	if flags.Parse(args) != nil {
		return 2
	}
	fatal := func(err error) int { fmt.Fprintln(stderr, "download:", err); return 2 }
	var urls []string
	if *urlsFile == "" {
		srv := newServer(*n, 20*time.Millisecond, 10**timeout)
		defer srv.Close()
		urls = srv.urls
	} else if data, err := os.ReadFile(*urlsFile); err == nil {
		urls = strings.Fields(string(data))
	} else {
		return fatal(err)
	}
	docs := make([]doc, len(urls))
	for i, u := range urls {
		docs[i] = doc{name: fmt.Sprintf("%06d", i), url: u}
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return fatal(err)
		}
	}

	// One transport for the run, keeping up to limit idle connections per
	// host: the default keeps 2, and the other 48 would be closed and dialled
	// again for every request.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *limit
	defer transport.CloseIdleConnections()
	d := &downloader{client: &http.Client{Transport: transport}, timeout: *timeout,
		dir: *outDir, total: len(docs), start: time.Now()}

	// Map fits a list known in advance: one call, at most limit at once, the
	// results in input order. But Map stops at the first error, so fetch
	// gives a document's failure as its result, not as an error: a dead link
	// must not stop the other 1999. Errors are for what must stop the run: a
	// disk that takes no more files, and Ctrl-C.
	stopProgress := d.progress(stdout)
	failures, err := mapx.Map(ctx, docs, *limit, d.fetch)
	stopProgress()
	fmt.Fprintln(stdout, d.status())
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(stdout, "interrupted")
		return 130
	case err != nil:
		return fatal(err)
	case d.failed.Load() > 0:
		shown := 0
		for i, err := range failures { // in input order, as Map returns them
			if err != nil && shown < 10 {
				fmt.Fprintf(stdout, "%s: %v\n", docs[i].url, err)
				shown++
			}
		}
		if more := d.failed.Load() - int64(shown); more > 0 {
			fmt.Fprintf(stdout, "... and %d more failed\n", more)
		}
		return 1
	}
	return 0
}

// A doc is one document to fetch. It is saved under name, its place in the
// input: two URLs may end in the same file name.
type doc struct{ name, url string }

type downloader struct {
	client  *http.Client
	timeout time.Duration
	dir     string // where to save documents; "" to discard them
	total   int
	start   time.Time

	done, failed atomic.Int64 // read by the progress line while Map runs
}

// fetch downloads one document and returns why it failed, or nil. It
// returns an error, which stops Map, only for what is no document's fault.
func (d *downloader) fetch(ctx context.Context, doc doc) (failure, stop error) {
	// Each document gets its own deadline, covering the body too; Ctrl-C
	// (the end of ctx) still cuts it short.
	docCtx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	failure = d.get(docCtx, doc)
	var disk diskError
	switch {
	case errors.As(failure, &disk):
		return nil, failure // the next document would fail the same way
	case failure != nil && ctx.Err() != nil:
		return nil, ctx.Err() // the run is stopping: Ctrl-C, or a disk error
	case failure != nil:
		d.failed.Add(1)
	}
	d.done.Add(1)
	return failure, nil
}

func (d *downloader) get(ctx context.Context, doc doc) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, doc.url, nil)
	if err != nil {
		return err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode != http.StatusOK:
		return errors.New(resp.Status)
	case d.dir == "":
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return save(d.dir, doc.name, resp.Body)
}

// save writes body to a temporary file in dir and renames it to name once it
// is whole, so that a failed or interrupted download leaves nothing behind.
func save(dir, name string, body io.Reader) (err error) {
	f, err := os.CreateTemp(dir, name+".*.part")
	if err != nil {
		return diskError{err}
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(diskWriter{f}, body); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return diskError{err}
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return diskError{err}
	}
	return nil
}

// diskError marks a failure of this machine, not of a document.
type diskError struct{ error }

// diskWriter marks the file's errors, which io.Copy returns mixed with the
// body's. (Beware of wrapping f in a bufio.Writer to tell them apart: its
// ReadFrom keeps the body's errors as its own.)
type diskWriter struct{ f *os.File }

func (w diskWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = diskError{err}
	}
	return n, err
}

// progress starts a live status line if w is a terminal, and returns the
// function that stops it. Elsewhere (a file, a pipe) it prints nothing.
func (d *downloader) progress(w io.Writer) (stop func()) {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K") // erase the line, for the summary
				return
			case <-tick.C:
				fmt.Fprint(w, "\r", d.status())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// status returns one line: documents done, failures and rate.
func (d *downloader) status() string {
	done := d.done.Load()
	return fmt.Sprintf("%d/%d documents, %d failed, %.0f/s", done, d.total,
		d.failed.Load(), float64(done)/time.Since(d.start).Seconds())
}
