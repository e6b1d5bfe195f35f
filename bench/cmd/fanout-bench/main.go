// Command fanout-bench runs every workload of package bench by fanout and by
// its peers a few times, prints Markdown tables of the medians (for each
// GOMAXPROCS a summary, then a table a workload with ns/item, allocs/op, B/op,
// the ratios to the hand-written reference and to fanout, and the workload's
// own metric; below a peer's own workload, its published figures), and draws
// them as a chart.
//
// Usage:
//
//	go -C bench run ./cmd/fanout-bench [flags]
//
// Flags:
//
//	-workloads list   workloads to run, comma-separated (default: all)
//	-contenders list  contenders to run, comma-separated (default: all)
//	-runs n           runs of each case; the table shows medians (default 5)
//	-cpu list         GOMAXPROCS values to run at, comma-separated, to show
//	                  scaling with cores (default: 1, 2, 4, ... up to
//	                  GOMAXPROCS, and GOMAXPROCS itself: 1,2,4,8,16 on 16
//	                  cores)
//	-benchtime d      time each run aims for, as go test's -benchtime (default 300ms)
//	-json             print JSON instead of the table
//	-chart files      charts to draw, comma-separated, .png or .svg (default:
//	                  none; the committed chart is -chart results.png)
//
// While it runs, a line on stderr says which case runs, how many of how many
// runs are done and how long it has taken, when stderr is a terminal;
// elsewhere (a pipe, a file, CI's log) nothing but the result is printed.
// Every case runs through bench.Case.Bench, the function go test -bench
// runs, so the two agree.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fanout-bench:", err)
		os.Exit(1)
	}
}

// run is the command, with its output and progress going to stdout and
// stderr.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fanout-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		workloads  = fs.String("workloads", "", "workloads to run, comma-separated (default: all)")
		contenders = fs.String("contenders", "", "contenders to run, comma-separated (default: all)")
		runs       = fs.Int("runs", 5, "runs of each case; the table shows medians")
		cpu        = fs.String("cpu", defaultCPUs(runtime.GOMAXPROCS(0)), "GOMAXPROCS values, comma-separated")
		benchtime  = fs.String("benchtime", "300ms", "time each run aims for, as go test's -benchtime")
		asJSON     = fs.Bool("json", false, "print JSON instead of the table")
		chart      = fs.String("chart", "", "charts to draw, comma-separated, .png or .svg")
	)
	if err := fs.Parse(args); err == flag.ErrHelp {
		return nil // the usage is printed
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ws, err := pick(*workloads, bench.Workloads, func(w *bench.Workload) string { return w.Name })
	if err != nil {
		return err
	}
	cs, err := pick(*contenders, bench.Contenders, func(c *bench.Contender) string { return c.Name })
	if err != nil {
		return err
	}
	cpus, err := parseCPUs(*cpu)
	if err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("-runs %d: need at least 1", *runs)
	}
	var charts []string
	for _, path := range strings.Split(*chart, ",") {
		if path = strings.TrimSpace(path); path != "" {
			// Checked now, not after minutes of measuring.
			if ext := filepath.Ext(path); ext != ".png" && ext != ".svg" {
				return fmt.Errorf("-chart %s: want a .png or .svg file", path)
			}
			charts = append(charts, path)
		}
	}
	// testing.Benchmark reads go test's flags; only -test.benchtime matters.
	testing.Init()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		return fmt.Errorf("-benchtime %s: %v", *benchtime, err)
	}

	m := &measurer{runs: *runs, out: stderr, terminal: isTerminal(stderr)}
	results, err := m.measure(cpus, ws, cs)
	if err != nil {
		return err
	}
	rep := newReport(results, ws, cs, *runs, *benchtime, m.loads)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.writeMarkdown(stdout)
	}
	for _, path := range charts {
		if err := drawChart(path, rep); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "fanout-bench: chart written to", path)
	}
	return nil
}

// pick returns the elements of all named in the comma-separated list, in
// the order of all, or all of them for an empty list.
func pick[T any](list string, all []T, name func(T) string) ([]T, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		want[strings.ToLower(strings.TrimSpace(n))] = true
	}
	var out []T
	for _, x := range all {
		if n := strings.ToLower(name(x)); want[n] {
			out = append(out, x)
			delete(want, n)
		}
	}
	if len(want) > 0 {
		var names []string
		for _, x := range all {
			names = append(names, name(x))
		}
		for n := range want {
			return nil, fmt.Errorf("unknown name %q (have %s)", n, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// defaultCPUs returns the GOMAXPROCS values run by default: the powers of
// two below most, then most.
func defaultCPUs(most int) string {
	var list []string
	for n := 1; n < most; n *= 2 {
		list = append(list, strconv.Itoa(n))
	}
	return strings.Join(append(list, strconv.Itoa(most)), ",")
}

func parseCPUs(list string) ([]int, error) {
	var cpus []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-cpu %q: want a comma-separated list of positive counts", list)
		}
		cpus = append(cpus, n)
	}
	return cpus, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
