package pool

import (
	"context"
	"runtime/pprof"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

// A worker is one of the pool's goroutines, or its successor after a task
// called runtime.Goexit.
type worker struct {
	// wake passes a task to the worker while it is idle, or nil to tell it to
	// return. It holds one: only the one who takes the worker off the idle
	// list sends, once.
	wake chan task
	p    *Pool
	// slot is the right to run a task on this worker, held by its goroutine
	// from its first task on (work), and lent while its task waits
	// (nest.go).
	slot *nest.Slot
	// ctx is what Submit's and Go's tasks run with on this worker's slot:
	// the pool's ctx, carrying slot.
	ctx context.Context
	// lastFrom and lastCtx are the last caller's ctx that a task ran with on
	// this slot, and that ctx carrying the slot: a group's tasks share one,
	// and then cost no new ctx each (BenchmarkSharedPoolGroup). Only the
	// goroutine that holds slot, or has borrowed it, uses them.
	lastFrom, lastCtx context.Context
}

// newWorker returns a worker of p's, idle, its goroutine not yet started.
func (p *Pool) newWorker() *worker {
	w := &worker{wake: make(chan task, 1), p: p}
	w.slot = nest.New(w)
	w.ctx = w.taskCtx(p.ctx, nil)
	return w
}

// work runs tasks, t first, until Close tells it to return.
func (p *Pool) work(w *worker, t task) {
	defer p.workers.Done()
	// A goroutine starts with the labels of the one that started it: New's
	// caller, or the task whose Goexit this worker replaces.
	pprof.SetGoroutineLabels(p.labels)
	if t == nil {
		t = <-w.wake
	}
	if t == nil {
		return
	}
	// The slot is held from the first task on, not from the start: finding
	// the goroutine's id is a traceback under the runtime's print lock
	// (nest.Slot.Hold), which the workers of a large pool, most never given
	// a task, would otherwise take in turn (BenchmarkNewClose).
	w.slot.Hold()
	for t != nil {
		t = p.finish(w, t, p.run(t, w, false, p.labels))
		if t == nil {
			t = <-w.wake
		}
	}
}

// run runs t on w's slot and returns its error, or a *errgroupx.PanicError
// for a panic: on w's goroutine, or inline on the goroutine of a caller that
// holds or has borrowed the slot. That goroutine carries the pprof labels of
// carried, and carries them again when run returns; t runs with the labels
// of its ctx. If t calls runtime.Goexit, run does not return: goexit
// accounts for t first.
func (p *Pool) run(t task, w *worker, inline bool, carried context.Context) error {
	dying := w // the worker whose goroutine a Goexit of t ends
	if inline {
		dying = nil
	}
	if c := t.state().callerOf(); c != nil {
		ctx, release := p.runCtx(c, w)
		// Deferred, so that a Goexit releases it too.
		defer release()
		pprof.SetGoroutineLabels(ctx)
		return p.call(t, dying, ctx, carried)
	}
	// A worker carries the pool's labels between tasks, so that Submit's and
	// Go's tasks, the hot path, need no call to set them.
	if inline {
		pprof.SetGoroutineLabels(p.labels)
	}
	return p.call(t, dying, w.ctx, carried)
}

// call calls t's function with ctx and sets the labels of carried back.
// dying is the worker whose goroutine this is, nil for an inline run.
func (p *Pool) call(t task, dying *worker, ctx, carried context.Context) error {
	err := errgroupx.Recover(
		func() error { return t.call(ctx) },
		func(err error) { p.goexit(dying, t, err) },
	)
	// A task may set labels of its own on its goroutine and not put them
	// back, and the runtime does not say what labels a goroutine carries: so
	// they are set back after every task, whether they changed or not. The
	// call costs ~7 ns (~17 ns for a pool whose ctx has labels: a look-up
	// of one level in carried), which BenchmarkSubmit does not tell apart
	// from its noise. After a Goexit there is no need: the goroutine is
	// gone, and its successor sets its own.
	pprof.SetGoroutineLabels(carried)
	return err
}

// finish settles t, which ran with the result err, counts it, and returns
// w's next task, or nil if w is nil (t ran inline) or has gone idle.
func (p *Pool) finish(w *worker, t task, err error) task {
	// A group hears of a failure first, so that its Wait, woken by the
	// settling, finds it.
	if err != nil {
		if c := t.state().callerOf(); c != nil && c.group != nil {
			c.group.failed(err)
		}
	}
	var next task
	var admitted *waiter
	p.mu.Lock()
	p.stats.Running--
	p.stats.Completed++
	if err != nil {
		p.stats.Failed++
	}
	// Settled under mu, once counted: whoever sees the Future complete
	// sees Stats count it, and when Wait returns, the Futures of the tasks
	// that ran are complete.
	if e := settle(t, err); e != nil {
		p.errs = append(p.errs, e)
	}
	if w != nil {
		next, admitted = p.nextLocked(w)
	}
	p.checkDrainedLocked()
	p.mu.Unlock()
	admitted.release()
	return next
}

// nextLocked takes the next task off the queue for w, counted as running, or
// registers w as idle and returns nil. The room that came free goes to the
// waiting submitters, whose waiters nextLocked returns too, chained, for the
// caller to release.
func (p *Pool) nextLocked(w *worker) (task, *waiter) {
	// Looking at the pool's ctx here, rather than waiting for end's
	// AfterFunc, which runs a moment later on its own goroutine, keeps a
	// worker from starting a queued task once ctx has ended.
	p.observeEndLocked()
	var admitted *waiter
	for {
		if t := p.dequeueLocked(); t != nil {
			p.stats.Running++
			return t, p.admitLocked(admitted)
		}
		// Nothing queued, yet a submitter may wait: with QueueSize(0), the
		// worker takes the task straight from the longest-waiting one.
		wt, t := p.popWaiterLocked()
		if wt == nil {
			break
		}
		wt.next, admitted = admitted, wt
		if p.acceptLocked(t) {
			p.stats.Running++
			return t, admitted
		}
	}
	p.idle = append(p.idle, w)
	return nil, admitted
}

// goexit accounts for t, which called runtime.Goexit on w's goroutine, and
// starts w's successor. It runs in the deferred calls of the dying goroutine,
// before its p.workers.Done, so the WaitGroup never reaches zero in between.
// For an inline task (w nil), the goroutine of the task that ran it dies
// with it; its own run calls goexit for that task next.
func (p *Pool) goexit(w *worker, t task, err error) {
	next := p.finish(w, t, err)
	if w != nil {
		p.workers.Add(1)
		go p.work(w, next)
	}
}

// labelsOf returns a context that holds ctx's pprof labels and nothing
// else, at its first level, where pprof.SetGoroutineLabels finds them at
// once.
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
