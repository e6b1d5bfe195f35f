package bench

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Tasks in order per key: n tiny tasks over up to 1,000 keys, the key of
// each drawn by a hash of its index, on a pool of 8 workers. Tasks of one
// key must run one at a time in the order they were added. KeyedOrder's
// metric, x-unkeyed, divides the time of the keyed run by that of the same
// tasks added with no key (the contender's Go, or its library's) in the same
// operation. KeyedSlowKeys makes one key in 100 slow: each of its first
// keyedSlowTasks tasks sleeps keyedSlow, and its later tasks go to the key
// after it, so that a slow key's tasks, one at a time, take 20 ms rather
// than a second. Its metric, x-fast, divides the time until every other
// task has run by the same time in a run of the same tasks with no sleep,
// in the same operation.
const (
	keyedWorkers = 8
	// keyedMaxKeys is the number of keys at full size; smaller runs have
	// one key per keyedPerKey tasks, at least one.
	keyedMaxKeys = 1000
	keyedPerKey  = 50
	// keyedSlowEvery: keys k with k%keyedSlowEvery == 0 are slow.
	keyedSlowEvery = 100
	keyedSlowTasks = 20
	keyedSlow      = time.Millisecond
)

// keyedPlan is the tasks of a keyed workload: task i has key key[i], is
// the seq[i]-th task of its key, and sleeps if slow[i] is set.
type keyedPlan struct {
	keys  int
	key   []int32
	seq   []int32
	slow  []bool
	nFast int // the tasks that do not sleep
}

// newKeyedPlan draws the keys of n tasks; with slowKeys, one key in
// keyedSlowEvery has its first keyedSlowTasks tasks sleep.
func newKeyedPlan(n int, slowKeys bool) *keyedPlan {
	p := &keyedPlan{keys: min(keyedMaxKeys, max(1, n/keyedPerKey)),
		key: make([]int32, n), seq: make([]int32, n), slow: make([]bool, n)}
	count := make([]int32, p.keys)
	for i := range n {
		k := int(mix(uint64(i)) % uint64(p.keys))
		if slowKeys && k%keyedSlowEvery == 0 {
			if count[k] < keyedSlowTasks {
				p.slow[i] = true
			} else if p.keys > 1 {
				k = (k + 1) % p.keys // a fast key
			}
		}
		p.key[i], p.seq[i] = int32(k), count[k]
		count[k]++
		if !p.slow[i] {
			p.nFast++
		}
	}
	return p
}

// mix is splitmix64's finalizer: a hash of i that spreads the keys.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// keyedRun records one run of a plan's tasks.
type keyedRun struct {
	plan     *keyedPlan
	sleep    bool           // whether the slow tasks sleep
	pos      []atomic.Int32 // pos[k]: tasks of key k started so far
	busy     []atomic.Int32 // busy[k]: tasks of key k running now
	ranAt    []int32        // ranAt[i]: task i's place among its key's tasks, in the order they started
	runs     []int32        // runs[i]: task i's runs over every run; written by task i alone
	overlap  *atomic.Bool   // two tasks of one key ran at once, in any run
	fastDone atomic.Int64
	start    time.Time
	fastTook atomic.Int64 // when the last task that does not sleep was done, in ns since start
}

func newKeyedRun(p *keyedPlan, sleep bool, runs []int32, overlap *atomic.Bool) *keyedRun {
	return &keyedRun{plan: p, sleep: sleep, runs: runs, overlap: overlap,
		pos: make([]atomic.Int32, p.keys), busy: make([]atomic.Int32, p.keys),
		ranAt: make([]int32, len(p.key))}
}

// reset readies r for another run.
func (r *keyedRun) reset() {
	for k := range r.pos {
		r.pos[k].Store(0)
		r.busy[k].Store(0)
	}
	r.fastDone.Store(0)
	r.fastTook.Store(0)
	r.start = time.Now()
}

