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
// The goroutine that runs a task lends its worker while it blocks in one of
// fanout's waits. A waiter whose ctx carries the worker's slot adds the task
// it waits for, queued or blocked, to the worker's wanted list; the lent
// worker runs those one at a time on a helper goroutine. So the bound holds
// however many goroutines a task has, nothing waits for a task no worker
// will run, and a task's Goexit or labels never touch a waiter.
//
// Only the pool's goroutines run tasks, each for one worker (byID). A
// goroutine knows it is one from its stack's first function
// (onPoolGoroutine), and only then reads its id (~2 µs), once a wait. A ctx
// carrying the slot of a level below the top tells, without a look, that
// its goroutine does not run the top's task.

// nesting is a worker's lends, guarded by mu. Its goroutines form a stack
// of levels (level); lends[i] is the lend of level i's goroutine, blocked in
// a wait, and the goroutine at level len(lends) runs a task if running.
//
// The worker is free when lent, running nothing, and its innermost lender is
// not waiting to take it back. Then it runs, at its top level, the tasks its
// waiters want, oldest first, while active < bound; lenders take it back
// innermost first, once the task above them has returned.
type nesting struct {
	lends   []*lend
	running bool
	helpers []*helper
	wanted  []task // tasks its waiters wait for, maybe no longer queued
	starved bool   // listed in the pool's starved: free, wanted, but at the bound
}

type lend struct {
	back chan struct{} // made when the lender waits to take the worker back; closed when it has
}

// A level is where one of a worker's goroutines runs tasks: level 0 is the
// worker's own, level n its helper helpers[n-1]. A task run there gets a
// ctx carrying the level's slot.
type level struct {
	w    *worker
	n    int
	slot nest.Slot       // Owner: the level
	ctx  context.Context // p.ctx carrying slot: what Submit's and Go's tasks run with here
	key  any             // the running keyed task's key, or nil: written by the level's goroutine, read by checkKeyWait
}

func (lv *level) init(w *worker, n int) {
	lv.w, lv.n = w, n
	lv.slot.Owner = lv
	lv.ctx = nest.NewContext(w.p.ctx, &lv.slot)
}

// A helper is a worker's goroutine at a level above 0.
type helper struct {
	level
	run chan task // holds one: a task is sent only while the level runs none
}

// poolPrefix prefixes the names of this package's functions.
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
	// The last frame is runtime.goexit, the one before the goroutine's
	// function (a return address: -1 to be inside its call).
	f := runtime.FuncForPC(pcs[n-2] - 1)
	return f != nil && strings.HasPrefix(f.Name(), poolPrefix)
}

// ownWorker returns the worker the calling goroutine runs tasks for, or nil.
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
// for the task.
func (p *Pool) panicOnOwnGoroutine(method string) {
	if p.ownWorker() != nil {
		panic("pool: Pool." + method + " called from a task of the same pool, which it would wait for: " +
			"wait for the task's own work with a Group or its Futures")
	}
}

// slotOf returns the level of p's whose slot ctx carries, or nil.
func (p *Pool) slotOf(ctx context.Context) *level {
	if ctx == nil {
		return nil
	}
	if s := nest.FromContext(ctx); s != nil {
		if lv, ok := s.Owner.(*level); ok && lv.w.p == p {
			return lv
		}
	}
	return nil
}

// mayRun reports whether a goroutine whose ctx carries lv's slot may run its
// worker's task at the top level: not if lv is below the top, nor if no task
// runs there.
func (p *Pool) mayRun(lv *level) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return lv.mayRunLocked()
}

func (lv *level) mayRunLocked() bool {
	return lv.n == len(lv.w.lends) && lv.w.running
}

// Lend is nest.Lender's, for errgroupx and mapx: it lends lv's worker if
// the calling goroutine runs its task.
func (lv *level) Lend() func() {
	w, p := lv.w, lv.w.p
	if !p.mayRun(lv) || p.ownWorker() != w {
		return func() {}
	}
	p.mu.Lock()
	l := p.lendLocked(w)
	p.mu.Unlock()
	return func() { p.takeBack(w, l) }
}

// waiting is a caller's part in a wait: w the worker it may claim tasks for,
// or nil; l its lend if it runs w's task.
type waiting struct {
	w *worker
	l *lend
}

// beginWait lends the caller's worker if it runs a task of p's, or else
// claims for the worker whose slot ctx carries. endWait ends it.
func (p *Pool) beginWait(ctx context.Context) waiting {
	lv := p.slotOf(ctx)
	if lv != nil && !p.mayRun(lv) {
		return waiting{w: lv.w}
	}
	if w := p.ownWorker(); w != nil {
		p.mu.Lock()
		l := p.lendLocked(w)
		p.mu.Unlock()
		return waiting{w, l}
	}
	if lv != nil {
		return waiting{w: lv.w}
	}
	return waiting{}
}

func (p *Pool) endWait(wt waiting) {
	if wt.l != nil {
		p.takeBack(wt.w, wt.l)
	}
}

// waitFor is park after asking wt's worker to run s when free: the waiter
// itself never runs a task.
func (p *Pool) waitFor(wt waiting, s *taskState, t task, gaveUp <-chan struct{}) bool {
	if w := wt.w; w != nil && !s.completed() {
		select {
		case <-gaveUp:
			return s.completed() // a ctx that has ended claims nothing
		default:
		}
		p.mu.Lock()
		p.wantLocked(w, s, t)
		p.mu.Unlock()
	}
	return park(s, gaveUp)
}

