package bench

import (
	"fmt"
	"math/rand"
	"time"
)

// The peers' own benchmarks, with their constants. RESULTS.md names the
// file each comes from and quotes the figures each project published.
const (
	// ants_benchmark_test.go (panjf2000/ants v2): RunTimes tasks of
	// demoFunc, a time.Sleep of BenchParam ms, on a pool of PoolCap.
	antsSleep   = 10 * time.Millisecond
	antsPoolCap = 50_000

	// alitto/pond-benchmarks: "All pools are configured to use a maximum
	// of 200k workers"; the task is rand.Float64(), and its 1u-1Mt
	// workload has one user submit 1,000,000 tasks.
	pondMaxWorkers = 200_000

	// go-pkgz/pool's README ("1,000,000 tasks with 8 workers") and
	// TestPoolPerf: a task that makes a slice of 1,000 ints and appends
	// 1,000 values to it.
	goPkgzWorkers  = 8
	goPkgzTaskSize = 1_000
)

// Publication is what a peer's project published for its own benchmark:
// where, on what machine, and its figures or, where it gave none in text,
// its claim in words.
type Publication struct {
	// Peer is the contender whose project published it, such as "pond".
	Peer string
	// Source names the repository, file and version it is quoted from.
	Source string
	// Machine is what it ran on, in the project's words.
	Machine string
	// Figures are the times it published for one operation of the
	// workload, the peer's own marked Peer.
	Figures []Figure
	// Words quotes a claim the project made in words, where its figures
	// are pictures only.
	Words string
}

// Figure is one published time.
type Figure struct {
	// Label is the project's name for what it timed, such as "AntsPool".
	Label string
	// Contender is the contender here that uses the same library, or "".
	Contender string
	// Peer marks the figure that stands for the publishing library, which
	// the others are divided by.
	Peer bool
	// NsPerOp is the published time of one operation.
	NsPerOp float64
}

var antsPublished = &Publication{
	Peer: "ants",
	Source: "panjf2000/ants: ants_benchmark_test.go (v2.12.1) for the workload; " +
		"README.md, section Benchmarks (since removed), for the results, which it shows as charts only",
	Machine: "macOS High Sierra, 2.7 GHz Intel Core i5, 8 GB 1867 MHz DDR3, Go 1.9",
	Words: "ants performs 2 times faster than goroutines without pool (10M tasks) and it only consumes " +
		"half the memory comparing with goroutines without pool. (both in 1M and 10M tasks)",
}

var pondPublished = &Publication{
	Peer:    "pond",
	Source:  "alitto/pond-benchmarks: README.md, BenchmarkAllRandFloat64/1u-1Mt, pond v1.7.1, ants v2.4.8",
	Machine: "a laptop with an 8-core Intel Core i7-8550U at 1.80 GHz and 16 GB, -cpu=8, -benchtime=3x",
	Figures: []Figure{
		{Label: "Pond-Eager", NsPerOp: 221_147_440},
		// pond v2 has no resizing strategies; its pool stands beside the
		// fastest of v1's on this workload.
		{Label: "Pond-Balanced", Contender: "pond", Peer: true, NsPerOp: 206_112_267},
		{Label: "Pond-Lazy", NsPerOp: 228_397_720},
		{Label: "Goroutines", NsPerOp: 255_098_957},
		{Label: "GoroutinePool", NsPerOp: 608_808_567},
		{Label: "BufferedPool", NsPerOp: 646_646_774},
		{Label: "Gammazero", NsPerOp: 556_528_977},
		{Label: "AntsPool", Contender: "ants", NsPerOp: 511_636_669},
	},
}

var goPkgzPublished = &Publication{
	Peer:    "go-pkgz",
	Source:  "go-pkgz/pool: README.md (v0.9.0), section Performance, Benchmark Results",
	Machine: "Apple M4 Max",
	Figures: []Figure{
		{Label: "errgroup", Contender: "errgroup", NsPerOp: 1_878_000_000},
		{Label: "pool (default)", Contender: "go-pkgz", Peer: true, NsPerOp: 1_213_000_000},
		{Label: "pool (chan size=100)", NsPerOp: 1_199_000_000},
		{Label: "pool (chan size=100, batch size=100)", NsPerOp: 1_105_000_000},
		{Label: "pool (with chunking)", NsPerOp: 1_113_000_000},
	},
}

// antsSleepTrial is ants' benchmark: n tasks that each sleep antsSleep, at
// most antsPoolCap at once, so that 1,000,000 tasks take 20 waves: 200 ms
// at best. Its metric is x-ideal. At the race detector's size the pool is
// half the tasks, 2 waves, which keeps the goroutines within its limit.
func antsSleepTrial(c *Contender, n int) *trial {
	workers := min(antsPoolCap, max(1, n/2))
	t := goTrial(c, n, workers, func(int) { time.Sleep(antsSleep) })
	t.metric = overIdeal(waves(n, workers) * antsSleep)
	return t
}

// pondRandTrial is pond's benchmark 1u-1Mt with its CPU task: one
// goroutine submits n tasks of rand.Float64() to a pool of at most
// pondMaxWorkers, a fifth of n at the race detector's size.
func pondRandTrial(c *Contender, n int) *trial {
	return goTrial(c, n, min(pondMaxWorkers, max(1, n/5)), func(int) { rand.Float64() })
}

// goPkgzTrial is go-pkgz/pool's benchmark: n tasks of [fill] on
// goPkgzWorkers workers.
func goPkgzTrial(c *Contender, n int) *trial {
	return goTrial(c, n, goPkgzWorkers, func(int) { fill(goPkgzTaskSize) })
}

// fill makes a slice of size ints and appends size values to it, each the
// sum of the integers below 1 (go-pkgz/pool's task, in its words: "a
// somewhat realistic task that combines CPU work with memory allocation").
// It is not inlined, so that size is not a constant where the slice is made
// and the slice is allocated on the heap, as it is in go-pkgz/pool's test.
//
//go:noinline
func fill(size int) []int {
	s := make([]int, 0, size)
	for range size {
		sum := 0
		for i := range 1 {
			sum += i
		}
		s = append(s, sum)
	}
	return s
}

// goTrial has a contender's Go run task(0), ..., task(n-1) on a pool of
// the given number of workers, and checks that each task ran once in every
// operation.
func goTrial(c *Contender, n, workers int, task func(i int)) *trial {
	runs := make([]int32, n) // runs[i] is written by task i's call alone
	ops := 0
	return &trial{
		run: func() {
			ops++
			c.Go(n, workers, func(i int) {
				task(i)
				runs[i]++
			})
		},
		check: func() error { return ranOncePerOp(runs, ops) },
	}
}

// ranOncePerOp reports a task that did not run once in each of ops
// operations, if there is one.
func ranOncePerOp(runs []int32, ops int) error {
	for i, r := range runs {
		if int(r) != ops {
			return fmt.Errorf("task %d ran %d times in %d operations", i, r, ops)
		}
	}
	return nil
}
