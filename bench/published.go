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
