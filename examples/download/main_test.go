package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// summary parses the summary line.
func summary(t *testing.T, line string) (done, total, retries, failed, most int) {
	t.Helper()
	m := summaryLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("summary %q is not of the form %q", line, summaryLine)
	}
	n := make([]int, 5)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n[0], n[1], n[2], n[3], n[4]
}

var summaryLine = regexp.MustCompile(`^(\d+)/(\d+) documents in [0-9.]+m?s, (\d+) retries, (\d+) failed, at most (\d+) downloads at once$`)

// The default run against the local server: the faults it injects are
// retried, every document is saved whole, 50 downloads run at once, and the
// exit status is 0 after one line of summary.
func TestLocalServer(t *testing.T) {
	const n = 250
	dir := t.TempDir()
	var stdout, stderr strings.Builder
	// The timeout leaves 25 times the server's 20 ms for a healthy document,
	// on two loaded cores under -race.
	code := run(t.Context(), []string{"-n", strconv.Itoa(n), "-timeout", "500ms", "-out", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit status %d, want 0; stdout:\n%sstderr:\n%s", code, &stdout, &stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Errorf("%d lines of output, want the summary alone:\n%s", len(lines), &stdout)
	}
	faulty := 0
	for i := range n {
		if faultOf(i, 1, 0) != healthy {
			faulty++
		}
	}
	done, total, retries, failed, most := summary(t, lines[0])
	// A healthy document may be retried too, if the machine is slow enough
	// for its attempt to time out.
	if done != n || total != n || failed != 0 || retries < faulty {
		t.Errorf("summary %q, want %d/%d documents, at least %d retries, none failed", lines[0], n, n, faulty)
	}
	if most != 50 {
		t.Errorf("at most %d downloads at once, want the limit, 50", most)
	}

	names := readDir(t, dir)
	if len(names) != n {
		t.Fatalf("saved %d files, want %d: %v", len(names), n, names)
	}
	for i, name := range names {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); name != fmt.Sprintf("%06d", i) || string(got) != document(i) {
			t.Errorf("file %s holds %d bytes, want document %d's %d", name, len(got), i, len(document(i)))
		}
	}
}

// -broken makes documents fail for good: each is reported with its error, in
// input order, after the summary, and the exit status says that some failed.
func TestBroken(t *testing.T) {
	const n, broken = 250, 50
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-n", strconv.Itoa(n), "-broken", strconv.Itoa(broken)}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, &stderr)
	}
	var wantFailed []string
	for i := broken - 1; i < n; i += broken {
		wantFailed = append(wantFailed, fmt.Sprintf("/doc/%d: 404 Not Found", i))
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if done, _, _, failed, _ := summary(t, lines[0]); done != n-len(wantFailed) || failed != len(wantFailed) {
		t.Errorf("summary %q, want %d done and %d failed", lines[0], n-len(wantFailed), len(wantFailed))
	}
	if got := lines[1:]; len(got) != len(wantFailed) {
		t.Errorf("%d failures listed, want %d:\n%s", len(got), len(wantFailed), strings.Join(got, "\n"))
	} else {
		for i, line := range got {
			if !strings.HasSuffix(line, wantFailed[i]) {
				t.Errorf("failure %d is %q, want one ending %q", i, line, wantFailed[i])
			}
		}
	}
}

// fetch retries what may pass, a few times, and nothing else.
func TestFetchRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // the answers, one per request; 0 stalls past the timeout
		want     string
		requests int
	}{
		{"500 then OK", []int{500, 200}, "doc", 2},
		{"503 twice then OK", []int{503, 503, 200}, "doc", 3},
		{"503 every time", []int{503, 503, 503, 200}, "503 Service Unavailable", 3},
		{"timeout then OK", []int{0, 200}, "doc", 2},
		{"404 is for good", []int{404, 200}, "404 Not Found", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch code := tt.statuses[requests.Add(1)-1]; code {
				case 0:
					<-r.Context().Done() // the client's timeout
				case 200:
					w.Write([]byte("doc"))
				default:
					w.WriteHeader(code)
				}
			}))
			defer srv.Close()
			var retries atomic.Int64
			client := &http.Client{Timeout: 100 * time.Millisecond}
			body, err := fetch(t.Context(), client, srv.URL, &retries)
			got := string(body)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want || requests.Load() != int64(tt.requests) || retries.Load() != int64(tt.requests-1) {
				t.Errorf("fetch() = %q after %d requests, %d retries; want %q after %d",
					got, requests.Load(), retries.Load(), tt.want, tt.requests)
			}
			client.CloseIdleConnections()
		})
	}
}

