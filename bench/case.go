package bench

import (
	"fmt"
	"testing"
)

// Case is one workload done by one contender.
type Case struct {
	Workload  *Workload
	Contender *Contender
}

// Supported reports whether the contender has a way to do the workload.
func (c Case) Supported() bool { return c.Workload.supports(c.Contender) }

// Name returns "Workload/contender", the name go test gives the case's
// benchmark.
func (c Case) Name() string { return c.Workload.Name + "/" + c.Contender.Name }

// Check does the workload once with the given number of items and returns an
// error that says what was wrong with the output, or nil.
//
// Check panics if the case is not [Case.Supported].
func (c Case) Check(items int) error {
	c.mustBeSupported()
	t := c.Workload.prepare(c.Contender, items)
	defer t.release()
	t.run()
	if err := t.check(); err != nil {
		return fmt.Errorf("%s with %d items: %w", c.Name(), items, err)
	}
	return nil
}

// Bench runs the case as a benchmark: b.N operations on [Workload.Size]
// items each, after building the input and the expected output (and, for a
// shared pool, the pool) outside the timer. Limits that follow GOMAXPROCS
// read it when each operation starts. It reports allocations, ns/item and
// the workload's [Workload.Metric], and fails b when the last operation's
// output is wrong.
//
// Bench panics if the case is not [Case.Supported].
func (c Case) Bench(b *testing.B) {
	c.mustBeSupported()
	items := c.Workload.Size()
	t := c.Workload.prepare(c.Contender, items)
	defer t.release()
	b.ReportAllocs()
	// A b.N loop, not b.Loop: b.Loop measures everything in the benchmark's
	// first call, which go test makes before it sets GOMAXPROCS to the
	// first value of -cpu (golang.org/issue/49980), so -cpu 1,2 would time
	// the first value at the wrong GOMAXPROCS. With b.N, that first call is
	// only the N=1 probe.
	b.ResetTimer()
	for range b.N {
		t.run()
	}
	b.StopTimer()
	if err := t.check(); err != nil {
		b.Fatalf("%s: %v", c.Name(), err)
	}
	nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(nsPerOp/float64(items), "ns/item")
	if c.Workload.Metric != "" {
		b.ReportMetric(t.metric(b.N, nsPerOp), c.Workload.Metric)
	}
}

func (c Case) mustBeSupported() {
	if !c.Supported() {
		panic(fmt.Sprintf("bench: %s: %s has no way to do %s",
			c.Name(), c.Contender.Name, c.Workload.Name))
	}
}

// release calls t.close, if there is one.
func (t *trial) release() {
	if t.close != nil {
		t.close()
	}
}