// task is task i's body: the same whether it is added with its key or not.
func (r *keyedRun) task(i int) {
	k := r.plan.key[i]
	if r.busy[k].Add(1) != 1 {
		r.overlap.Store(true)
	}
	r.ranAt[i] = r.pos[k].Add(1) - 1
	if r.sleep && r.plan.slow[i] {
		time.Sleep(keyedSlow)
	}
	r.runs[i]++
	r.busy[k].Add(-1)
	if !r.plan.slow[i] && r.fastDone.Add(1) == int64(r.plan.nFast) {
		r.fastTook.Store(int64(time.Since(r.start)))
	}
}

// keyed adds every task of the plan with its key through c.Keyed and
// waits for them.
func (r *keyedRun) keyed(c *Contender) time.Duration {
	r.reset()
	add, wait := c.Keyed(keyedWorkers)
	for i, k := range r.plan.key {
		add(int(k), func() { r.task(i) })
	}
	wait()
	return time.Since(r.start)
}

// unkeyed runs the same tasks with no key, through the contender's Go.
func (r *keyedRun) unkeyed(c *Contender) time.Duration {
	r.reset()
	c.unkeyedGo()(len(r.plan.key), keyedWorkers, r.task)
	return time.Since(r.start)
}

// inOrder reports the first task of the run that ran out of its key's
// order, or nil.
func (r *keyedRun) inOrder(what string) error {
	for i, at := range r.ranAt {
		if at != r.plan.seq[i] {
			return fmt.Errorf("%s: task %d, the %d-th of key %d, ran as its key's %d-th",
				what, i, r.plan.seq[i], r.plan.key[i], at)
		}
	}
	return nil
}

// unkeyedGo returns the Go that runs a keyed contender's tasks with no key:
// its own, or its library's.
func (c *Contender) unkeyedGo() func(n, workers int, task func(int)) {
	if c.Go == nil && c.goOf != nil {
		return c.goOf.Go
	}
	return c.Go
}

// keyedOrderTrial has each operation run n tasks with no key, then with
// their keys, and checks that each task ran once in each run, and that in
// every keyed run no two tasks of a key ran at once, and (in the last) each
// key's tasks started in the order they were added.
func keyedOrderTrial(c *Contender, n int) *trial {
	p := newKeyedPlan(n, false)
	runs := make([]int32, n)
	var overlap, unkeyedOverlap atomic.Bool
	keyed := newKeyedRun(p, false, runs, &overlap)
	free := newKeyedRun(p, false, runs, &unkeyedOverlap) // tasks of a key may overlap here
	var tKeyed, tFree time.Duration
	ops := 0
	return &trial{
		run: func() {
			ops++
			tFree += free.unkeyed(c)
			tKeyed += keyed.keyed(c)
		},
		check: func() error {
			if overlap.Load() {
				return fmt.Errorf("two tasks of one key ran at once")
			}
			if err := keyed.inOrder("keyed"); err != nil {
				return err
			}
			return ranOncePerOp(runs, 2*ops)
		},
		metric: func(int, float64) float64 {
			if tFree <= 0 {
				return 0
			}
			return float64(tKeyed) / float64(tFree)
		},
	}
}

// keyedSlowTrial has each operation run n keyed tasks twice, first with
// no task sleeping, then with the slow keys' tasks sleeping, and checks
// both runs as [keyedOrderTrial] checks its keyed one.
func keyedSlowTrial(c *Contender, n int) *trial {
	p := newKeyedPlan(n, true)
	runs := make([]int32, n)
	var overlap atomic.Bool
	quick := newKeyedRun(p, false, runs, &overlap)
	slow := newKeyedRun(p, true, runs, &overlap)
	var tQuick, tSlow time.Duration
	ops := 0
	return &trial{
		run: func() {
			ops++
			quick.keyed(c)
			tQuick += time.Duration(quick.fastTook.Load())
			slow.keyed(c)
			tSlow += time.Duration(slow.fastTook.Load())
		},
		check: func() error {
			if overlap.Load() {
				return fmt.Errorf("two tasks of one key ran at once")
			}
			if err := quick.inOrder("with no key slow"); err != nil {
				return err
			}
			if err := slow.inOrder("with slow keys"); err != nil {
				return err
			}
			return ranOncePerOp(runs, 2*ops)
		},
		metric: func(int, float64) float64 {
			if tQuick <= 0 {
				return 0
			}
			return float64(tSlow) / float64(tQuick)
		},
	}
}

