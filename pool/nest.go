package pool

import (
	"context"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/fanout-go/fanout/internal/nest"
)

// This file holds nested work: a task that waits for tasks of its own pool,
// itself or through goroutines it hands its ctx to.
//
// A worker runs one task function at a time. When the goroutine that runs
// it blocks in one of fanout's waits (Future.Wait, WaitContext, Group.Wait,
// a mapx call, an errgroupx group's Wait), it lends the worker for as long
// as it waits. While lent, the worker runs, one at a time, the queued tasks
// that the waiter itself, or a goroutine that carries the task's ctx, waits
// for: the waiter claims the task, and a helper goroutine of the worker's
// runs it. So the bound holds however many goroutines a task has, nothing
// waits for a task no worker will run, and a task always runs on one of
// the pool's goroutines: its Goexit or labels never touch its waiter's.
//
// Who lends is told by the goroutine: only the pool's own goroutines run
// tasks, each for one worker (byID), and a goroutine knows it is one of
// them from the function its stack starts with (onPoolGoroutine), reading
// its id (~2 µs) only then, once a wait. Who may claim is told by the ctx:
// it carries the worker's slot.

// nesting is a worker's state of lends, guarded by the pool's mu. Its
// goroutines form a stack: level 0 is the worker's own, level i its helper
// helpers[i-1]. lends[i] is the lend of level i's goroutine, blocked in a
// wait; the goroutine at level len(lends) runs a task if running.
//
// The worker is free to claim for when lent and no task runs on it, and its
// innermost lender is not waiting to take it back; lenders take it back
// innermost first, once the task above them has returned.
type nesting struct {
	lends   []*lend
	running bool
	helpers []*helper
	freed   chan struct{} // closed when the worker next comes free; nil until asked
}

type lend struct {
	back chan struct{} // made when the lender waits to take the worker back; closed when it has
}

// A helper is a goroutine of a worker's that runs tasks claimed at one level.
type helper struct {
	run   chan task // holds one: only a claimer at its level sends
	level int
}

// poolPrefix is the prefix of the names of this package's functions.
var poolPrefix = func() string {
	name := runtime.FuncForPC(reflectPC()).Name()
	return name[:strings.LastIndex(name, ".")+1]
}()

func reflectPC() uintptr {
	pc, _, _, _ := runtime.Caller(0)
	return pc
}

// onPoolGoroutine reports whether the calling goroutine is one that a pool
// started: it begins with a function of this package.
func onPoolGoroutine() bool {
	var buf [32]uintptr
	pcs := buf[:]
	n := runtime.Callers(2, pcs)
	for n == len(pcs) {
		pcs = make([]uintptr, 2*len(pcs))
		n = runtime.Callers(2, pcs)
	}
	if n < 2 {
		return false
	}
	// The last frame is runtime.goexit; the one before, the goroutine's:
	// a return address, inside the call that it made.
	f := runtime.FuncForPC(pcs[n-2] - 1)
	return f != nil && strings.HasPrefix(f.Name(), poolPrefix)
}

// ownWorker returns the worker whose task the calling goroutine runs, if it
// is one of p's goroutines, or nil.
func (p *Pool) ownWorker() *worker {
	if !onPoolGoroutine() {
		return nil
	}
	id := nest.GoroutineID()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byID[id]
}

// panicOnOwnGoroutine panics if a task of p calls method, which would wait
// for the task itself.
func (p *Pool) panicOnOwnGoroutine(method string) {
	if p.ownWorker() != nil {
		panic("pool: Pool." + method + " called from a task of the same pool, which it would wait for: " +
			"wait for the task's own work with a Group or its Futures")
	}
}

// slotOf returns the worker of p's whose slot ctx carries, or nil.
func (p *Pool) slotOf(ctx context.Context) *worker {
	if ctx == nil {
		return nil
	}
	if s := nest.FromContext(ctx); s != nil {
		if w, ok := s.Owner.(*worker); ok && w.p == p {
			return w
		}
	}
	return nil
}

// Lend lends w if the calling goroutine runs its task: nest.Lender, for
// errgroupx and mapx.
func (w *worker) Lend() func() {
	p := w.p
	if p.ownWorker() != w {
		return func() {}
	}
	p.mu.Lock()
	l := p.lendLocked(w)
	p.mu.Unlock()
	return func() { p.takeBack(w, l) }
}

// waiting is a caller's part in a wait for tasks of the pool: w is the
// worker it may claim tasks for (nil: none), l its lend if it runs w's task.
type waiting struct {
	w *worker
	l *lend
}

// beginWait finds the calling goroutine's part in a wait: it lends its
// worker if it runs a task of p's, or may claim for the worker whose slot
// ctx carries. endWait ends it.
func (p *Pool) beginWait(ctx context.Context) waiting {
	if w := p.ownWorker(); w != nil {
		p.mu.Lock()
		l := p.lendLocked(w)
		p.mu.Unlock()
		return waiting{w, l}
	}
	return waiting{w: p.slotOf(ctx)}
}

