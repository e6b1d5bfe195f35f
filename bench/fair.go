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
// 100 small groups twice on the same pool, first alone, then beside the big
// group, and the metric, x-alone, divides the median small group's time in
// the second run by its time in the first. A pool that serves its tasks
// first come, first served makes every small group wait for the whole big
// group: about 100 at this size, growing with it.
const (
	// fairWorkers is the size of the pool that the groups share.
	fairWorkers = 8
	// fairSmallGroups and fairSmallTasks are the small groups and the tasks
	// in each: the same at every size of the big group.
	fairSmallGroups = 100
	fairSmallTasks  = 10
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
// has each operation run the small groups alone, then beside a big group
// of n tasks. A small group's time runs from just before it is started to
// the return of its wait.
//
// The big group is queued first: its first fairWorkers tasks hold their
// workers until the small groups come, which is once every add of the big
// group has returned, or, where the library's add blocks while the pool is
// full, once its adds have made no progress for fairStall. Either way, every
// worker is busy with the big group and the rest of it waits in the
// library's queue, or in its blocked add, when the small groups come.
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
	var ratios []float64 // each operation's
	ops := 0
	return &trial{
		run: func() {
			ops++
			alone := f.smalls(func() {})
			beside := f.besideBig(n)
			ratios = append(ratios, float64(beside)/float64(max(alone, 1)))
		},
		check: func() error {
			if err := f.firstErr(); err != nil {
				return err
			}
			if err := ranOncePerOp(f.bigRuns, ops); err != nil {
				return fmt.Errorf("big group: %w", err)
			}
			if err := ranOncePerOp(f.smallRuns, 2*ops); err != nil {
				return fmt.Errorf("small groups (%d tasks each): %w", fairSmallTasks, err)
			}
			return nil
		},
		// The median operation's: one in which a collection or the
		// scheduler held up the few microseconds of the small groups alone
		// would sway a mean.
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

// smalls runs the small groups, each from a goroutine of its own, and
// returns the median group's time. The goroutines are let go at once, when
// all have started, just after release is called.
func (f *fair) smalls(release func()) time.Duration {
	took := make([]time.Duration, fairSmallGroups)
	start := make(chan struct{})
	var ready, wg sync.WaitGroup
	ready.Add(fairSmallGroups)
	for g := range fairSmallGroups {
		wg.Go(func() {
			ready.Done()
			<-start
			var done atomic.Int32
			t0 := time.Now()
			add, wait := f.group()
			for j := range fairSmallTasks {
				k := g*fairSmallTasks + j
				add(func() {
					f.smallRuns[k]++
					done.Add(1)
				})
			}
			wait()
			took[g] = time.Since(t0)
			if d := done.Load(); d != fairSmallTasks {
				f.fail(fmt.Errorf("small group %d's wait returned after %d of its %d tasks", g, d, fairSmallTasks))
			}
		})
	}
	ready.Wait()
	release()
	close(start)
	wg.Wait()
	slices.Sort(took)
	return took[len(took)/2]
}

// besideBig queues a big group of n tasks, then runs the small groups, and
// returns their median time once the big group is done too.
func (f *fair) besideBig(n int) time.Duration {
	gate := make(chan struct{}) // closed when the small groups come
	var added atomic.Int64      // the big group's adds that have returned
	allAdded := make(chan struct{})
	bigOver := make(chan struct{})
	go func() {
		defer close(bigOver)
		var done atomic.Int64
		add, wait := f.group()
		for i := range n {
			add(func() {
				if i < fairWorkers {
					plug := time.NewTimer(fairPlugMax)
					select {
					case <-gate:
					case <-plug.C:
					}
					plug.Stop()
				}
				f.bigRuns[i]++
				done.Add(1)
			})
			added.Add(1)
		}
		close(allAdded)
		wait()
		if d := done.Load(); d != int64(n) {
			f.fail(fmt.Errorf("the big group's wait returned after %d of its %d tasks", d, n))
		}
	}()
	waitQueued(allAdded, &added)
	m := f.smalls(func() { close(gate) })
	<-bigOver
	return m
}

// waitQueued returns once allAdded is closed, or once added has not
// changed for fairStall.
func waitQueued(allAdded <-chan struct{}, added *atomic.Int64) {
	tick := time.NewTicker(fairStall / 10)
	defer tick.Stop()
	last, since := int64(-1), time.Now()
	for {
		select {
		case <-allAdded:
			return
		case now := <-tick.C:
			if a := added.Load(); a != last {
				last, since = a, now
			} else if now.Sub(since) >= fairStall {
				return
			}
		}
	}
}
