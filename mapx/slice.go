package mapx

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/fanout-go/fanout/errgroupx"
)

// sliceRun is one call of Map, ForEach or Settle: min(limit, len(in)) workers
// claim indices of in and call fn on them. Map stops at the first failed
// call; Settle (settle) records each call's error and goes on.
//
// The workers share claims and the atomics, and each writes out[i] and
// errs[i] only for the indices i it claimed; everything else is set before
// they start. g.Wait orders their writes before the caller reads out and
// errs.
type sliceRun[T, R any] struct {
	parent context.Context // the caller's
	ctx    context.Context // the group's: fn's, canceled at the first failure
	in     []T
	out    []R
	fn     func(context.Context, T) (R, error)
	claims claimer
	settle bool // Settle's run: a failed call is recorded, not the end
	// errs is Settle's slice of errors, aligned with in, made by the first
	// worker that has an error to put in it. Made up front, it would cost a
	// run of tiny calls that all succeed as much again as Map: a pointer
	// slice of len(in) to zero and for the collector to scan.
	errs   atomic.Pointer[[]error]
	errsMu sync.Mutex // held to make errs and cut
	// cut is Settle's error for every element left uncalled, made once.
	cut error

	halt // stop and exitedFirst
	// ended is set by a worker that left elements uncalled: because ctx
	// ended or, once stop was set, because a call failed.
	ended atomic.Bool
}

// run calls fn on every element of in on min(limit, len(in)) workers and
// returns the group's error, or panics with its panic. in must not be empty.
func (r *sliceRun[T, R]) run(ctx context.Context, limit int) error {
	workers := workerCount(limit, len(r.in))
	r.claims = newClaimer(len(r.in), workers)
	g, gctx := errgroupx.WithContext(ctx)
	r.parent, r.ctx = ctx, gctx
	work := r.work
	for range workers {
		g.Go(work)
	}
	return g.Wait()
}

// work is one worker: it calls fn on the elements it claims until none is
// left or the run stops.
func (r *sliceRun[T, R]) work() error {
	var at span
	return unwinding(func() error { return r.calls(&at) }, func() {
		// calls has stopped the others already.
		if r.settle {
			// Settle's outcome of a Goexit, for its element, and the rest of
			// the chunk left uncalled. (After a panic, Settle panics instead.)
			errs := r.errSlice()
			errs[at.calling()] = errgroupx.ErrGoexit
			lo, hi := r.claims.rest(at.word, at.base)
			fill(errs[lo:hi], r.uncalled())
		}
	})
}

// span is where a worker is: the chunk that its cursor's word holds, whose
// offsets count from base.
type span struct {
	word *atomic.Uint64
	base int
}

// calling returns the element the worker calls, or last called: the one
// before the next of its word, which only the worker moves. So the loop
// stores nothing per element for a Goexit to find it.
func (at *span) calling() int {
	next, _ := unpack(at.word.Load())
	return at.base + next - 1
}

// calls is work's loop.
func (r *sliceRun[T, R]) calls(at *span) error {
	// Locals, not fields: fn may write to memory, so the compiler reloads
	// fields through r after each call.
	in, out, settle, fn, ctx, parent := r.in, r.out, r.settle, r.fn, r.ctx, r.parent
	// Deferred here, in fn's caller, not in work's unwinding: the first of
	// mapx's deferred calls that a panic or Goexit in fn reaches, so that no
	// new call starts from then on. Two frames further up, the runtime took
	// microseconds to get there, time for a thousand tiny calls.
	returned := false
	defer func() {
		if !returned {
			r.unwound(parent)
		}
	}()
	claims := &r.claims
	w := claims.cursor()
	word, base := w.word, 0
	at.word = word
	for {
		// One atomic add takes the next index of the chunk: it is the one
		// atomic write a call costs, and what makes the rest of the chunk
		// safe to steal (see claim.go).
		next, end := unpack(word.Add(1) - 1)
		if next >= end {
			if !w.claim() {
				returned = true
				return nil
			}
			base = w.base
			at.base = base
			continue
		}
		claims.took(next, end)
		i := base + next
		// Checked before every call, not every chunk: once a call failed
		// or the caller's ctx ended, no new call may start. Each check is
		// one atomic load. The caller's ctx, not the group's: the group's
		// ends a moment after it, once the context package has passed the
		// cancel on (from a goroutine of its own, for a ctx of a type it
		// does not know), and every failure of the group sets stop.
		if r.stop.Load() || parent.Err() != nil {
			r.skip(at)
			returned = true
			return nil
		}
		var err error
		if out[i], err = fn(ctx, in[i]); err != nil {
			if settle {
				r.errSlice()[i] = r.settled(parent, err)
				continue
			}
			r.stop.Store(true)
			returned = true
			return failure(r.parent, i, err)
		}
	}
}

// skip leaves uncalled the element the worker took last and the rest of its
// chunk: Settle gives them the reason.
func (r *sliceRun[T, R]) skip(at *span) {
	r.ended.Store(true)
	i := at.calling()
	lo, hi := r.claims.rest(at.word, at.base)
	if r.settle {
		errs := r.errSlice()
		errs[i] = r.uncalled()
		fill(errs[lo:hi], r.uncalled())
	}
}

// failure returns the error with which the failed call of element i, which
// returned err, ends the run: an *ItemError, or parent's own error if parent
// had ended, since fn then most likely only reports that.
func failure(parent context.Context, i int, err error) error {
	if perr := parent.Err(); perr != nil {
		return perr
	}
	return &ItemError{Index: i, Err: err}
}

// errSlice returns Settle's slice of errors, making it if no worker has yet.
func (r *sliceRun[T, R]) errSlice() []error {
	if p := r.errs.Load(); p != nil {
		return *p
	}
	// A lock, not a CompareAndSwap: two workers failing at once must not
	// both make the slice, so that Settle allocates the same every run.
	r.errsMu.Lock()
	defer r.errsMu.Unlock()
	if p := r.errs.Load(); p != nil {
		return *p
	}
	errs := make([]error, len(r.in))
	r.errs.Store(&errs)
	return errs
}

func fill(errs []error, err error) {
	for i := range errs {
		errs[i] = err
	}
}

// uncalled returns Settle's error for the elements left uncalled, one value
// for them all, made by the first worker that leaves one.
func (r *sliceRun[T, R]) uncalled() error {
	r.errsMu.Lock()
	defer r.errsMu.Unlock()
	if r.cut == nil {
		r.cut = uncalledErr(r.cause(r.parent))
	}
	return r.cut
}
