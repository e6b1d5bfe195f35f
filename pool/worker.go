package pool

import (
	"context"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

// A worker is the right to run one task function at a time: a goroutine
// that runs tasks from the queue, and, while a task of its lends it
// (nest.go), helper goroutines that run the tasks its waiters want.
type worker struct {
	p     *Pool
	level // its own goroutine's: level 0 (nest.go)
	// wake passes a task to the worker while it is idle, or nil to tell it
	// to leave. It holds one: only the one who takes the worker off the idle
	// list sends.
	wake chan task

	// Guarded by p.mu.
	idleSince int  // the reaper's tick when it went idle, while in p.idle
	next      task // the first task, from startLocked to launch
	nesting        // nest.go
}

// startLocked counts t as running on a new worker, which the caller launches
// once it has unlocked mu.
func (p *Pool) startLocked(t task) *worker {
	w := &worker{p: p, wake: make(chan task, 1)}
	w.level.init(w, 0)
	w.running = true
	p.stats.Workers++
	p.stats.Running++
	p.active++
	p.goroutines.Add(1)
	w.next = t
	return w
}

// launch starts the goroutine of w, made by startLocked.
func (p *Pool) launch(w *worker) {
	t := w.next
	w.next = nil
	go p.work(w, t)
}

// work runs tasks on w's goroutine, t first (if not nil), until w leaves.
func (p *Pool) work(w *worker, t task) {
	defer p.goroutines.Done()
	// A goroutine starts with the labels of the one that started it: a
	// submitter's, or the task's whose Goexit this goroutine replaces.
	pprof.SetGoroutineLabels(p.labels)
	defer p.unregister(p.register(w))
	for {
		if t == nil {
			// Parked on the idle list: given a task, or nil to leave. A
			// worker that spins before it parks (polling wake between
			// runtime.Gosched calls or a busy loop, the spinning workers
			// handed tasks first, so that a hand-off wakes no goroutine)
			// was tried: BenchmarkPondRand in bench/ ran 1.3 to 3.6 times
			// slower on 2 loaded cores, the spinners taking the CPU from
			// the submitter and more workers started.
			if t = <-w.wake; t == nil {
				return
			}
		}
		var ok, woke bool
		if t, ok, woke = p.finish(w, t, p.run(w, t, nil)); !ok {
			return
		}
		if woke && t != nil {
			// The task's waiter, woken, is next on this P, yet a worker
			// with more to run would keep the P for its time slice: a
			// Group's Wait returned tens of milliseconds late beside a
			// big group (bench's FairGroups).
			runtime.Gosched()
		}
	}
}

// register records the calling goroutine as one that runs w's tasks, and
// returns its id for unregister: reading it is the one cost of a goroutine
// id (about 2 µs) that the pool pays outside a wait, once per goroutine it
// starts.
func (p *Pool) register(w *worker) uint64 {
	id := nest.GoroutineID()
	p.mu.Lock()
	p.byID[id] = w
	p.mu.Unlock()
	return id
}

// unregister forgets the goroutine id, as its goroutine ends.
func (p *Pool) unregister(id uint64) {
	p.mu.Lock()
	delete(p.byID, id)
	p.mu.Unlock()
}

// run runs t, counted as running on w, on the calling goroutine: w's own, or
// its helper h. It returns t's error, a *errgroupx.PanicError for a panic, or
// a skipped if t's ctx, or the pool's, ended before it started: the one
// place that checks, whatever path brought t here. If t calls
// runtime.Goexit, run does not return: goexit accounts for t first.
func (p *Pool) run(w *worker, t task, h *helper) (err error) {
	s := t.state()
	if p.ctxDone() {
		return errSkipPool
	}
	if err := s.callerErr(); err != nil {
		return skipped{err}
	}
	lv := &w.level
	if h != nil {
		lv = &h.level
	}
	ctx := lv.ctx
	if c := s.callerOf(); c != nil {
		ctx = p.runCtx(c, lv)
		pprof.SetGoroutineLabels(c.ctx) // the labels fn's ctx carries, looked up without a merge
	}
	if s != nil && s.key != nil {
		lv.key = s.key // for checkKeyWait; cleared here, or by goexit
	}
	err = errgroupx.Recover(
		func() error { return t.call(ctx) },
		func(err error) { p.goexit(w, t, h, err) },
	)
	lv.key = nil
	// A task may set labels of its own and not put them back: set back after
	// every task (~7 ns, lost in BenchmarkSubmit's noise).
	pprof.SetGoroutineLabels(p.labels)
	if pe, ok := err.(*errgroupx.PanicError); ok {
		if leaf, ok := pe.Value.(*errgroupx.PanicError); ok {
			// A Wait in the task re-raised a panic of the work it waited
			// for: it goes on as the leaf's, with the leaf's stack.
			err = leaf
		}
	}
	return err
}

// errSkipPool is run's report of a task that did not start for the pool's
// end, whose error finish then takes from the pool.
var errSkipPool = skipped{}

// skipped is run's report of a task that did not start because a ctx ended.
type skipped struct{ err error }

func (skipped) Error() string { return "pool: skipped" }

// finish settles t, which ran on w's own goroutine, counts it and returns w's
// next task, or nil with ok true to go idle, or ok false if w has left; and
// whether settling t woke a goroutine (settle).
func (p *Pool) finish(w *worker, t task, err error) (next task, ok, woke bool) {
	p.groupFailed(t, err)
	p.mu.Lock()
	woke = p.doneLocked(t, err)
	w.running = false
	w.wanted = nil // what its task's waiters still want, workers will run
	p.active--
	p.serveStarvedLocked()
	next, ok = p.nextLocked(w)
	p.dispatchLocked() // what t's key, moved on, made ready beyond next
	admitted := p.admitLocked(nil)
	p.checkDrainedLocked()
	p.mu.Unlock()
	admitted.release()
	return next, ok, woke
}

// groupFailed tells t's Group, first, that t ran and failed with err, so
// that its Wait, woken by the settling, finds the failure.
func (p *Pool) groupFailed(t task, err error) {
	if err == nil {
		return
	}
	if _, ok := err.(skipped); ok {
		return
	}
	if c := t.state().callerOf(); c != nil && c.group != nil {
		c.group.failed(err)
	}
}

// doneLocked counts t, which was running, as completed or skipped, and
// settles it, reporting what settle does.
func (p *Pool) doneLocked(t task, err error) (woke bool) {
	p.stats.Running--
	if s := t.state(); s != nil && s.key != nil {
		p.queue.Done(s.key) // whatever became of t
	}
	if sk, ok := err.(skipped); ok {
		p.stats.Skipped++
		if sk.err == nil {
			p.observeEndLocked()
			p.ctxSkipped = true
			err = p.endErr
			if s := t.state(); s != nil {
				return s.settle(err)
			}
			return false
		}
		err = sk.err
	} else {
		p.stats.Completed++
		if err != nil {
			p.stats.Failed++
		}
	}
	return p.settleLocked(t, err)
}

// nextLocked takes the next task off the queue for w, counted as running on
// it, and reports true; or parks w, idle, and reports true with no task; or
// retires w and reports false, when the pool has more workers than its bound
// or keeps none idle.
func (p *Pool) nextLocked(w *worker) (task, bool) {
	p.observeEndLocked()
	if p.stats.Workers > int64(p.bound) {
		p.retireLocked(w)
		return nil, false
	}
	t := p.dequeueLocked()
	if t == nil {
		// Nothing queued, yet a submitter may wait: with QueueSize(0), the
		// worker takes the task straight from the longest-waiting one.
		for {
			wt, wtask := p.popStartableWaiterLocked()
			if wt == nil {
				break
			}
			wt.wake <- true // it has room: wake never blocks
			if p.acceptLocked(wtask) {
				p.startNowLocked(wtask) // its key is free
				t = wtask
				break
			}
		}
	}
	if t != nil {
		p.stats.Running++
		p.active++
		w.running = true
		return t, true
	}
	if p.idleFor == 0 || p.phase == shut {
		p.retireLocked(w)
		return nil, false
	}
	w.idleSince = p.ticks
	p.idle = append(p.idle, w)
	p.reapLaterLocked()
	return nil, true
}

// popIdleLocked takes the worker idle the shortest time off the list, to
// hand it a task, counted as running on it.
func (p *Pool) popIdleLocked() *worker {
	w := p.idle[len(p.idle)-1]
	p.idle[len(p.idle)-1] = nil
	p.idle = p.idle[:len(p.idle)-1]
	p.stats.Running++
	p.active++
	w.running = true
	return w
}

// reapLaterLocked arms the reaper, unless it is armed: one timer for the
// pool, ticking every idle timeout while workers idle, rather than one per
// idle worker, whose Reset and select took a tenth of BenchmarkAntsSleep,
// where workers idle between waves. A worker tells how long it has idled by
// the ticks it has seen, not by the clock, which took a tenth of
// BenchmarkSubmit under mu.
func (p *Pool) reapLaterLocked() {
	if p.reaper == nil && len(p.idle) > 0 {
		p.goroutines.Add(1)
		p.reaper = time.AfterFunc(p.idleFor, p.reap)
	}
}

// reap tells the workers idle since before the previous tick, so for one to
// two idle timeouts, to leave: the oldest, at the bottom of the idle list.
func (p *Pool) reap() {
	defer p.goroutines.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reaper = nil
	p.ticks++
	n := 0
	for n < len(p.idle) && p.ticks-p.idle[n].idleSince >= 2 {
		w := p.idle[n]
		p.retireLocked(w)
		w.wake <- nil // it has room
		n++
	}
	p.idle = append(p.idle[:0], p.idle[n:]...)
	p.reapLaterLocked()
}

// retireLocked counts w, idle or done with its task, as gone: its goroutine
// returns, and its helpers with it.
func (p *Pool) retireLocked(w *worker) {
	p.stats.Workers--
	for _, h := range w.helpers {
		if h != nil {
			close(h.run)
		}
	}
	w.helpers = nil
}

// goexit accounts for t, which called runtime.Goexit on w's goroutine or on
// its helper h, in the deferred calls of the dying goroutine. A worker's
// goroutine is replaced, so that the worker keeps serving; a helper is made
// anew when next needed.
func (p *Pool) goexit(w *worker, t task, h *helper, err error) {
	if h != nil {
		p.mu.Lock()
		if len(w.helpers) >= h.n && w.helpers[h.n-1] == h {
			w.helpers[h.n-1] = nil
		}
		p.mu.Unlock()
		p.finishHelped(w, t, err, true)
		return
	}
	w.level.key = nil // before the worker runs another task
	if next, ok, _ := p.finish(w, t, err); ok {
		p.goroutines.Add(1)
		go p.work(w, next)
	}
}

// labelsOf returns a context that holds ctx's pprof labels and nothing
// else, at its first level, where pprof.SetGoroutineLabels finds them at once.
func labelsOf(ctx context.Context) context.Context {
	var kv []string
	pprof.ForLabels(ctx, func(k, v string) bool {
		kv = append(kv, k, v)
		return true
	})
	if kv == nil {
		return context.Background()
	}
	return pprof.WithLabels(context.Background(), pprof.Labels(kv...))
}
