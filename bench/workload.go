package bench

import (
	"runtime"
	"time"
)

// Workload is one task that every [Contender] does its own way. The
// workloads are the values in [Workloads]; they must not be modified.
type Workload struct {
	// Name is the benchmark's name, such as "TinyMap".
	Name string
	// Title describes the workload in a few words, for tables and charts.
	Title string
	// Items is how many items one operation handles at full size.
	Items int
	// RaceItems is how many it handles under the race detector, where
	// timings mean nothing and every item costs many times more: small
	// enough that CI's one-iteration run of every benchmark stays quick,
	// and that no workload starts more goroutines than the race detector
	// allows (8128 at once). The package's tests check every contender's
	// output at this size in either build; a benchmark checks it at
	// [Workload.Size] after every run.
	RaceItems int
	// Metric is the unit of the workload's own metric, reported beside
	// ns/item, or "" when it has none.
	Metric string
	// Published is what a peer's project published for the benchmark that
	// the workload copies, or nil for the workloads of this project.
	Published *Publication

	supports func(c *Contender) bool
	prepare  func(c *Contender, items int) *trial
}

// Size returns how many items one operation handles in this build: Items,
// or RaceItems under the race detector.
func (w *Workload) Size() int {
	if raceEnabled {
		return w.RaceItems
	}
	return w.Items
}

// trial is one workload prepared for one contender: the input built and the
// expected output computed, outside the timed part.
type trial struct {
	run   func()       // one operation: the part that is timed
	check func() error // whether the last run's output was right
	// metric returns the value of [Workload.Metric] after ops runs that
	// took nsPerOp each.
	metric func(ops int, nsPerOp float64) float64
	// close, if not nil, releases what the trial keeps between runs (a
	// shared pool); it is called once, after the last check.
	close func()
}

// ioLimit is the I/O map's limit: at most this many calls sleep at once.
const ioLimit = 100

