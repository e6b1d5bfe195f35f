package pool

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

// A worker is the right to run one task function at a time: a goroutine
// that runs queued tasks and, while its task lends it, helpers (nest.go).
type worker struct {
	p     *Pool
	level // its own goroutine's, level 0
	// wake hands the idle worker a task, or nil to leave. It holds one: only
	// who takes the worker off the idle list sends.
	wake chan task
	// pending says whether it was handed a task it has not yet started
	// (sendingLocked), written by the hander under mu and by w as it starts.
	pending atomic.Int32

	// Guarded by p.mu.
	idleSince int  // the reaper's tick when it went idle, while in p.idle
	next      task // the first task, from startLocked to launch
	nesting        // nest.go
}

// startLocked counts t as running on a new worker, for the caller to launch.
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

func (p *Pool) launch(w *worker) {
	t := w.next
	w.next = nil
	go p.work(w, t)
}

// work runs tasks on w's goroutine, t first (if not nil), until w leaves.
func (p *Pool) work(w *worker, t task) {
	defer p.goroutines.Done()
	pprof.SetGoroutineLabels(p.labels) // not those it inherited from its starter
	defer p.unregister(p.register(w))
	handed := t != nil // by launch
	for {
		if t == nil {
			// Parked, idle. Spinning before parking, to spare hand-offs a
			// wake-up, made bench/'s PondRand 1.3 to 3.6 times slower on 2
			// cores: the spinners took the CPU from the submitter.
			if t = <-w.wake; t == nil {
				return
			}
			handed = true
		}
		// Only a handed task was sent with pending set (sendingLocked); one
		// finish took from the queue was not.
		if handed && w.pending.Swap(started) == relayOwed {
			p.relay(w)
		}
		handed = false
		var ok, woke bool
		if t, ok, woke = p.finish(w, t, p.run(w, t, nil)); !ok {
			return
		}
		if woke && t != nil {
			// Let the woken waiter, next on this P, run: else a Group's
			// Wait came back tens of ms late beside a big group (bench's
			// FairGroups).
			runtime.Gosched()
		}
	}
}

// register records the calling goroutine as one that runs w's tasks, and
// returns its id (~2 µs, once per goroutine) for unregister.
func (p *Pool) register(w *worker) uint64 {
	id := nest.GoroutineID()
	p.mu.Lock()
	p.byID[id] = w
	p.mu.Unlock()
	return id
}

// unregister forgets id as its goroutine ends, deferred. A panic that gets
// here is the pool's own (run recovers a task's), maybe raised under mu: it
// goes on without taking mu, to crash the program rather than hang it.
func (p *Pool) unregister(id uint64) {
	if r := recover(); r != nil {
		panic(r)
	}
	p.mu.Lock()
	delete(p.byID, id)
	p.mu.Unlock()
}

// run runs t, counted as running on w, on w's goroutine or its helper h. It
// returns t's error, a *errgroupx.PanicError for a panic, or a skipped if
// t's ctx, or the pool's, ended before it started: the one place that
// checks, whatever path brought t. If t calls runtime.Goexit, run does not
// return: goexit accounts for t.
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
		pprof.SetGoroutineLabels(c.ctx) // fn's ctx's labels, without a merge
	}
	k := s.keyOf()
	if k != nil {
		lv.key = k // for checkKeyWait
	}
	err = errgroupx.Recover(
		func() error { return t.call(ctx) },
		func(err error) { p.goexit(w, t, h, err) },
	)
	if k != nil {
		// Not written for an unkeyed task: with 50,000 workers, one idle
		// since its last task is cold, and this store and finish's to
		// wanted cost bench's BenchmarkAntsSleep 7%.
		lv.key = nil
	}
	// Undo labels the task set (~7 ns).
	pprof.SetGoroutineLabels(p.labels)
	if pe, ok := err.(*errgroupx.PanicError); ok {
		if leaf, ok := pe.Value.(*errgroupx.PanicError); ok {
			// A Wait in the task re-raised its work's panic: pass the leaf on.
			err = leaf
		}
	}
	return err
}

