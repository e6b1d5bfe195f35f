package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// The outcomes of a task that did not run, besides a Future's error.
const (
	notRun  = "not run"  // a Go task
	refused = "refused"  // TrySubmit reported false
	anyRun  = "any run"  // wanted: it ran, or it did not, for a reason
	noRun   = "no run"   // wanted: it could not run
	missing = "missing!" // a Future not complete when Close returned
)

// What a task that did not run for want of a ctx gives.
var (
	poolSkip   = "0, " + poolCanceled   // the pool's ctx was canceled
	callerSkip = "0, " + callerCanceled // SubmitContext's ctx was
)

// describe says what a task's Future, or Wait for a Go task, gave.
func describe(v int, err error) string {
	var pe *errgroupx.PanicError
	var fe fuzzErr
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%d, panic %v", v, pe.Value)
	case errors.Is(err, errgroupx.ErrGoexit):
		return fmt.Sprintf("%d, goexit", v)
	case errors.As(err, &fe) && errors.Is(fe.cause, context.Canceled):
		// A held or nested task whose ctx ended, or whose child was skipped
		// for it: which ctx that was is the child's business.
		return fmt.Sprintf("%d, task %d: canceled", v, fe.id)
	}
	return fmt.Sprintf("%d, %v", v, err)
}

// sequential says what task id of kind gives when its function is called on
// its own, with a ctx that ended (canceled) or not.
func sequential(id, kind int, canceled bool) string {
	switch kind {
	case kError:
		return describe(0, fuzzErr{id, nil})
	case kPanic:
		return fmt.Sprintf("0, panic %d", id)
	case kGoexit:
		return "0, goexit"
	case kHeld, kNested:
		if canceled {
			return describe(0, fuzzErr{id, context.Canceled})
		}
	}
	return describe(id, nil)
}