// Workloads lists the workloads: those of issue 5 in its order, then the
// peers' own benchmarks and the shapes of issue 14, then those of issue 19.
var Workloads = []*Workload{
	{
		Name: "TinyMap", Title: "tiny map: 100,000 × v*2", Items: 100_000, RaceItems: 5_000,
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare:  func(c *Contender, n int) *trial { return mapTrial(c, n, runtime.GOMAXPROCS(0), double, double) },
	},
	{
		Name: "CPUMap", Title: "CPU map: 10,000 × 1 µs", Items: 10_000, RaceItems: 1_000,
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare:  func(c *Contender, n int) *trial { return mapTrial(c, n, runtime.GOMAXPROCS(0), spin, spin) },
	},
	{
		Name: "IOMap", Title: "I/O map: 2,000 × 1 ms sleep, limit 100", Items: 2_000, RaceItems: 200,
		Metric:   "x-ideal",
		supports: func(c *Contender) bool { return c.Map != nil },
		prepare: func(c *Contender, n int) *trial {
			t := mapTrial(c, n, ioLimit, nap, napResult)
			t.metric = overIdeal(waves(n, ioLimit) * time.Millisecond)
			return t
		},
	},
	{
		Name: "FirstError", Title: "first error: 100,000 tiny, fails at item 1,000", Items: 100_000, RaceItems: 5_000,
		Metric:   "late-calls",
		supports: func(c *Contender) bool { return c.MapErr != nil },
		prepare:  firstErrorTrial,
	},
	{
		Name: "PoolRoundTrip", Title: "pool round trip: 100,000 tiny tasks", Items: 100_000, RaceItems: 5_000,
		supports: func(c *Contender) bool { return c.Pool != nil },
		prepare: func(c *Contender, n int) *trial {
			want := apply(iota(n), double)
			var got []int
			return &trial{
				run:   func() { got = c.Pool(n, runtime.GOMAXPROCS(0), double) },
				check: func() error { return sameInAnyOrder(want, got) },
			}
		},
	},
	{
		Name: "Stream", Title: "stream: 1,000,000 × 1 µs from an iterator, in order", Items: 1_000_000, RaceItems: 20_000,
		Metric:   "peak-items",
		supports: func(c *Contender) bool { return c.Stream != nil },
		prepare:  streamTrial,
	},
	{
		Name: "AntsSleep", Title: "ants' benchmark: 1,000,000 × 10 ms sleep, 50,000 at once", Items: 1_000_000, RaceItems: 2_000,
		Metric: "x-ideal", Published: antsPublished,
		// A loop would sleep for 2.8 hours.
		supports: func(c *Contender) bool { return c.Go != nil && c != sequential && !c.fewWorkersOnly() },
		prepare:  antsSleepTrial,
	},
	{
		Name: "PondRand", Title: "pond's benchmark: 1,000,000 × rand.Float64() from one submitter, 200,000 workers", Items: 1_000_000, RaceItems: 5_000,
		Published: pondPublished,
		supports:  func(c *Contender) bool { return c.Go != nil && !c.fewWorkersOnly() },
		prepare:   pondRandTrial,
	},
	{
		Name: "GoPkgzPool", Title: "go-pkgz/pool's benchmark: 1,000,000 × a 1,000-int slice filled, 8 workers", Items: 1_000_000, RaceItems: 1_000,
		Published: goPkgzPublished,
		supports:  func(c *Contender) bool { return c.Go != nil },
		prepare:   goPkgzTrial,
	},
	{
		Name: "HeavyTail", Title: "heavy tail, in order: 10,000 calls of 1 ms, 1 in 100 of 100 ms, limit 50", Items: 10_000, RaceItems: 200,
		Metric: "x-ideal",
		// A loop would take 20 s.
		supports: func(c *Contender) bool { return c.Stream != nil && c != sequential },
		prepare:  func(c *Contender, n int) *trial { return tailTrial(c.Stream, n, true) },
	},
	{
		Name: "HeavyTailUnordered", Title: "heavy tail, as they finish: the same calls, results in any order", Items: 10_000, RaceItems: 200,
		Metric:   "x-ideal",
		supports: func(c *Contender) bool { return c.Unordered != nil && c != sequential },
		prepare:  func(c *Contender, n int) *trial { return tailTrial(c.Unordered, n, false) },
	},
	{
		Name: "BlockedCall", Title: "one blocked call, in order: 100,000 tiny calls, the last one blocked until the rest are out, limit 8", Items: 100_000, RaceItems: 2_000,
		Metric: "x-unblocked",
		// A loop makes each call wait for the one before: the blocked
		// call's workloads would only show that it stalls.
		supports: func(c *Contender) bool { return c.Stream != nil && c != sequential },
		prepare:  blockedStreamTrial,
	},
	{
		Name: "BlockedCallUnordered", Title: "one blocked call, as they finish: the same calls, the middle one blocked until the rest are out", Items: 100_000, RaceItems: 2_000,
		Metric:   "x-unblocked",
		supports: func(c *Contender) bool { return c.Unordered != nil && c != sequential },
		prepare:  blockedUnorderedTrial,
	},
	{
		Name: "BlockedCallSettle", Title: "one blocked call, every outcome: the same calls into a slice, the middle one blocked until the rest return", Items: 100_000, RaceItems: 2_000,
		Metric:   "x-unblocked",
		supports: func(c *Contender) bool { return c.Settle != nil && c != sequential },
		prepare:  blockedSettleTrial,
	},
	{
		Name: "BlockedCallMap", Title: "one blocked call, mapped: the same calls by Map, the middle one blocked until the rest return", Items: 100_000, RaceItems: 2_000,
		Metric:   "x-unblocked",
		supports: func(c *Contender) bool { return c.Map != nil && c != sequential },
		prepare:  blockedMapTrial,
	},
	{
		Name: "EveryOutcome", Title: "every outcome: 100,000 tiny, 1 in 10 fails, none stops the rest", Items: 100_000, RaceItems: 5_000,
		supports: func(c *Contender) bool { return c.Settle != nil },
		prepare:  settleTrial,
	},
	{
		Name: "TreeCPU", Title: "tree: 1,000,000 nodes, each adds its 10 children", Items: 1_000_000, RaceItems: 10_000,
		supports: func(c *Contender) bool { return c.Tree != nil },
		prepare:  func(c *Contender, n int) *trial { return treeTrial(c, n, runtime.GOMAXPROCS(0), 0) },
	},
	{
		Name: "TreeIO", Title: "I/O tree: 2,000 nodes of 1 ms, limit 50", Items: 2_000, RaceItems: 200,
		Metric:   "x-ideal",
		supports: func(c *Contender) bool { return c.Tree != nil },
		prepare:  func(c *Contender, n int) *trial { return treeTrial(c, n, treeIOLimit, time.Millisecond) },
	},
	{
		Name: "SharedPoolGroup", Title: "group: 1,000 tiny tasks on a shared 8-worker pool", Items: 1_000, RaceItems: 1_000,
		supports: func(c *Contender) bool { return c.SharedPool != nil },
		prepare:  groupTrial,
	},
	{
		Name: "Nested", Title: "nested: 20 tasks each mapping 100 calls of 1 ms, limit 8 at each level", Items: 2_000, RaceItems: 200,
		Metric:   "peak-calls",
		supports: func(c *Contender) bool { return c.Nested != nil },
		prepare:  nestedTrial,
	},
	{
		Name: "FairGroups", Title: "small groups beside a big one: 100 groups of 10 tiny tasks, from 100 goroutines, after one of 100,000, on a shared 8-worker pool", Items: 100_000, RaceItems: 2_000,
		Metric:   "x-alone",
		supports: func(c *Contender) bool { return c.Groups != nil },
		prepare:  fairTrial,
	},
	{
		Name: "KeyedOrder", Title: "keyed: 1,000,000 tiny tasks over 1,000 keys, in order per key, 8 workers", Items: 1_000_000, RaceItems: 5_000,
		Metric:   "x-unkeyed",
		supports: func(c *Contender) bool { return c.Keyed != nil && c.unkeyedGo() != nil },
		prepare:  keyedOrderTrial,
	},
	{
		Name: "KeyedSlowKeys", Title: "keyed, slow keys: the same, 1 key in 100 with its first 20 tasks sleeping 1 ms", Items: 1_000_000, RaceItems: 2_000,
		Metric:   "x-fast",
		supports: func(c *Contender) bool { return c.Keyed != nil },
		prepare:  keyedSlowTrial,
	},
}

// waves returns how many rounds of at most limit calls n calls take.
func waves(n, limit int) time.Duration {
	return time.Duration((n + limit - 1) / limit)
}

// overIdeal returns a trial's metric for x-ideal: the time of an operation
// over ideal, the least it could take.
func overIdeal(ideal time.Duration) func(int, float64) float64 {
	return func(_ int, nsPerOp float64) float64 { return nsPerOp / float64(ideal) }
}
