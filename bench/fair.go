package bench

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Small groups beside a big one: on one pool shared by a server's requests,
// a request that adds 100,000 tasks comes first, then 100 requests of 10
// tasks come together, each from its own goroutine. Each operation runs the
// 100 small groups fairPairs times alone and as many times beside the big
// group, on the same pool, in pairs: alone then beside, and beside then
// alone in every other pair, so that what the machine does in a pair's
// milliseconds weighs on both. The metric, x-alone, is the median, over the
// pairs of every operation, of the median small group's time beside the big
// group over its time alone in the same pair. A pool that serves its tasks
// first come, first served makes every small group wait for the whole big
// group: about 100 at this size, growing with it.
const (
	// fairWorkers is the size of the pool that the groups share.
	fairWorkers = 8
	// fairSmallGroups and fairSmallTasks are the small groups and the tasks
	// in each: the same at every size of the big group.
	fairSmallGroups = 100
	fairSmallTasks  = 10
	// fairPairs is how many pairs of runs, alone and beside the big group,
	// an operation makes. One pair's ratio is a ratio of two times of a
	// millisecond or so, in which a collection (the big group allocates
	// tens of MB), a scheduler's time slice (10 ms) or another process can
	// land in either run: it went from 0.3 to 45 from one operation to the
	// next for the same pool. The median of 9 moves by far less, and
	// fanout-bench takes the median of its runs' medians.
	fairPairs = 9
	// fairStall is how long the big group's adds may make no progress
	// before the small groups come anyway: with its first tasks holding
	// every worker, an add that blocks while the pool is full blocks for
	// good. Long enough that a collection or the scheduler pausing the
	// adding goroutine is not taken for it (2 ms was, with pond, at times).
	fairStall = 10 * time.Millisecond
	// fairPlugMax is the longest the big group's first tasks hold their
	// workers: a contender whose add runs the task itself would otherwise
	// hang.
	fairPlugMax = time.Second
)

// fairTrial starts a contender's shared pool, outside the timed part, and
// has each operation run the small groups fairPairs times alone and as many
// times beside a big group of n tasks, in pairs.
//
// In both runs fairWorkers tasks hold the workers while the groups are
// added: in the first, those of a group of their own; in the second, the
// big group's first tasks. The big group is added first, then the small
// groups, each once the adds before it have all returned or, where the
// library's add blocks while the pool is full, have made no progress for
// fairStall. Then the workers go, and a small group's time runs from then
// to the return of its wait: 100 goroutines would otherwise not add
// "together" on a few cores, but one after another, each group done in
// microseconds before the next is added.
//
// It checks that every task ran once in every operation and that each wait
// returned only after every task of its group had run.
func fairTrial(c *Contender, n int) *trial {
	group, closePool := c.Groups(fairWorkers)
	f := &fair{
		group:     group,
		bigRuns:   make([]int32, n),
		smallRuns: make([]int32, fairSmallGroups*fairSmallTasks),
	}
	var ratios []float64 // each pair's, of every operation
	pairs := 0
	return &trial{
		run: func() {
			for i := range fairPairs {
				pairs++
				var alone, beside time.Duration
				if i%2 == 0 {
					alone = f.alone()
					beside = f.besideBig(n)
				} else {
					beside = f.besideBig(n)
					alone = f.alone()
				}
				ratios = append(ratios, float64(beside)/float64(max(alone, 1)))
			}
		},
		check: func() error {
			if err := f.firstErr(); err != nil {
				return err
			}
			// Each pair runs the big group once and the small ones twice.
			if err := ranOncePerOp(f.bigRuns, pairs); err != nil {
				return fmt.Errorf("big group, %d pairs of runs: %w", pairs, err)
			}
			if err := ranOncePerOp(f.smallRuns, 2*pairs); err != nil {
				return fmt.Errorf("small groups (%d tasks each), %d pairs of runs: %w", fairSmallTasks, pairs, err)
			}
			return nil
		},
		// The median pair's: a pair in which a collection or the scheduler
		// held up the millisecond of one of its runs would sway a mean.
		metric: func(int, float64) float64 {
			if len(ratios) == 0 {
				return 0
			}
			slices.Sort(ratios)
			return ratios[len(ratios)/2]
		},
		close: closePool,
	}
}

