package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tree makes a directory of files in nested directories, with a link to a
// file and a link to a directory, and returns it with the lines that walk
// must print for it, sorted.
func tree(t *testing.T) (root string, want []string) {
	t.Helper()
	root = t.TempDir()
	write := func(name, content string) {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		want = append(want, hex.EncodeToString(sum[:])+"  "+path)
	}
	for i := range 40 {
		// 5 levels deep, and a few wide directories.
		write(filepath.Join(fmt.Sprint("d", i%5), fmt.Sprint("e", i%3), fmt.Sprint("f", i)), strings.Repeat("x", i*100))
	}
	write("top.txt", "top")
	write("d1/e1/g/h/i/deep.txt", "deep")
	if err := os.MkdirAll(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A link to a file is hashed under its own name; one to a directory is
	// skipped, so that no walk loops.
	if err := os.Symlink("top.txt", filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("top"))
	want = append(want, hex.EncodeToString(sum[:])+"  "+filepath.Join(root, "link.txt"))
	if err := os.Symlink(".", filepath.Join(root, "d0", "loop")); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a[66:], b[66:]) }) // by path
	return root, want
}

// lines splits output into its lines.
func lines(output string) []string {
	return strings.Split(strings.TrimSuffix(output, "\n"), "\n")
}

// Every file, and the link to a file, is hashed once and printed sorted by
// path, as sha256sum prints them, whatever the limit.
func TestWalk(t *testing.T) {
	root, want := tree(t)
	for _, limit := range []string{"1", "3", "16"} {
		t.Run("limit="+limit, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(t.Context(), []string{"-limit", limit, root}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit status %d, want 0; stderr:\n%s", code, &stderr)
			}
			if diff := cmp.Diff(want, lines(stdout.String())); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if summary := fmt.Sprintf("%d files, 0 unreadable, in ", len(want)); !strings.HasPrefix(stderr.String(), summary) {
				t.Errorf("stderr %q, want it to begin %q", &stderr, summary)
			}
		})
	}
}

// A link that leads nowhere cannot be read: it is reported, the other files
// are hashed, and the exit status is 1.
func TestUnreadable(t *testing.T) {
	root, want := tree(t)
	broken := filepath.Join(root, "d2", "broken")
	if err := os.Symlink("nowhere", broken); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{root}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, &stderr)
	}
	if diff := cmp.Diff(want, lines(stdout.String())); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if line := "walk: " + broken + ": open: no such file or directory\n"; !strings.HasPrefix(stderr.String(), line) {
		t.Errorf("stderr %q, want it to begin %q", &stderr, line)
	}
}

func TestBadArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-limit", "many"}, {"-limit", "0"}, {"a", "b"}, {file}, {filepath.Join(file, "missing")},
	} {
		var stdout, stderr strings.Builder
		if code := run(t.Context(), args, &stdout, &stderr); code != 2 || stdout.Len() > 0 {
			t.Errorf("run(%q): exit status %d, stdout %q; want 2 and nothing", args, code, &stdout)
		}
		if strings.Contains(stderr.String(), "<nil>") {
			t.Errorf("run(%q): stderr %q", args, &stderr)
		}
	}
}

// Ctrl-C before the walk begins: nothing is read, exit status 130.
func TestInterruptedAtOnce(t *testing.T) {
	root, _ := tree(t)
	ctx, interrupt := context.WithCancel(t.Context())
	interrupt()
	var stdout, stderr strings.Builder
	if code := run(ctx, []string{root}, &stdout, &stderr); code != 130 {
		t.Fatalf("exit status %d, want 130", code)
	}
	if stdout.Len() > 0 || stderr.String() != "interrupted after 0 files\n" {
		t.Errorf("stdout %q, stderr %q; want nothing and the interruption", &stdout, &stderr)
	}
}

// interrupting opens files and directories in fsys, and cancels the walk
// at the open numbered at: it counts the opens after that.
type interrupting struct {
	fs.FS
	at        int64
	cancel    context.CancelFunc
	opens     atomic.Int64
	afterStop atomic.Int64
}

func (f *interrupting) Open(name string) (fs.File, error) {
	switch n := f.opens.Add(1); {
	case n == f.at:
		f.cancel()
	case n > f.at:
		f.afterStop.Add(1)
	}
	return f.FS.Open(name)
}

// Ctrl-C in the middle of the walk stops it: it returns ctx's error, and
// at most one open per other call in flight follows the interruption.
func TestInterruptMidway(t *testing.T) {
	root, want := tree(t)
	const limit = 4
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	fsys := &interrupting{FS: os.DirFS(root), at: 10, cancel: interrupt}
	w, err := walk(ctx, fsys, limit)
	if err != context.Canceled {
		t.Fatalf("walk() = %v, want %v", err, context.Canceled)
	}
	if n := fsys.afterStop.Load(); n >= limit {
		t.Errorf("%d opens after the interruption, want fewer than %d", n, limit)
	}
	if len(w.sums) >= len(want) {
		t.Errorf("%d files hashed, want fewer than all %d", len(w.sums), len(want))
	}
}
