package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The default run against the local server: every healthy document is saved
// whole, every faulty one is reported in input order, and the exit status
// says that some failed.
func TestLocalServer(t *testing.T) {
	const n = 250
	dir := t.TempDir()
	var stdout, stderr strings.Builder
	// The timeout leaves 25 times the server's 20 ms for a healthy document,
	// on two loaded cores under -race.
	code := run(t.Context(), []string{"-n", strconv.Itoa(n), "-timeout", "500ms", "-out", dir}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, &stderr)
	}

	var wantFiles, wantFailed []string
	for i := range n {
		if faultOf(i) == healthy {
			wantFiles = append(wantFiles, fmt.Sprintf("%06d", i))
		} else {
			wantFailed = append(wantFailed, fmt.Sprintf("/doc/%d: ", i))
		}
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if want := fmt.Sprintf("%d/%d documents, %d failed, ", n, n, len(wantFailed)); !strings.HasPrefix(lines[0], want) {
		t.Errorf("summary %q, want it to begin %q", lines[0], want)
	}
	if got := lines[1:]; len(got) != len(wantFailed) {
		t.Errorf("%d failures listed, want %d:\n%s", len(got), len(wantFailed), strings.Join(got, "\n"))
	} else {
		for i, line := range got {
			if !strings.Contains(line, wantFailed[i]) {
				t.Errorf("failure %d is %q, want one for %q", i, line, wantFailed[i])
			}
		}
	}

	names := readDir(t, dir)
	if fmt.Sprint(names) != fmt.Sprint(wantFiles) {
		t.Fatalf("saved %d files %v,\nwant %d %v", len(names), names, len(wantFiles), wantFiles)
	}
	for _, name := range names {
		i, _ := strconv.Atoi(name)
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != document(i) {
			t.Errorf("file %s holds %d bytes, want document %d's %d", name, len(got), i, len(document(i)))
		}
	}
}

// URLs from a file, all healthy: exit status 0.
func TestURLsFile(t *testing.T) {
	srv := newServer(30, 0, 0)
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
	if want := "10/10 documents, 0 failed, "; !strings.HasPrefix(stdout.String(), want) {
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
	var done, total, failed int
	if _, err := fmt.Sscanf(stdout.String(), "%d/%d documents, %d failed", &done, &total, &failed); err != nil {
		t.Fatalf("summary %q: %v", &stdout, err)
	}
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
	srv := newServer(5, 0, 0)
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
