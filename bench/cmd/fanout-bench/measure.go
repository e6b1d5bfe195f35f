package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanout-go/fanout/bench"
)

// Result is the median of several runs of one case at one GOMAXPROCS, or
// NA when the contender has no way to do the workload.
type Result struct {
	CPU       int     `json:"cpu"`
	Workload  string  `json:"workload"`
	Contender string  `json:"contender"`
	NA        bool    `json:"na,omitempty"`
	Runs      int     `json:"runs,omitempty"`
	NsPerOp   float64 `json:"ns_per_op,omitempty"`
	NsPerItem float64 `json:"ns_per_item,omitempty"`
	Allocs    float64 `json:"allocs_per_op,omitempty"`
	Bytes     float64 `json:"bytes_per_op,omitempty"`
	// Metric and Value are the workload's own metric, such as x-ideal.
	Metric string  `json:"metric,omitempty"`
	Value  float64 `json:"value"` // 0 is a value: no late calls
	// VsReference and VsFanout are NsPerItem over the reference's and
	// fanout's, or 0 where either is missing.
	VsReference float64 `json:"vs_reference,omitempty"`
	VsFanout    float64 `json:"vs_fanout,omitempty"`
}

// measurer runs the cases and shows its progress on stderr.
type measurer struct {
	runs     int
	total    int // runs of all cases at all cpus, for the progress line
	done     int
	start    time.Time
	out      io.Writer // where the progress goes
	terminal bool      // whether out is a terminal, where one line is redrawn
	loads    []float64 // the 1-minute load average before each run, where known
}

// measure runs every case runs times at each GOMAXPROCS in cpus, through
// bench.Case.Bench under testing.Benchmark: the same code as go test -bench.
func (m *measurer) measure(cpus []int, workloads []*bench.Workload,
	contenders []*bench.Contender) ([]Result, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, w := range workloads {
		for _, c := range contenders {
			if (bench.Case{Workload: w, Contender: c}).Supported() {
				m.total += m.runs * len(cpus)
			}
		}
	}
	m.start = time.Now()
	var results []Result
	for _, cpu := range cpus {
		runtime.GOMAXPROCS(cpu)
		for _, w := range workloads {
			first := len(results)
			for _, c := range contenders {
				r, err := m.measureCase(cpu, bench.Case{Workload: w, Contender: c})
				if err != nil {
					return nil, err
				}
				results = append(results, r)
			}
			ratios(results[first:])
		}
	}
	m.progress("")
	return results, nil
}

func (m *measurer) measureCase(cpu int, c bench.Case) (Result, error) {
	r := Result{CPU: cpu, Workload: c.Workload.Name, Contender: c.Contender.Name,
		Metric: c.Workload.Metric}
	if !c.Supported() {
		r.NA = true
		return r, nil
	}
	var nsOp, allocs, bytes, values []float64
	for run := range m.runs {
		m.progress(fmt.Sprintf("cpu=%d %s run %d/%d", cpu, c.Name(), run+1, m.runs))
		if l, ok := loadAverage(); ok {
			m.loads = append(m.loads, l)
		}
		b := testing.Benchmark(c.Bench)
		m.done++
		if b.N == 0 {
			// Bench failed, and testing.Benchmark keeps no message: Check
			// says what was wrong.
			if err := c.Check(c.Workload.Size()); err != nil {
				return r, fmt.Errorf("cpu=%d %s failed: %v", cpu, c.Name(), err)
			}
			return r, fmt.Errorf("cpu=%d %s failed, but its output was right when run again", cpu, c.Name())
		}
		nsOp = append(nsOp, float64(b.T.Nanoseconds())/float64(b.N))
		allocs = append(allocs, float64(b.MemAllocs)/float64(b.N))
		bytes = append(bytes, float64(b.MemBytes)/float64(b.N))
		values = append(values, b.Extra[c.Workload.Metric])
	}
	r.Runs = m.runs
	r.NsPerOp = median(nsOp)
	r.NsPerItem = r.NsPerOp / float64(c.Workload.Size())
	r.Allocs, r.Bytes = median(allocs), median(bytes)
	if r.Metric != "" {
		r.Value = median(values)
	}
	return r, nil
}

// ratios fills in VsReference and VsFanout for the results of one workload
// at one GOMAXPROCS.
func ratios(rs []Result) {
	var ref, fan float64
	for _, r := range rs {
		switch {
		case r.NA:
		case r.Contender == "reference":
			ref = r.NsPerItem
		case r.Contender == "fanout":
			fan = r.NsPerItem
		}
	}
	for i := range rs {
		if rs[i].NA {
			continue
		}
		if ref > 0 {
			rs[i].VsReference = rs[i].NsPerItem / ref
		}
		if fan > 0 {
			rs[i].VsFanout = rs[i].NsPerItem / fan
		}
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// progress redraws the progress line, on a terminal only: what runs, the
// runs done of all, the time since the start. An empty what replaces the
// line with how many runs took how long.
func (m *measurer) progress(what string) {
	if !m.terminal {
		return
	}
	elapsed := time.Since(m.start).Round(time.Second)
	if what == "" {
		fmt.Fprintf(m.out, "\r\033[Kfanout-bench: %d runs in %s\n", m.done, elapsed)
		return
	}
	fmt.Fprintf(m.out, "\r\033[K[%*d/%d %5s] %s", len(fmt.Sprint(m.total)), m.done+1, m.total, elapsed, what)
}

// loadAverage returns the 1-minute load average from /proc/loadavg, and
// whether there is one. Other processes busy on the same cores skew every
// number, so the report says how busy the machine was.
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	l, err := strconv.ParseFloat(f[0], 64)
	return l, err == nil
}
