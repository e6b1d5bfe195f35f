// Walk prints the SHA-256 of every file under a directory, sorted by path,
// as sha256sum does: work that finds more work, on mapx.Expand, where listing
// a directory adds its files and subdirectories. Directories are listed in
// parallel with the hashing, at most -limit of both at once.
//
//	go run ./examples/walk                  # the current directory
//	go run ./examples/walk -limit 4 ~/src > sums.txt && sha256sum -c sums.txt
//
// A symbolic link is hashed if it leads to a file, and skipped if it leads to
// a directory (so that no walk loops). A file or directory that cannot be
// read is reported and the walk goes on. Ctrl-C stops it at once. Exit
// status: 0 all read, 1 some could not be read, 2 a bad flag or root, 130
// Ctrl-C.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	flags := flag.NewFlagSet("walk", flag.ContinueOnError)
	flags.SetOutput(stderr)
	limit := flags.Int("limit", 16, "files hashed and directories listed at once")
	if flags.Parse(args) != nil || flags.NArg() > 1 || *limit < 1 {
		fmt.Fprintln(stderr, "usage: walk [-limit N] [DIR], N at least 1")
		return 2
	}
	root := "."
	if flags.NArg() == 1 {
		root = flags.Arg(0)
	}
	info, err := os.Stat(root)
	if err == nil && !info.IsDir() {
		err = fmt.Errorf("%s: not a directory", root)
	}
	if err != nil {
		fmt.Fprintln(stderr, "walk:", err)
		return 2
	}

	start := time.Now()
	w, err := walk(ctx, os.DirFS(root), *limit)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "interrupted after %d files\n", len(w.sums))
		return 130
	case err != nil:
		fmt.Fprintln(stderr, "walk:", err)
		return 2
	}
	name := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	byPath := func(a, b result) int { return strings.Compare(a.path, b.path) }
	slices.SortFunc(w.sums, byPath)
	for _, s := range w.sums {
		fmt.Fprintf(stdout, "%s  %s\n", s.hash, name(s.path))
	}
	slices.SortFunc(w.unreadable, byPath)
	for _, u := range w.unreadable {
		fmt.Fprintf(stderr, "walk: %s: %v\n", name(u.path), u.err)
	}
	fmt.Fprintf(stderr, "%d files, %d unreadable, in %v\n", len(w.sums), len(w.unreadable),
		time.Since(start).Round(time.Millisecond))
	if len(w.unreadable) > 0 {
		return 1
	}
	return 0
}

// An entry is a file or directory to read: an item of the walk.
type entry struct {
	path string // in the walk's fs.FS, slash-separated
	dir  bool
}

// A result is a file's hash, or why an entry could not be read.
type result struct {
	path string
	hash string
	err  error
}

// A walker is one walk's results, collected by its calls.
type walker struct {
	mu         sync.Mutex
	sums       []result
	unreadable []result
}

// walk hashes every file of fsys, at most limit files hashed and
// directories listed at once, and returns what it found, also when it
// stopped early. Its error is ctx's, if ctx ended.
func walk(ctx context.Context, fsys fs.FS, limit int) (*walker, error) {
	w := &walker{}
	err := mapx.Expand(ctx, []entry{{".", true}}, limit, func(ctx context.Context, e entry, more mapx.Adder[entry]) error {
		r := result{path: e.path}
		if e.dir {
			r.err = list(fsys, e.path, more)
		} else {
			r.hash, r.err = hash(ctx, fsys, e.path)
		}
		if ctx.Err() != nil {
			return ctx.Err() // Ctrl-C: stop; this entry is no one's fault
		}
		// An unreadable entry must not stop the walk: it is reported.
		var pe *fs.PathError
		if errors.As(r.err, &pe) {
			r.err = fmt.Errorf("%s: %w", pe.Op, pe.Err) // the path is printed apart
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		switch {
		case r.err != nil:
			w.unreadable = append(w.unreadable, r)
		case r.hash != "":
			w.sums = append(w.sums, r)
		}
		return nil
	})
	return w, err
}

// list adds the entries of directory dir: its subdirectories, files and
// links. Devices, pipes and sockets are skipped.
func list(fsys fs.FS, dir string, more mapx.Adder[entry]) error {
	entries, err := fs.ReadDir(fsys, dir)
	for _, e := range entries { // those read before an error, if one came
		switch t := e.Type(); {
		case t.IsDir():
			more.Add(entry{path.Join(dir, e.Name()), true})
		case t.IsRegular(), t&fs.ModeSymlink != 0:
			more.Add(entry{path.Join(dir, e.Name()), false})
		}
	}
	return err
}

// hash returns the hex SHA-256 of file name, or "" if it is not a regular
// file (a link to a directory). It stops reading when ctx ends.
func hash(ctx context.Context, fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name) // follows a link
	if err != nil {
		return "", err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader reads from r until ctx ends: a large file's hashing stops at
// Ctrl-C within one read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
