package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/fanout-go/fanout/bench"
)

// Report is everything a run found and where: what -json prints and what the
// table and the chart show.
type Report struct {
	// Small is set when the workloads ran at their small sizes, as under
	// the race detector, where timings mean nothing.
	Small     bool   `json:"small,omitempty"`
	Go        string `json:"go"`
	Platform  string `json:"platform"`
	CPUModel  string `json:"cpu_model,omitempty"`
	NumCPU    int    `json:"num_cpu"`
	Runs      int    `json:"runs"`
	Benchtime string `json:"benchtime"`
	// Load is the 1-minute load average seen before the runs: min, median
	// and max, or nil where the system doesn't tell.
	Load    *Load    `json:"load,omitempty"`
	Modules []Module `json:"modules"`
	Results []Result `json:"results"`

	workloads  []*bench.Workload
	contenders []*bench.Contender
}

// Load sums up the load averages seen while measuring.
type Load struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// Module is the version of a module whose code a contender runs.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

func newReport(results []Result, ws []*bench.Workload, cs []*bench.Contender,
	runs int, benchtime string, loads []float64) *Report {
	var load *Load
	if len(loads) > 0 {
		load = &Load{slices.Min(loads), median(loads), slices.Max(loads)}
	}
	small := false
	for _, w := range ws {
		small = small || w.Size() != w.Items
	}
	return &Report{
		Small:      small,
		Load:       load,
		Go:         runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		CPUModel:   cpuModel(),
		NumCPU:     runtime.NumCPU(),
		Runs:       runs,
		Benchtime:  benchtime,
		Modules:    modules(cs),
		Results:    results,
		workloads:  ws,
		contenders: cs,
	}
}

// modules returns the versions of the contenders' modules and of the
// plotting library, as built into this binary.
func modules(cs []*bench.Contender) []Module {
	want := []string{}
	for _, c := range cs {
		if c.Module != "" && !slices.Contains(want, c.Module) {
			want = append(want, c.Module)
		}
	}
	want = append(want, "gonum.org/v1/plot")
	info, ok := debug.ReadBuildInfo()
	var out []Module
	for _, path := range want {
		v := "unknown"
		for _, d := range info.Deps {
			if ok && d.Path == path {
				v = d.Version
				if d.Replace != nil && (d.Replace.Version == "" || d.Replace.Version == "(devel)") {
					v = "this checkout (replaced by " + d.Replace.Path + ")"
				}
			}
		}
		out = append(out, Module{path, v})
	}
	return out
}

// cpuModel returns the processor's name from /proc/cpuinfo, or "" where
// there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// find returns the result of a case at one GOMAXPROCS, or nil.
func (r *Report) find(cpu int, workload, contender string) *Result {
	for i := range r.Results {
		x := &r.Results[i]
		if x.CPU == cpu && x.Workload == workload && x.Contender == contender {
			return x
		}
	}
	return nil
}

// cpus returns the GOMAXPROCS values of the results, in the order run.
func (r *Report) cpus() []int {
	var cpus []int
	for _, x := range r.Results {
		if len(cpus) == 0 || cpus[len(cpus)-1] != x.CPU {
			cpus = append(cpus, x.CPU)
		}
	}
	return cpus
}

// writeMarkdown writes the report as Markdown: where it ran, then for each
// GOMAXPROCS an overview of ns/item and a table for each workload.
func (r *Report) writeMarkdown(w io.Writer) {
	fmt.Fprintf(w, "%s %s, %s (%d CPUs); %d runs of each case, %s each; medians.\n\n",
		r.Go, r.Platform, r.CPUModel, r.NumCPU, r.Runs, r.Benchtime)
	if r.Small {
		fmt.Fprintf(w, "The workloads ran at their small sizes, built with the race detector: the times mean nothing.\n\n")
	}
	if r.Load != nil {
		fmt.Fprintf(w, "Load average (1 min) before each run: min %s, median %s, max %s.\n\n",
			num(r.Load.Min), num(r.Load.Median), num(r.Load.Max))
	}
	fmt.Fprintf(w, "| module | version |\n|---|---|\n")
	for _, m := range r.Modules {
		fmt.Fprintf(w, "| %s | %s |\n", m.Path, m.Version)
	}
	for _, cpu := range r.cpus() {
		fmt.Fprintf(w, "\n## GOMAXPROCS=%d\n\nMedian ns/item; n/a: the contender has no way to do the workload.\n\n| contender |", cpu)
		for _, wl := range r.workloads {
			fmt.Fprintf(w, " %s |", wl.Name)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(r.workloads)))
		for _, c := range r.contenders {
			fmt.Fprintf(w, "| %s |", c.Name)
			for _, wl := range r.workloads {
				fmt.Fprintf(w, " %s |", cell(r.find(cpu, wl.Name, c.Name), func(x *Result) string { return num(x.NsPerItem) }))
			}
			fmt.Fprintln(w)
		}
		for _, wl := range r.workloads {
			r.writeWorkload(w, cpu, wl)
		}
	}
}