// keyTurns is the lock per key of the peers' keyed glue: a task takes a
// ticket of its key when it is added, and waits, holding its worker, until
// the task before it of that key is done. A plain mutex per key would keep
// the tasks of a key apart but not in order. take is called by the one
// goroutine that adds; wait and done by the tasks.
type keyTurns struct {
	mu    sync.Mutex
	turns map[int]*keyTurn
}

type keyTurn struct {
	issued int // tickets taken; read and written by the adding goroutine alone
	mu     sync.Mutex
	cond   sync.Cond
	next   int // the ticket whose turn it is
}

func newKeyTurns() *keyTurns { return &keyTurns{turns: make(map[int]*keyTurn)} }

// take returns key's lock and the ticket of the task added now.
func (kt *keyTurns) take(key int) (*keyTurn, int) {
	kt.mu.Lock()
	t := kt.turns[key]
	if t == nil {
		t = &keyTurn{}
		t.cond.L = &t.mu
		kt.turns[key] = t
	}
	kt.mu.Unlock()
	t.issued++
	return t, t.issued - 1
}

// run waits for ticket's turn, calls task and passes the turn on.
func (t *keyTurn) run(ticket int, task func()) {
	t.mu.Lock()
	for t.next != ticket {
		t.cond.Wait()
	}
	t.mu.Unlock()
	task()
	t.mu.Lock()
	t.next++
	t.mu.Unlock()
	t.cond.Broadcast()
}

// keyTurnsOn returns a Keyed that adds each task with goTask, which runs
// its argument on a pool that starts tasks in the order they were added,
// and waits on its key's lock.
func keyTurnsOn(goTask func(func()), wait func()) (func(int, func()), func()) {
	kt := newKeyTurns()
	return func(key int, task func()) {
		t, ticket := kt.take(key)
		goTask(func() { t.run(ticket, task) })
	}, wait
}

// keyedHashBuf is each worker's channel buffer in the worker-per-key glue.
const keyedHashBuf = 64

// hashKeyed is the worker-per-key glue: workers goroutines started with
// start, each running the tasks sent on its own channel in order, and each
// key sent to worker key % workers. wait closes the channels and calls
// join, which waits for the workers.
func hashKeyed(workers int, start func(func()), join func()) (func(int, func()), func()) {
	chans := make([]chan func(), workers)
	for w := range chans {
		ch := make(chan func(), keyedHashBuf)
		chans[w] = ch
		start(func() {
			for task := range ch {
				task()
			}
		})
	}
	return func(key int, task func()) { chans[key%workers] <- task }, func() {
		for _, ch := range chans {
			close(ch)
		}
		join()
	}
}

// handKeyed is the reference's keyed pool: workers goroutines on a
// buffered channel of jobs, and per key a queue of the tasks added while one
// of its tasks runs; the job that ran a key's task runs its queue dry, then
// forgets the key. No task waits on a worker for its key.
func handKeyed(workers int) (func(int, func()), func()) {
	type keyQueue struct{ tasks []func() }
	var (
		mu     sync.Mutex
		queues = make(map[int]*keyQueue) // keys with a task running
	)
	jobs, stop := handWorkers(workers, 64*workers)
	drain := func(key int, q *keyQueue, task func()) {
		for {
			task()
			mu.Lock()
			if len(q.tasks) == 0 {
				delete(queues, key)
				mu.Unlock()
				return
			}
			task = q.tasks[0]
			q.tasks[0] = nil
			q.tasks = q.tasks[1:]
			mu.Unlock()
		}
	}
	add := func(key int, task func()) {
		mu.Lock()
		if q := queues[key]; q != nil {
			q.tasks = append(q.tasks, task)
			mu.Unlock()
			return
		}
		q := &keyQueue{}
		queues[key] = q
		mu.Unlock()
		jobs <- func() { drain(key, q, task) }
	}
	return add, stop
}
