package mapx

import (
	"context"
	"iter"
)

// Settle calls fn on every element of in, at most limit calls at once (limit
// <= 0 means GOMAXPROCS), and returns every outcome: out[i] and errs[i] are
// what fn returned for in[i], and errs has len(in) elements whatever failed.
// A failed call stops nothing.
//
// When ctx ends, no new call starts, and Settle returns once the running
// calls have: errors.Is(errs[i], [ErrCutShort]) is true for just the outcomes
// that ctx's end decided. A panic in fn cancels fn's ctx and is re-raised in
// Settle's caller as a [*errgroupx.PanicError]. A [runtime.Goexit] in fn gives its element
// [errgroupx.ErrGoexit] and stops Settle as the end of ctx would. Settle
// costs what Map costs, and errs 16 bytes an element. It panics if ctx or fn
// is nil.
func Settle[T, R any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) (R, error)) (out []R, errs []error) {
	mustHave("Settle", ctx, fn == nil)
	out = make([]R, len(in))
	if len(in) == 0 {
		return out, nil
	}
	if ctx.Err() != nil {
		errs = make([]error, len(in))
		fill(errs, uncalledErr(context.Cause(ctx)))
		return out, errs
	}
	r := &sliceRun[T, R]{in: in, out: out, fn: fn, settle: true}
	r.run(ctx, limit) // only ever ErrGoexit, which the errors record too
	if claimed := r.claims.claimed(); claimed < len(in) {
		fill(r.errSlice()[claimed:], r.uncalled())
	}
	if p := r.errs.Load(); p != nil {
		return out, *p
	}
	// Made now rather than up front, when no call failed: a pointer slice
	// made before the workers start is one the collector scans while they
	// run.
	return out, make([]error, len(in))
}

// An Outcome is what one call of fn gave in [SettleSeq]'s sequence: the
// element's position in the input, and fn's result and error, or
// [errgroupx.ErrGoexit] for a call that called [runtime.Goexit]. The outcome
// with Index -1 is no element's: it ends a sequence that ctx's end cut
// short, and its Err, marked with [ErrCutShort], says why.
//
// SettleSeq yields one value per element, not the pair of an iter.Seq2,
// because an outcome has three parts: the index is what tells the results
// apart once they come in the order the calls finish, and the sequence's own
// end needs a place too.
type Outcome[R any] struct {
	Index int   // the element's position in the input, counted from 0; -1 for the sequence's end
	Value R     // what fn returned
	Err   error // what fn returned; for Index -1, why the sequence ended early
}

// SettleSeq returns a sequence of the outcomes of fn's calls on the elements
// of in, each as its call returns, at most limit calls at once (limit <= 0
// means GOMAXPROCS): with limit 1, in input order; with more, the outcomes
// of calls that return close together may swap. A failed call ends nothing:
// to stop at one, break out. It reads in and bounds its memory as [MapSeq].
//
// When ctx ends, no new call starts, and a call's error that comes back
// after it is marked with [ErrCutShort]. If ctx ended before the sequence
// did, whether or not every element was called, its last outcome is one of
// Index -1 and an Err marked with ErrCutShort, and only then; a ctx done on
// entry yields that alone. Breaking out cancels the calls in flight and
// waits for them. A panic in fn is re-raised in the ranging goroutine as a
// [*errgroupx.PanicError]; a [runtime.Goexit] in fn gives its element
// [errgroupx.ErrGoexit] and ends the sequence as the end of ctx would. It
// may be ranged over again if in may. SettleSeq panics if ctx or fn is nil.
func SettleSeq[T, R any](ctx context.Context, in iter.Seq[T], limit int,
	fn func(ctx context.Context, v T) (R, error)) iter.Seq[Outcome[R]] {
	mustHave("SettleSeq", ctx, fn == nil)
	return func(yield func(Outcome[R]) bool) {
		if ctx.Err() != nil {
			yield(Outcome[R]{Index: -1, Err: uncalledErr(context.Cause(ctx))})
			return
		}
		if in == nil {
			return
		}
		s := newStream(ctx, effectiveLimit(limit), fn, false)
		s.yieldOutcome = yield
		s.rangeOver(in)
	}
}