// fair is the state of a fair-groups trial.
type fair struct {
	group     func() (add func(task func()), wait func())
	bigRuns   []int32 // bigRuns[i] is written by the big group's task i alone
	smallRuns []int32 // smallRuns[g*fairSmallTasks+j] by task j of small group g alone

	mu  sync.Mutex
	err error // the first thing found wrong
}

func (f *fair) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *fair) firstErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// smalls runs the small groups, each from a goroutine of its own, while
// the workers are held, and lets the workers go by closing gate once every
// small group is added (or is blocked adding). It returns the median
// group's time from then to the return of its wait.
func (f *fair) smalls(gate chan struct{}) time.Duration {
	ends := make([]time.Time, fairSmallGroups)
	var added atomic.Int64
	var wg sync.WaitGroup
	for g := range fairSmallGroups {
		wg.Go(func() {
			var done atomic.Int32
			add, wait := f.group()
			for j := range fairSmallTasks {
				k := g*fairSmallTasks + j
				add(func() {
					f.smallRuns[k]++
					done.Add(1)
				})
				added.Add(1)
			}
			wait()
			ends[g] = time.Now()
			if d := done.Load(); d != fairSmallTasks {
				f.fail(fmt.Errorf("small group %d's wait returned after %d of its %d tasks", g, d, fairSmallTasks))
			}
		})
	}
	waitAdded(fairSmallGroups*fairSmallTasks, &added)
	release := time.Now()
	close(gate)
	wg.Wait()
	took := make([]time.Duration, fairSmallGroups)
	for g, end := range ends {
		took[g] = max(0, end.Sub(release))
	}
	slices.Sort(took)
	return took[len(took)/2]
}

// alone runs the small groups with fairWorkers tasks of a group of their
// own holding the workers until they are added.
func (f *fair) alone() time.Duration {
	gate := make(chan struct{})
	add, wait := f.group()
	for range fairWorkers {
		add(func() { hold(gate) })
	}
	m := f.smalls(gate)
	wait()
	return m
}

// besideBig queues a big group of n tasks, whose first fairWorkers tasks
// hold the workers, then runs the small groups, and returns their median
// time once the big group is done too.
func (f *fair) besideBig(n int) time.Duration {
	gate := make(chan struct{}) // closed when the small groups are added
	var added atomic.Int64      // the big group's adds that have returned
	bigOver := make(chan struct{})
	go func() {
		defer close(bigOver)
		var done atomic.Int64
		add, wait := f.group()
		for i := range n {
			add(func() {
				if i < fairWorkers {
					hold(gate)
				}
				f.bigRuns[i]++
				done.Add(1)
			})
			added.Add(1)
		}
		wait()
		if d := done.Load(); d != int64(n) {
			f.fail(fmt.Errorf("the big group's wait returned after %d of its %d tasks", d, n))
		}
	}()
	waitAdded(int64(n), &added)
	m := f.smalls(gate)
	<-bigOver
	return m
}

// hold returns once gate is closed, or after fairPlugMax.
func hold(gate <-chan struct{}) {
	t := time.NewTimer(fairPlugMax)
	defer t.Stop()
	select {
	case <-gate:
	case <-t.C:
	}
}

// waitAdded returns once added reaches all, or once it has not changed for
// fairStall.
func waitAdded(all int64, added *atomic.Int64) {
	tick := time.NewTicker(fairStall / 10)
	defer tick.Stop()
	last, since := int64(-1), time.Now()
	for a := added.Load(); a < all; a = added.Load() {
		now := <-tick.C
		if a != last {
			last, since = a, now
		} else if now.Sub(since) >= fairStall {
			return
		}
	}
}
