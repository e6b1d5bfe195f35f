package pool

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
)

// A task is what the queue holds: a *Future[R] for Submit, a goTask for Go.
type task interface {
	// call runs the task's function with ctx; a Future keeps the value.
	call(ctx context.Context) error
	// state returns the Future's state, or nil for a goTask.
	state() *taskState
}

// goTask is a task of Pool.Go. A func is pointer-shaped, so a goTask fits in
// an interface without an allocation.
type goTask func(ctx context.Context) error

func (g goTask) call(ctx context.Context) error { return g(ctx) }
func (goTask) state() *taskState                { return nil }

// settle completes t with err and returns what Wait must report for it: a
// goTask's error; nil for a Future, which keeps its error.
func settle(t task, err error) error {
	if s := t.state(); s != nil {
		s.settle(err)
		return nil
	}
	return err
}

// A worker is one of the pool's goroutines, or its successor after a task
// called runtime.Goexit.
type worker struct {
	// wake passes a task to the worker while it is idle, or nil to tell it to
	// return. It holds one: only the one who takes the worker off the idle
	// list sends, once.
	wake chan task
}

// work runs tasks, t first, until Close tells it to return.
func (p *Pool) work(w *worker, t task) {
	defer p.workers.Done()
	for {
		if t == nil {
			if t = <-w.wake; t == nil {
				return
			}
		}
		err := p.run(w, t)
		e := settle(t, err) // before the counters: Wait returns with the Futures of the tasks that ran complete
		p.mu.Lock()
		p.finishLocked(err, e)
		var admitted *waiter
		t, admitted = p.nextLocked(w)
		p.mu.Unlock()
		admitted.release()
	}
}

// run runs t on the worker w, or inline on a task's goroutine when w is nil,
// and returns its error, or a *errgroupx.PanicError for a panic. If t calls
// runtime.Goexit, run does not return: goexit accounts for t first.
func (p *Pool) run(w *worker, t task) error {
	ctx := p.tctx
	if s := t.state(); s != nil && s.ctx != nil {
		if p.owns(s.ctx) {
			ctx = s.ctx // a task's ctx ends with the pool's already
		} else {
			c, cancel := context.WithCancelCause(s.ctx)
			stop := context.AfterFunc(p.ctx, func() { cancel(p.ctx.Err()) })
			// Deferred, so that a Goexit releases them too.
			defer cancel(nil)
			defer stop()
			ctx = context.WithValue(c, poolKey{}, p)
		}
	}
	return errgroupx.Recover(
		func() error { return t.call(ctx) },
		func(err error) { p.goexit(w, t, err) },
	)
}

// goexit accounts for t, which called runtime.Goexit on w's goroutine, and
// starts w's successor. It runs in the deferred calls of the dying goroutine,
// before its p.workers.Done, so the WaitGroup never reaches zero in between.
// For an inline task (w nil), the worker whose task called SubmitContext
// dies with it; its own run calls goexit for its own task next.
func (p *Pool) goexit(w *worker, t task, err error) {
	e := settle(t, err)
	p.mu.Lock()
	p.finishLocked(err, e)
	var next task
	var admitted *waiter
	if w != nil {
		next, admitted = p.nextLocked(w)
	}
	p.mu.Unlock()
	admitted.release()
	if w != nil {
		p.workers.Add(1)
		go p.work(w, next)
	}
}

// runInline runs t on the calling goroutine, a task of p's: t was submitted to
// the full queue, or claimed by WaitContext. p.stats already counts it as
// running.
func (p *Pool) runInline(t task) {
	err := p.run(nil, t)
	e := settle(t, err)
	p.mu.Lock()
	p.finishLocked(err, e)
	p.mu.Unlock()
}

// finishLocked counts a task that ran, with its error err, and keeps e for
// Wait.
func (p *Pool) finishLocked(err, e error) {
	p.stats.Running--
	p.stats.Completed++
	if err != nil {
		p.stats.Failed++
	}
	if e != nil {
		p.errs = append(p.errs, e)
	}
	p.checkDrainedLocked()
}

// nextLocked takes the next task off the queue for w, or registers w as idle
// and returns nil. The slot that came free goes to the longest-waiting
// submitter, whose waiter nextLocked returns too: the caller releases it
// after unlocking mu, so that its wakeup does not lengthen the critical
// section that every submitter and worker waits for.
func (p *Pool) nextLocked(w *worker) (task, *waiter) {
	if !p.endedLocked() {
		for p.queue.n > 0 {
			t := p.queue.pop()
			if s := t.state(); s != nil {
				if !s.queued {
					continue
				}
				unqueueLocked(s)
			}
			p.stats.Queued--
			p.stats.Running++
			wt, waiting := p.popWaiterLocked()
			if wt != nil {
				p.pushLocked(waiting)
			}
			return t, wt
		}
		// An empty queue with submitters waiting: QueueSize(0), where a
		// worker takes the task straight from the longest-waiting one.
		if wt, t := p.popWaiterLocked(); wt != nil {
			p.stats.Submitted++
			p.stats.Running++
			return t, wt
		}
	}
	p.idle = append(p.idle, w)
	return nil, nil
}
