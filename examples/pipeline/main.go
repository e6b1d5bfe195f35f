// Pipeline hashes every line of a large input in parallel and writes the
// hashes in input order, one a line, with memory that stays flat whatever the
// input's size: it holds a few batches of lines at a time, never the input.
//
//	go run ./examples/pipeline | tail -n 3           # a generated million lines
//	go run ./examples/pipeline -in big.log > hashes.txt
//	zcat big.log.gz | go run ./examples/pipeline -in -
//
// Each line's hash is SHA-256 applied -rounds times over, a stand-in for the
// per-line work of a real pipeline (parsing, a regexp, a lookup): work that
// costs more than reading the line, or there is nothing to do in parallel.
// The summary goes to stderr. Ctrl-C stops it at once (exit status 130), or,
// while it waits for a line on stdin, when that line comes.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C, give the signal back: a second one kills at once.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the program but for the process, so that main_test.go can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	flags.SetOutput(stderr)
	in := flags.String("in", "", "hash the lines of `FILE` (- for stdin) instead of generated ones")
	n := flags.Int("n", 1_000_000, "lines to generate")
	limit := flags.Int("limit", 0, "lines hashed at once (0: one per CPU)")
	rounds := flags.Int("rounds", 8, "times to apply SHA-256 to each line")
	if flags.Parse(args) != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "pipeline:", err); return 1 }

	lines, readErr := generate(*n), func() error { return nil }
	switch *in {
	case "":
	case "-":
		lines, readErr = scan(stdin)
	default:
		f, err := os.Open(*in)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		lines, readErr = scan(f)
	}

	start := time.Now()
	count, err := hashLines(ctx, lines, *limit, *rounds, stdout)
	if err == nil {
		err = readErr() // the sequence ended early if reading failed
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "interrupted after %d lines\n", count)
		return 130
	case err != nil:
		return fail(err)
	}
	// HeapSys, the heap's memory from the OS, does not shrink: it tells the
	// most the heap ever took, a few MiB for 1e6 lines as for 1e8.
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	elapsed := time.Since(start)
	fmt.Fprintf(stderr, "%d lines in %v (%.0f lines/s), heap %.1f MiB\n", count,
		elapsed.Round(time.Millisecond), float64(count)/elapsed.Seconds(), float64(mem.HeapSys)/(1<<20))
	return 0
}

// hashLines writes the hash of each line of lines to w, in input order, and
// returns how many it wrote.
func hashLines(ctx context.Context, lines iter.Seq[string], limit, rounds int, w io.Writer) (int, error) {
	hash := func(_ context.Context, line string) ([]byte, error) {
		sum := sha256.Sum256([]byte(line))
		for range rounds - 1 {
			sum = sha256.Sum256(sum[:])
		}
		// Encoding here, on a worker, rather than in the loop below, keeps
		// the one goroutine that reads and writes free for reading and
		// writing.
		out := make([]byte, hex.EncodedLen(len(sum))+1)
		hex.Encode(out, sum[:])
		out[len(out)-1] = '\n'
		return out, nil
	}
	bw := bufio.NewWriter(w)
	count := 0
	// MapSeq hands lines to limit workers in small batches and yields the
	// results in input order. This loop's goroutine also pulls the lines
	// from the input, only as fast as it writes results: a slow output
	// slows the reading, and memory holds a few batches, never the input.
	for sum, err := range mapx.MapSeq(ctx, lines, limit, hash) {
		if err != nil {
			// fn failed, or ctx ended (Ctrl-C): the count lines go out whole.
			return count, errors.Join(err, bw.Flush())
		}
		if _, err := bw.Write(sum); err != nil {
			// Returning from the loop (a full disk, say) cancels the hashing
			// in flight, and MapSeq waits for it before we return.
			return count, err
		}
		count++
	}
	return count, bw.Flush()
}

// scan returns the lines of r as a sequence, and a function that tells why
// reading stopped early, if it did: an iter.Seq has no way to return an
// error, so the caller asks once the sequence is over.
func scan(r io.Reader) (iter.Seq[string], func() error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20) // lines of up to 1 MiB
	return func(yield func(string) bool) {
		for sc.Scan() {
			// Text copies the line. Bytes would not, and the next Scan
			// would overwrite it while a worker still hashes it.
			if !yield(sc.Text()) {
				return
			}
		}
	}, sc.Err
}

// generate returns a sequence of n lines, made as they are read.
func generate(n int) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := range n {
			if !yield(fmt.Sprintf("line %d: the quick brown fox jumps over the lazy dog", i)) {
				return
			}
		}
	}
}