func (r *Report) writeWorkload(w io.Writer, cpu int, wl *bench.Workload) {
	fmt.Fprintf(w, "\n### %s: %s\n\n", wl.Name, wl.Title)
	head, rule := "| contender | ns/item | allocs/op | B/op | × reference | × fanout |", "|---|---:|---:|---:|---:|---:|"
	if wl.Metric != "" {
		head, rule = head+" "+wl.Metric+" |", rule+"---:|"
	}
	fmt.Fprintf(w, "%s\n%s\n", head, rule)
	for _, c := range r.contenders {
		x := r.find(cpu, wl.Name, c.Name)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |", c.Name,
			cell(x, func(x *Result) string { return num(x.NsPerItem) }),
			cell(x, func(x *Result) string { return num(x.Allocs) }),
			cell(x, func(x *Result) string { return num(x.Bytes) }),
			cell(x, func(x *Result) string { return ratio(x.VsReference) }),
			cell(x, func(x *Result) string { return ratio(x.VsFanout) }))
		if wl.Metric != "" {
			fmt.Fprintf(w, " %s |", cell(x, func(x *Result) string { return metric(x) }))
		}
		fmt.Fprintln(w)
	}
	if wl.Published != nil {
		r.writePublished(w, cpu, wl)
	}
}

// writePublished writes, below a peer workload's table, what the peer's
// project published for it, and the ratios that compare across machines:
// each published time over the peer's own there, beside each contender's
// over the peer's here, fanout's last.
func (r *Report) writePublished(w io.Writer, cpu int, wl *bench.Workload) {
	p := wl.Published
	fmt.Fprintf(w, "\nPublished by %s: %s; on %s.\n", p.Peer, p.Source, p.Machine)
	if p.Words != "" {
		fmt.Fprintf(w, "In words: \"%s\"\n", p.Words)
	}
	peer := r.find(cpu, wl.Name, p.Peer)
	// overPeer formats a result's time over the peer's here.
	overPeer := func(x *Result) string {
		return cell(x, func(x *Result) string {
			if peer == nil || peer.NA {
				return "–"
			}
			return num(x.NsPerOp / peer.NsPerOp)
		})
	}
	var peerThere float64
	for _, f := range p.Figures {
		if f.Peer {
			peerThere = f.NsPerOp
		}
	}
	fmt.Fprintf(w, "\n| there | ms there | ÷ %s there | here | ms here | ÷ %s here |\n|---|---:|---:|---|---:|---:|\n",
		p.Peer, p.Peer)
	peerShown := false
	for _, f := range p.Figures {
		here, ms, ratio := "–", "", ""
		peerShown = peerShown || f.Contender == p.Peer
		if f.Contender != "" {
			x := r.find(cpu, wl.Name, f.Contender)
			here, ms, ratio = f.Contender, cell(x, func(x *Result) string { return num(x.NsPerOp / 1e6) }), overPeer(x)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n",
			f.Label, num(f.NsPerOp/1e6), num(f.NsPerOp/peerThere), here, ms, ratio)
	}
	here := []string{"fanout"}
	if !peerShown {
		here = []string{p.Peer, "fanout"}
	}
	for _, name := range here {
		x := r.find(cpu, wl.Name, name)
		fmt.Fprintf(w, "| – | | | %s | %s | %s |\n", name, cell(x, func(x *Result) string { return num(x.NsPerOp / 1e6) }), overPeer(x))
	}
}

// metric formats a result's own metric: on the blocked-call workloads, a
// value that only a stall reaches says so.
func metric(x *Result) string {
	if x.Metric == "x-unblocked" && x.Value >= bench.BlockedStall {
		return num(x.Value) + " stalled"
	}
	return num(x.Value)
}

// cell formats one number of a result: "n/a" where the contender can't do
// the workload, "–" where it wasn't run.
func cell(x *Result, f func(*Result) string) string {
	switch {
	case x == nil:
		return "–"
	case x.NA:
		return "n/a"
	}
	return f(x)
}

// ratio formats a ratio to another contender's result, "–" where that
// contender wasn't run or can't do the workload.
func ratio(v float64) string {
	if v == 0 {
		return "–"
	}
	return num(v)
}

// num formats v with three significant digits, and no exponent.
func num(v float64) string {
	switch a := max(v, -v); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