// waitInTask is waitFor for WaitContext with a ctx carrying lv's slot: one
// lock tells the common case, a goroutine that cannot run lv's top-level
// task (one the task handed its ctx to), and claims s for lv's worker.
func (p *Pool) waitInTask(ctx context.Context, lv *level, s *taskState, t task) bool {
	gaveUp := ctx.Done()
	select {
	case <-gaveUp:
		return s.completed() // a ctx that has ended claims nothing
	default:
	}
	p.mu.Lock()
	if !lv.mayRunLocked() {
		p.wantLocked(lv.w, s, t)
		p.mu.Unlock()
		return park(s, gaveUp)
	}
	p.mu.Unlock()
	wt := p.beginWait(ctx)
	ok := p.waitFor(wt, s, t, gaveUp)
	p.endWait(wt)
	return ok
}

// wantLocked asks w to run s when free: now if queued or blocked, or once
// its submitter blocks (await).
func (p *Pool) wantLocked(w *worker, s *taskState, t task) {
	p.observeEndLocked()
	switch {
	case p.ended || s.completed():
	case s.queued || s.blocked:
		w.wanted = append(w.wanted, t) // a keyed t: see nextWantedLocked
		p.claimForLocked(w)
	case s.callerOf() != nil: // not yet added, or running
		s.caller.wantedBy = w
	}
}

// park blocks until s completes, and reports true; or, once gaveUp is
// closed, reports whether s has completed.
func park(s *taskState, gaveUp <-chan struct{}) bool {
	if s.completed() {
		return true
	}
	if gaveUp == nil {
		return s.pool.sleep(s, false)
	}
	select {
	case <-s.doneChan():
		return true
	case <-gaveUp:
		return s.completed()
	}
}

// nextWantedLocked takes the oldest task wanted on w, still queued or
// blocked, to run at w's free top level, counted as running; or returns nil.
// At the bound it lists w as starved, for serveStarvedLocked.
func (p *Pool) nextWantedLocked(w *worker) task {
	for len(w.wanted) > 0 && w.freeLocked() {
		t := w.wanted[0]
		s := t.state()
		if !(s.queued || s.blocked) || p.ended {
			w.wanted[0] = nil
			w.wanted = w.wanted[1:]
			continue
		}
		if p.active >= p.bound {
			// Maybe after a Resize shrank it: wait for a return.
			if !w.starved {
				w.starved = true
				p.starved = append(p.starved, w)
			}
			return nil
		}
		if s.keyOf() != nil {
			// Not out of its key's order: serve the queue in order, as
			// any worker would, until t has run (maybe here).
			if t = p.dequeueLocked(); t == nil {
				return nil // nothing ready: t's key is out, its runner moves it on
			}
		} else {
			w.wanted[0] = nil
			w.wanted = w.wanted[1:]
			if s.queued {
				p.unqueueLocked(s) // claimed: dead in the queue
				p.compactLocked()
			} else if !p.unblockLocked(t) {
				continue // its caller's ctx ended: it failed unrun
			}
		}
		p.stats.Running++
		p.active++
		w.running = true
		return t
	}
	return nil
}

// claimForLocked runs the next task wanted on w, if any, on the helper of
// w's top level, made if need be.
func (p *Pool) claimForLocked(w *worker) {
	t := p.nextWantedLocked(w)
	if t == nil {
		return
	}
	lvl := len(w.lends)
	for len(w.helpers) < lvl {
		w.helpers = append(w.helpers, nil)
	}
	h := w.helpers[lvl-1]
	if h == nil {
		h = &helper{run: make(chan task, 1)}
		h.level.init(w, lvl)
		w.helpers[lvl-1] = h
		p.goroutines.Add(1)
		go p.help(w, h)
	}
	h.run <- t                   // never blocks: the level ran nothing
	p.admitLocked(nil).release() // t's room; wakes never block
}

// serveStarvedLocked gives the room under the bound to the starved workers.
func (p *Pool) serveStarvedLocked() {
	for p.active < p.bound && len(p.starved) > 0 {
		w := p.starved[0]
		p.starved[0] = nil
		p.starved = p.starved[1:]
		w.starved = false
		p.claimForLocked(w)
	}
}

// help runs the tasks claimed at h's level of w until w retires.
func (p *Pool) help(w *worker, h *helper) {
	defer p.goroutines.Done()
	pprof.SetGoroutineLabels(p.labels)
	defer p.unregister(p.register(w))
	for t := range h.run {
		for t != nil {
			t = p.finishHelped(w, t, p.run(w, t, h), false)
		}
	}
}

// finishHelped settles t, run at w's top level, and returns the helper's
// next task, unless it is dying.
func (p *Pool) finishHelped(w *worker, t task, err error, dying bool) (next task) {
	p.groupFailed(t, err)
	p.mu.Lock()
	p.doneLocked(t, err)
	w.running = false
	p.active--
	if l := w.top(); l.back != nil {
		// Its lender waits to take the worker back.
		w.lends = w.lends[:len(w.lends)-1]
		w.running = true
		p.active++
		close(l.back)
	} else if dying {
		p.claimForLocked(w) // on a new helper
	} else if next = p.nextWantedLocked(w); next != nil {
		p.admitLocked(nil).release()
	}
	p.dispatchLocked() // what t's key, moved on, made ready beyond next
	p.serveStarvedLocked()
	p.checkDrainedLocked()
	p.mu.Unlock()
	return next
}

// lendLocked lends w, whose top level's goroutine is about to wait.
func (p *Pool) lendLocked(w *worker) *lend {
	l := &lend{}
	w.lends = append(w.lends, l)
	w.running = false
	p.active--
	p.claimForLocked(w)
	p.serveStarvedLocked()
	return l
}

// takeBack ends the lend l once the tasks above it have returned.
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