// check compares, once Close has returned, what became of every task with
// its sequential outcome, Wait's errors with the failures of the Go tasks
// that ran, and the counters with the tasks.
func (s *fuzzRun) check(t *testing.T) {
	t.Helper()
	goErrs, goexits := s.waitErrors(t)
	var want, got []string
	var ran, failed, goexitsRan, skipped, slack int64
	for id := range s.tasks {
		tk := &s.tasks[id]
		if tk.call == cWait {
			continue
		}
		n := int64(tk.ran.Load())
		if n > 1 {
			t.Fatalf("task %d ran %d times", id, n)
		}
		g := s.outcome(id, goErrs)
		w := g
		// A task may fail for want of a run when its caller's ctx ends, the
		// pool's ctx ended (at any time, if it was queued), or after Close
		// began; and must, after the pool's ctx or its caller's ended. Its
		// error says which ctx ended.
		callerEnds := tk.call == cContextEnds || tk.call == cContextEnded
		endable := s.canceled || callerEnds
		mustNot := tk.afterCancel || tk.call == cContextEnded || tk.refused
		switch {
		case n == 1 && mustNot:
			w = noRun
		case n == 1:
			// The held and nested tasks see their ctx end, or not.
			w = sequential(id, tk.kind, endable && g == sequential(id, tk.kind, true))
		case tk.call == cGroupGoKey && g != describe(id, nil) && (s.canceled || tk.afterClose):
			// Its Group's Wait gives the pool's end or ErrClosed.
		case g == poolSkip && s.canceled,
			g == callerSkip && callerEnds,
			g == describe(0, pool.ErrClosed) && tk.afterClose,
			g == notRun && (s.canceled || tk.afterClose),
			g == refused:
		default:
			w = anyRun
		}
		want = append(want, fmt.Sprintf("task %d (call %d, kind %d): %s", id, tk.call, tk.kind, w))
		got = append(got, fmt.Sprintf("task %d (call %d, kind %d): %s", id, tk.call, tk.kind, g))

		// The counters: every task that ran, and its child; the skipped
		// ones, which are known only within slack for the calls that may
		// give up before a task is accepted.
		ran += n + int64(tk.childRan.Load())
		if n == 1 && g != describe(id, nil) {
			failed++
		}
		switch {
		case tk.kind == kGoexit && n == 1 && isGo(tk.call):
			goexitsRan++
		case n == 0 && (isGo(tk.call) || tk.call == cContextEnds || tk.call == cContextEnded || tk.call == cGroupGoKey):
			slack++
		case n == 0 && g == poolSkip:
			skipped++ // Submit, TrySubmit and a lasting SubmitContext
		}
		if tk.kind == kNested && n == 1 && tk.childRan.Load() == 0 {
			if tk.call == cContextEnds {
				slack++ // its ctx ended before it added its child
			} else {
				skipped++
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("tasks (-want +got):\n%s", diff)
	}
	s.checkKeys(t)
	if goexits != goexitsRan {
		t.Errorf("Wait returned ErrGoexit %d times, for %d Go tasks that called Goexit", goexits, goexitsRan)
	}
	st := s.p.Stats()
	checkInvariant(t, st)
	if st.Queued != 0 || st.Running != 0 || st.Completed != ran || st.Failed != failed ||
		st.Skipped < skipped || st.Skipped > skipped+slack {
		t.Errorf("Stats %+v: want none queued or running, %d completed, %d failed, %d to %d skipped",
			st, ran, failed, skipped, skipped+slack)
	}
}

// isGo reports whether call's task gives its error to Wait.
func isGo(call int) bool {
	return call == cGo || call == cGo2 || call == cTryGo || call == cGoContext || call == cGoKey
}

// checkKeys checks that each key's tasks started one at a time, in the
// order they were added (see keyProblems).
func (s *fuzzRun) checkKeys(t *testing.T) {
	t.Helper()
	for _, p := range keyProblems(s.keys) {
		t.Errorf("%s", p)
	}
}

// checkTurns queues prog's first 64 bytes as tasks behind workers held by a
// gate, each in group b % (groups+1) (the last: Pool.Go, no Group), frees
// one worker, and checks the order the tasks start in: within a group, the
// order added; and between two tasks of a group (or before its first), at
// most one task of each other group. All are queued from the start, and
// with one worker free the order they start in is the order of the queue.
func checkTurns(t *testing.T, deadline time.Time, workers, groups int, prog []byte) {
	t.Helper()
	if len(prog) > 64 {
		prog = prog[:64]
	}
	if len(prog) < 2 {
		return
	}
	groupOf := make([]int, len(prog))
	for i, b := range prog {
		groupOf[i] = int(b) % (groups + 1)
	}
	var mu sync.Mutex
	var order []int  // tasks, in the order they started
	var errs []error // the Groups' Wait's and Close's
	where := func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("in checkTurns, %d of %d tasks started: order %v, groups %v", len(order), len(prog), order, groupOf)
	}
	within(t, deadline, where, func() {
		p := pool.New(context.Background(), workers, pool.QueueSize(len(prog)))
		first, rest := make(chan struct{}), make(chan struct{})
		var up sync.WaitGroup
		up.Add(workers)
		for i := range workers {
			gate := rest
			if i == 0 {
				gate = first
			}
			p.Go(func(context.Context) error { up.Done(); <-gate; return nil })
		}
		up.Wait()
		var started sync.WaitGroup
		started.Add(len(prog))
		gs := make([]*pool.Group[int], groups)
		for i := range gs {
			gs[i] = pool.NewGroup[int](context.Background(), p)
		}
		for i := range prog {
			fn := func(context.Context) (int, error) {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				started.Done()
				return i, nil
			}
			if groupOf[i] == groups {
				p.Go(func(ctx context.Context) error { _, err := fn(ctx); return err })
			} else {
				gs[groupOf[i]].Go(fn)
			}
		}
		close(first)
		started.Wait()
		close(rest)
		for i, g := range gs {
			if _, err := g.Wait(); err != nil {
				errs = append(errs, fmt.Errorf("group %d: Wait returned %w", i, err))
			}
		}
		if err := p.Close(); err != nil {
			errs = append(errs, fmt.Errorf("Close returned %w", err))
		}
	})
	for _, err := range errs {
		t.Error(err)
	}
	last := make([]int, groups+1)   // each group's last task started
	lastAt := make([]int, groups+1) // and its place in order
	for g := range last {
		last[g], lastAt[g] = -1, -1
	}
	for at, i := range order {
		g := groupOf[i]
		if i <= last[g] {
			t.Fatalf("group %d: task %d started after task %d, added later; order %v, groups %v", g, i, last[g], order, groupOf)
		}
		var seen [6]int
		for _, j := range order[lastAt[g]+1 : at] {
			h := groupOf[j]
			if seen[h]++; seen[h] > 1 {
				t.Fatalf("group %d: task %d started behind 2 tasks of group %d since its last; order %v, groups %v",
					g, i, h, order, groupOf)
			}
		}
		last[g], lastAt[g] = i, at
	}
}

// outcome says what became of task id: what its Future holds, or for a Go
// task, what Wait returned for it.
func (s *fuzzRun) outcome(id int, goErrs map[int]error) string {
	tk := &s.tasks[id]
	switch {
	case tk.refused:
		return refused
	case tk.group != nil:
		return tk.groupGave
	case tk.future != nil:
		v, ok, err := tk.future.TryWait()
		if !ok {
			return missing
		}
		return describe(v, err)
	case tk.ran.Load() == 0:
		return notRun
	case tk.kind == kGoexit:
		return "0, goexit" // counted: ErrGoexit does not say whose it is
	case goErrs[id] != nil:
		return describe(0, goErrs[id])
	}
	return describe(id, nil)
}

// waitErrors sorts the errors that Wait and Close returned: the Go tasks'
// by id, ErrGoexit counted; ctx's error and ErrClosed at most once per call.
func (s *fuzzRun) waitErrors(t *testing.T) (byID map[int]error, goexits int64) {
	t.Helper()
	byID = make(map[int]error)
	var ctxErrs, closedErrs int
	for _, err := range s.errs {
		var pe *errgroupx.PanicError
		var fe fuzzErr
		id := -1
		switch {
		case errors.As(err, &pe):
			id, _ = pe.Value.(int)
		case errors.As(err, &fe):
			id = fe.id
		case errors.Is(err, errgroupx.ErrGoexit):
			goexits++
			continue
		case err.Error() == poolCanceled && s.canceled:
			ctxErrs++
			continue
		case err == pool.ErrClosed && s.closing:
			closedErrs++
			continue
		}
		if id < 0 || id >= len(s.tasks) || !isGo(s.tasks[id].call) || byID[id] != nil {
			t.Errorf("Wait returned %v: not the error of a Go task, or twice", err)
			continue
		}
		byID[id] = err
	}
	if ctxErrs > s.waits || closedErrs > s.waits {
		t.Errorf("ctx's error %d times, ErrClosed %d times, in %d calls of Wait and Close", ctxErrs, closedErrs, s.waits)
	}
	return byID, goexits
}