// skipped is run's report of a task that did not start because a ctx ended:
// the caller's error, or nil for the pool's (errSkipPool), which doneLocked
// takes from the pool.
type skipped struct{ err error }

var errSkipPool = skipped{}

func (skipped) Error() string { return "pool: skipped" }

// finish settles t, run on w's own goroutine, and returns w's next task, or
// nil with ok true to go idle, or ok false if w has left; and whether
// settling t woke a goroutine.
func (p *Pool) finish(w *worker, t task, err error) (next task, ok, woke bool) {
	p.groupFailed(t, err)
	if !p.mu.TryLock() {
		// Workers finish in bursts (timers that fire together), and queued
		// on mu they handed it on one by one, each woken in turn: a third
		// of bench's AntsSleep in the mutex, 1.1 times ants. Yielding once
		// first lets the holder finish: 0.73 to 0.9 times ants.
		runtime.Gosched()
		p.mu.Lock()
	}
	woke = p.doneLocked(t, err)
	w.running = false
	if w.wanted != nil {
		w.wanted = nil // what its task's waiters still want, any worker runs
	}
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

// groupFailed tells t's Group that t ran and failed, before t is settled,
// so that the Wait the settling wakes finds the failure.
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

// doneLocked counts the running t as completed or skipped, and settles it.
func (p *Pool) doneLocked(t task, err error) (woke bool) {
	p.stats.Running--
	if k := t.state().keyOf(); k != nil {
		p.queue.Done(k) // whatever became of t
	}
	if sk, ok := err.(skipped); ok {
		p.stats.Skipped++
		if sk.err == nil {
			p.observeEndLocked()
			p.ctxSkipped = true
			err = p.endErr
			if s := t.state(); s != nil {
				return p.completeLocked(s, err)
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

// nextLocked returns w's next task, counted as running, and true; or parks
// w and returns nil, true; or retires w and returns false, when the pool is
// over its bound or keeps no worker idle.
func (p *Pool) nextLocked(w *worker) (task, bool) {
	p.observeEndLocked()
	if p.stats.Workers > int64(p.bound) {
		p.retireLocked(w)
		return nil, false
	}
	t := p.dequeueLocked()
	if t == nil {
		t = p.waitingLocked() // a blocked submitter's (QueueSize(0), or a busy key)
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

// popIdleLocked takes the most recently idle worker, to hand it a task
// counted as running.
func (p *Pool) popIdleLocked() *worker {
	w := p.idle[len(p.idle)-1]
	p.idle[len(p.idle)-1] = nil
	p.idle = p.idle[:len(p.idle)-1]
	p.stats.Running++
	p.active++
	w.running = true
	return w
}

// reapLaterLocked arms the reaper, one timer ticking every idle timeout
// while workers idle: a timer per worker took a tenth of BenchmarkAntsSleep,
// and reading the clock, rather than counting ticks, a tenth of
// BenchmarkSubmit.
func (p *Pool) reapLaterLocked() {
	if p.reaper == nil && len(p.idle) > 0 {
		p.goroutines.Add(1)
		p.reaper = time.AfterFunc(p.idleFor, p.reap)
	}
}

// reap tells the workers idle since before the previous tick (one to two
// timeouts, at the bottom of the idle list) to leave.
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

// retireLocked counts w as gone; its helpers leave with it.
func (p *Pool) retireLocked(w *worker) {
	p.stats.Workers--
	if p.waker == w {
		p.waker = nil
	}
	for _, h := range w.helpers {
		if h != nil {
			close(h.run)
		}
	}
	w.helpers = nil
}

// goexit accounts for t, which called runtime.Goexit on w's goroutine or
// helper h, from the dying goroutine's defers. A worker's goroutine is
// replaced; a helper is made anew when next needed.
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

// labelsOf returns a context holding ctx's pprof labels alone, at its first
// level, where pprof.SetGoroutineLabels finds them at once.
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
