package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-go/fanout/bench"
	"github.com/fanout-go/fanout/bench/internal/leaktest"
)

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

// quick runs one cheap workload once per case, for the tests below.
var quick = []string{"-workloads", "PoolRoundTrip", "-contenders", "fanout,conc-iter,reference",
	"-runs", "1", "-benchtime", "1x"}

func TestRunTableAndCharts(t *testing.T) {
	dir := t.TempDir()
	svg, png := filepath.Join(dir, "c.svg"), filepath.Join(dir, "c.png")
	var stdout, stderr bytes.Buffer
	args := append(quick, "-cpu", "1,2", "-chart", svg+","+png)
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"## GOMAXPROCS=1", "## GOMAXPROCS=2", "### PoolRoundTrip",
		"| conc-iter | n/a |", "| reference |", "| fanout |",
		"| github.com/sourcegraph/conc | v0.3.0 |",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	// stderr is no terminal: no progress, only what was asked for.
	wantErr := "fanout-bench: chart written to " + svg + "\nfanout-bench: chart written to " + png + "\n"
	if stderr.String() != wantErr {
		t.Errorf("stderr is %q, want %q", stderr.String(), wantErr)
	}
	for path, magic := range map[string]string{svg: "<?xml", png: "\x89PNG"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s starts %q, want %q", path, b[:min(len(b), 8)], magic)
		}
		if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("%s.tmp left behind", path)
		}
	}
}

func TestRunJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(append(quick, "-json", "-chart", "", "-cpu", "1"), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.Contender] = r
	}
	if len(rep.Results) != 3 || !got["conc-iter"].NA || got["fanout"].NA {
		t.Errorf("results %+v: want fanout, conc-iter (n/a) and reference", rep.Results)
	}
	if r := got["reference"]; r.VsReference != 1 || r.NsPerItem <= 0 || r.Runs != 1 {
		t.Errorf("reference = %+v, want 1 run, ns/item > 0, 1× itself", r)
	}
}

func TestRunRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown workload", []string{"-workloads", "Nope"}},
		{"unknown contender", []string{"-contenders", "tunny"}},
		{"zero cpu", []string{"-cpu", "0"}},
		{"no runs", []string{"-runs", "0"}},
		{"bad benchtime", []string{"-benchtime", "soon"}},
		{"argument", []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(append(tt.args, "-chart", ""), &out, &out); err == nil {
				t.Errorf("run(%q) = nil, want an error", tt.args)
			}
		})
	}
}

// A chart file of another format is refused before anything is measured.
func TestRunRejectsChartFormatFirst(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"-workloads", "TinyMap", "-runs", "1", "-chart", "out.txt"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "out.txt") {
		t.Fatalf("run() = %v, want an error naming out.txt", err)
	}
	if out.Len() != 0 {
		t.Errorf("output before the error: %q", &out)
	}
}

// -h prints the usage and is not an error.
func TestRunHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-h"}, &out, &out); err != nil {
		t.Fatalf("run(-h) = %v", err)
	}
	if !strings.Contains(out.String(), "-chart") {
		t.Errorf("usage %q does not list -chart", &out)
	}
}

// On a terminal the progress line is redrawn in place: which case, how many
// runs of how many, the time so far; the last one says how many runs took
// how long.
func TestProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	m := &measurer{runs: 2, out: &out, terminal: true, total: 12, start: time.Now()}
	m.progress("cpu=2 TinyMap/fanout run 1/2")
	m.done++
	m.progress("cpu=2 TinyMap/fanout run 2/2")
	m.done++
	m.progress("")
	want := "\r\033[K[ 1/12    0s] cpu=2 TinyMap/fanout run 1/2" +
		"\r\033[K[ 2/12    0s] cpu=2 TinyMap/fanout run 2/2" +
		"\r\033[Kfanout-bench: 2 runs in 0s\n"
	if out.String() != want {
		t.Errorf("progress wrote %q, want %q", &out, want)
	}
}

func TestDefaultCPUs(t *testing.T) {
	for most, want := range map[int]string{1: "1", 2: "1,2", 3: "1,2,3", 12: "1,2,4,8,12", 16: "1,2,4,8,16"} {
		if got := defaultCPUs(most); got != want {
			t.Errorf("defaultCPUs(%d) = %q, want %q", most, got, want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{num(0), "0"},
		{num(0.00826), "0.00826"},
		{num(2.356), "2.36"},
		{num(64.04), "64.0"},
		{num(1090562.4), "1090562"},
		{ratio(0), "–"},
		{ratio(1), "1.00"},
		{duration(0.1), "0.1 ns"},
		{duration(100), "100 ns"},
		{duration(1e4), "10 µs"},
		{duration(1e6), "1 ms"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median(3, 1, 2) = %v, want 2", m)
	}
	if got := metric(&Result{Metric: "x-unblocked", Value: 1.04}); got != "1.04" {
		t.Errorf("metric(1.04) = %q, want 1.04", got)
	}
	if got := metric(&Result{Metric: "x-unblocked", Value: bench.BlockedStall + 3}); got != "23.0 stalled" {
		t.Errorf("metric(a stall) = %q, want \"23.0 stalled\"", got)
	}
	if got := metric(&Result{Metric: "x-ideal", Value: 25.3}); got != "25.3" {
		t.Errorf("metric(x-ideal 25.3) = %q, want 25.3", got)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median(4, 1, 3, 2) = %v, want 2.5", m)
	}
}

// Below a peer workload's table, each published time is set beside the
// same library's time here, both divided by the peer's own.
func TestPublishedRatios(t *testing.T) {
	w := bench.WorkloadNamed("PondRand")
	r := &Report{workloads: []*bench.Workload{w}, Results: []Result{
		{CPU: 2, Workload: w.Name, Contender: "pond", NsPerOp: 100e6},
		{CPU: 2, Workload: w.Name, Contender: "ants", NsPerOp: 300e6},
		{CPU: 2, Workload: w.Name, Contender: "fanout", NsPerOp: 50e6},
	}}
	var out bytes.Buffer
	r.writePublished(&out, 2, w)
	for _, want := range []string{
		"| Pond-Balanced | 206 | 1.00 | pond | 100 | 1.00 |",
		"| AntsPool | 512 | 2.48 | ants | 300 | 3.00 |",
		"| Gammazero | 557 | 2.70 | – |  |  |",
		"| – | | | fanout | 50.0 | 0.5 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, &out)
		}
	}
}