func (p *Pool) endWait(wt waiting) {
	if wt.l != nil {
		p.takeBack(wt.w, wt.l)
	}
}

// waitFor blocks until the task s completes, and reports true; or reports
// whether it has completed once gaveUp is closed. While s is queued and
// wt's worker free, it claims s and has it run there, then waits for it: a
// lender on its own lend at once, anyone else while fewer than the bound
// of task functions run.
func (p *Pool) waitFor(wt waiting, s *taskState, t task, gaveUp <-chan struct{}) bool {
	w := wt.w
	for {
		if s.completed() {
			return true
		}
		var ready <-chan struct{} // closed when a claim may be possible
		if w != nil {
			select {
			case <-gaveUp:
				return s.completed()
			default:
			}
			p.mu.Lock()
			p.observeEndLocked()
			switch {
			case !s.queued || p.ended:
				// A worker took s, or it was skipped: wait for it.
			case !w.freeLocked():
				ready = w.freedLocked()
			case w.top() != wt.l && p.active >= p.bound:
				// A borrower's claim starts a task: not beyond the bound,
				// which a Resize may have lowered below what runs.
				if p.below == nil {
					p.below = make(chan struct{})
				}
				ready = p.below
			default:
				p.claimLocked(s)
				h, isNew := p.runHelpedLocked(w)
				admitted := p.admitLocked(nil) // the room s left
				p.mu.Unlock()
				admitted.release()
				if isNew {
					go p.help(w, h)
				}
				h.run <- t
				s.settled.Wait()
				return true
			}
			p.mu.Unlock()
		}
		if ready == nil && gaveUp == nil {
			s.settled.Wait() // no channel to make
			return true
		}
		select {
		case <-s.doneChan():
			return true
		case <-ready:
		case <-gaveUp:
			return s.completed()
		}
	}
}

// runHelpedLocked counts a claimed task as running on w's free level and
// returns the helper that runs it there, and whether it is new, for the
// caller to start once it has unlocked mu.
func (p *Pool) runHelpedLocked(w *worker) (*helper, bool) {
	p.stats.Running++
	p.active++
	w.running = true
	lvl := len(w.lends)
	for len(w.helpers) < lvl {
		w.helpers = append(w.helpers, nil)
	}
	h := w.helpers[lvl-1]
	if h != nil {
		return h, false
	}
	h = &helper{run: make(chan task, 1), level: lvl}
	w.helpers[lvl-1] = h
	p.goroutines.Add(1)
	return h, true
}

// help runs the tasks claimed at h's level of w until w retires.
func (p *Pool) help(w *worker, h *helper) {
	defer p.goroutines.Done()
	pprof.SetGoroutineLabels(p.labels)
	defer p.unregister(p.register(w))
	for t := range h.run {
		p.finishHelped(w, t, p.run(w, t, h))
	}
}

// finishHelped settles t, which ran at w's top level, and counts it.
func (p *Pool) finishHelped(w *worker, t task, err error) {
	p.groupFailed(t, err)
	p.mu.Lock()
	p.doneLocked(t, err)
	w.running = false
	p.activeDownLocked()
	if l := w.top(); l.back != nil {
		// Its lender's wait is over: it takes the worker back.
		w.lends = w.lends[:len(w.lends)-1]
		w.running = true
		p.active++
		close(l.back)
	} else {
		w.signalFreedLocked()
	}
	p.checkDrainedLocked()
	p.mu.Unlock()
}

// lendLocked lends w, whose top level's goroutine is about to wait.
func (p *Pool) lendLocked(w *worker) *lend {
	l := &lend{}
	w.lends = append(w.lends, l)
	w.running = false
	p.activeDownLocked()
	w.signalFreedLocked()
	return l
}

// takeBack ends the lend l once w is free at it: at once, or once the tasks
// above it have returned.
func (p *Pool) takeBack(w *worker, l *lend) {
	p.mu.Lock()
	if w.top() == l && !w.running {
		w.lends = w.lends[:len(w.lends)-1]
		w.running = true
		p.active++
		p.mu.Unlock()
		return
	}
	l.back = make(chan struct{})
	p.mu.Unlock()
	<-l.back
}

func (w *worker) top() *lend {
	if len(w.lends) == 0 {
		return nil
	}
	return w.lends[len(w.lends)-1]
}

func (w *worker) freeLocked() bool {
	l := w.top()
	return l != nil && l.back == nil && !w.running
}

// freedLocked returns a channel closed when w next comes free.
func (w *worker) freedLocked() chan struct{} {
	if w.freed == nil {
		w.freed = make(chan struct{})
	}
	return w.freed
}

func (w *worker) signalFreedLocked() {
	if w.freed != nil {
		close(w.freed)
		w.freed = nil
	}
}

// activeDownLocked counts one task function fewer running.
func (p *Pool) activeDownLocked() {
	p.active--
	p.belowLocked()
}

// belowLocked wakes the claimers that wait for fewer than the bound to run.
func (p *Pool) belowLocked() {
	if p.below != nil && p.active < p.bound {
		close(p.below)
		p.below = nil
	}
}
