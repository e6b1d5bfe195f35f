package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// want returns the output for lines, computed one line after another.
func want(lines []string, rounds int) string {
	var b strings.Builder
	for _, line := range lines {
		sum := sha256.Sum256([]byte(line))
		for range rounds - 1 {
			sum = sha256.Sum256(sum[:])
		}
		b.WriteString(hex.EncodeToString(sum[:]) + "\n")
	}
	return b.String()
}

// The hashes of stdin's lines come out in input order, as a loop would write
// them, whatever the limit.
func TestStdin(t *testing.T) {
	var lines []string
	for i := range 3000 {
		// Lines of different lengths take different times to hash, so
		// workers finish out of order.
		lines = append(lines, strings.Repeat(fmt.Sprint(i), i%50))
	}
	input := strings.Join(lines, "\n") + "\n"
	for _, limit := range []string{"1", "3", "16"} {
		t.Run("limit="+limit, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(t.Context(), []string{"-in", "-", "-limit", limit, "-rounds", "3"},
				strings.NewReader(input), &stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit status %d, stderr: %s", code, &stderr)
			}
			if stdout.String() != want(lines, 3) {
				t.Errorf("hashes differ from a sequential computation")
			}
			if !strings.HasPrefix(stderr.String(), "3000 lines in ") {
				t.Errorf("summary %q, want it to begin with 3000 lines", &stderr)
			}
		})
	}
}

// With no -in, the lines are generated.
func TestGenerated(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-n", "2000"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, &stderr)
	}
	var lines []string
	for line := range generate(2000) {
		lines = append(lines, line)
	}
	if stdout.String() != want(lines, 8) {
		t.Errorf("hashes differ from a sequential computation")
	}
}

func TestFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.txt")
	lines := []string{"first", "", strings.Repeat("long ", 20000), "last, with no newline"}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-in", file, "-rounds", "1"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, &stderr)
	}
	if stdout.String() != want(lines, 1) {
		t.Errorf("got\n%swant\n%s", &stdout, want(lines, 1))
	}

	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"-in", file + ".missing"}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("exit status %d for a missing file, want 1", code)
	}
}

// A read error in the middle of the input is reported, after the lines read
// before it.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	stdin := io.MultiReader(strings.NewReader("a\nb\n"), iotest.ErrReader(boom))
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-in", "-", "-rounds", "1"}, stdin, &stdout, &stderr); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	if stdout.String() != want([]string{"a", "b"}, 1) || stderr.String() != "pipeline: disk on fire\n" {
		t.Errorf("stdout %q, stderr %q: want the hashes of a and b, then the error", &stdout, &stderr)
	}
}

// Ctrl-C during an input that would take hours: exit status 130 at once.
func TestInterrupt(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	var out strings.Builder
	stdout := writerFunc(func(p []byte) (int, error) { interrupt(); return out.Write(p) })
	var stderr strings.Builder
	if code := run(ctx, []string{"-n", "1000000000000"}, nil, stdout, &stderr); code != 130 {
		t.Fatalf("exit status %d, want 130; stderr: %s", code, &stderr)
	}
	var count int
	if _, err := fmt.Sscanf(stderr.String(), "interrupted after %d lines", &count); err != nil {
		t.Fatalf("stderr %q, want it to say interrupted: %v", &stderr, err)
	}
	// Every line counted went out, whole.
	if lines := strings.Count(out.String(), "\n"); lines != count || !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("%d lines written, the last one cut: %v; want the %d counted", lines, !strings.HasSuffix(out.String(), "\n"), count)
	}
}

// When the output fails (a closed pipe), the reading stops soon after, even
// from an endless input: MapSeq reads only as fast as results are taken, and
// holds at most 2*limit batches of 256 lines.
func TestOutputFails(t *testing.T) {
	const limit = 4
	read := 0
	endless := func(yield func(string) bool) {
		for ; ; read++ {
			if !yield(fmt.Sprint(read)) {
				return
			}
		}
	}
	closed := errors.New("broken pipe")
	written := 0
	out := writerFunc(func(p []byte) (int, error) {
		if written > 100_000 {
			return 0, closed
		}
		written += len(p)
		return len(p), nil
	})
	count, err := hashLines(t.Context(), endless, limit, 1, out)
	if !errors.Is(err, closed) {
		t.Fatalf("hashLines returned %d, %v; want %v", count, err, closed)
	}
	if max := count + 2*limit*256; read > max {
		t.Errorf("%d lines read for %d written, want at most %d", read, count, max)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