// Ctrl-C during the pause before a retry ends it: no further request.
func TestFetchCanceledDuringBackoff(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	var requests, retries atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	go func() {
		// Ctrl-C once fetch has counted the retry, just before it pauses.
		for retries.Load() == 0 {
			runtime.Gosched()
		}
		interrupt()
	}()
	_, err := fetch(ctx, client, srv.URL, &retries)
	if !errors.Is(err, context.Canceled) || requests.Load() != 1 {
		t.Errorf("fetch() = %v after %d requests, want context.Canceled after 1", err, requests.Load())
	}
}

// URLs from a file, all healthy: exit status 0.
func TestURLsFile(t *testing.T) {
	srv := newServer(30, 0, 0, 0)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "urls.txt")
	// Blank lines and spaces around the URLs are allowed.
	if err := os.WriteFile(file, []byte(strings.Join(srv.urls[:10], "\n\n")+"\n  \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-urls", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, want 0; stdout:\n%sstderr:\n%s", code, &stdout, &stderr)
	}
	if want := "10/10 documents in "; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("output %q, want it to begin %q", &stdout, want)
	}
}

// Ctrl-C in the middle of the run: exit status 130, and every file in the
// output directory is a whole document, one for each counted as done.
func TestInterrupt(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	var stalled atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		body := document(i)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if i < 20 {
			w.Write([]byte(body))
			return
		}
		// The rest send half a body and wait, so that Ctrl-C comes in the
		// middle of their downloads. The tenth of them presses it.
		w.Write([]byte(body[:len(body)/2]))
		http.NewResponseController(w).Flush()
		if stalled.Add(1) == 10 {
			interrupt()
		}
		<-r.Context().Done()
	}))
	defer srv.Close()

	var urls []string
	for i := range 100 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(file, []byte(strings.Join(urls, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"-urls", file, "-out", out, "-timeout", "1m"}, &stdout, &stderr)
	if code != 130 {
		t.Fatalf("exit status %d, want 130; stderr:\n%s", code, &stderr)
	}
	first, _, _ := strings.Cut(stdout.String(), "\n")
	done, total, _, failed, _ := summary(t, first)
	if !strings.HasSuffix(stdout.String(), "\ninterrupted\n") || total != 100 || failed != 0 {
		t.Errorf("output %q, want 0 failed of 100, then interrupted", &stdout)
	}
	names := readDir(t, out)
	if len(names) != done {
		t.Errorf("%d files saved %v, but %d documents done", len(names), names, done)
	}
	for _, name := range names {
		i, err := strconv.Atoi(name)
		if got, _ := os.ReadFile(filepath.Join(out, name)); err != nil || i >= 20 || string(got) != document(i) {
			t.Errorf("file %s is not a whole healthy document (%d bytes)", name, len(got))
		}
	}
}

// A disk that takes no more files stops the run with exit status 2: every
// further document would fail the same way.
func TestDiskFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	var removeOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every response waits for the output directory to be gone.
		removeOnce.Do(func() { os.RemoveAll(out) })
		w.Write([]byte("doc"))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(file, []byte(strings.Repeat(srv.URL+"\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-urls", file, "-out", out}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit status %d, want 2; stdout:\n%s", code, &stdout)
	}
	if !strings.Contains(stderr.String(), "download: ") || !strings.Contains(stderr.String(), "no such file") {
		t.Errorf("stderr %q, want the disk's error", &stderr)
	}
}

// A document whose file cannot take its name stops the run with exit
// status 2 and leaves no partial file behind.
func TestRenameFailure(t *testing.T) {
	srv := newServer(5, 0, 0, 0)
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(file, []byte(strings.Join(srv.urls, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	// A directory where document 3's file should go: the rename fails.
	if err := os.MkdirAll(filepath.Join(out, "000003", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-urls", file, "-out", out, "-limit", "1"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit status %d, want 2; stdout:\n%s", code, &stdout)
	}
	if !strings.Contains(stderr.String(), "000003") {
		t.Errorf("stderr %q, want the rename's error", &stderr)
	}
	if got, want := fmt.Sprint(readDir(t, out)), "[000000 000001 000002 000003]"; got != want {
		t.Errorf("files %s, want %s", got, want)
	}
}

func TestBadFlag(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-limit", "many"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
}

// readDir returns the names of the files in dir, sorted, and fails the test
// if one of them is a leftover partial file.
func readDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".part") {
			t.Errorf("partial file %s left behind", e.Name())
		}
		names = append(names, e.Name())
	}
	return names
}
