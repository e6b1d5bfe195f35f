package mapx

import (
	"context"
	"iter"
)

// Settle calls fn on every element of in, at most limit calls at once, and
// returns every outcome: out[i] and errs[i] are what fn returned for in[i].
// Unlike [Map], it does not stop at a failed call. errs is nil if every call
// succeeded; otherwise it has len(in) elements, nil where a call succeeded.
// limit <= 0 means [runtime.GOMAXPROCS](0).
//
// fn's ctx derives from ctx. When ctx ends, no new call starts: the elements
// not called get [context.Cause](ctx) as their error, and Settle returns once
// the calls running have returned. A ctx already done on entry calls fn
// never. A panic in fn is a bug, not an outcome: it cancels fn's ctx, no new
// call starts, and it is re-raised in Settle's caller as a
// [*errgroupx.PanicError] once the running calls have returned. A call of
// [runtime.Goexit] in fn (t.FailNow inside it) stops Settle as the end of ctx
// would, with [errgroupx.ErrGoexit] for its element and for the elements it
// left uncalled; if ctx had ended before the Goexit, those elements get
// ctx's cause, as they would without it.
//
// Settle runs min(limit, len(in)) worker goroutines, not one per element, and
// allocates the same amount whatever len(in) is, beyond out, which always has
// len(in) elements, and errs. When every call succeeds it costs what Map
// costs; errs, made at the first failure, costs 16 bytes an element. Settle
// panics if ctx or fn is nil.
func Settle[T, R any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) (R, error)) (out []R, errs []error) {
	mustHave("Settle", ctx, fn == nil)
	out = make([]R, len(in))
	if len(in) == 0 {
		return out, nil
	}
	if ctx.Err() != nil {
		errs = make([]error, len(in))
		fill(errs, context.Cause(ctx))
		return out, errs
	}
	r := &sliceRun[T, R]{in: in, out: out, fn: fn, settle: true}
	r.run(ctx, limit) // only ever ErrGoexit, which r.cause gives too
	if claimed := r.claims.claimed(); claimed < len(in) {
		fill(r.errSlice()[claimed:], r.cause(r.parent))
	}
	if p := r.errs.Load(); p != nil {
		errs = *p
	}
	return out, errs
}

// An Outcome is what one call of fn gave in [SettleSeq]'s sequence: the
// element's position in the input, and fn's result and error, or
// [errgroupx.ErrGoexit] for a call that called [runtime.Goexit]. The outcome
// with Index -1 is no element's: it ends a sequence cut short, and its Err
// says why.
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
// of in, in the order the calls finish (those of a batch, below, together),
// computed at most limit calls at once. limit <= 0 means
// [runtime.GOMAXPROCS](0). A failed call does not end the sequence: to stop
// at the first error, break out of the loop.
//
// It reads in as [MapSeq] does, lazily, from the goroutine that ranges, and
// holds as much: no goroutine is ever left inside in, results that are ready
// wait while in blocks, the loop body must not wait for a call of fn to
// start, and at most 2·limit batches of at most 256 elements are held at any
// time, whatever in's length. Unlike MapSeq's, a slow call holds back no
// other batch: the other batches' calls go on, and their outcomes come as
// they finish. It holds back only the elements handed out with it, at most
// 255: those after it are called once it returns, and the outcomes of all
// come with its. Batches grow past one element only while calls take a few
// microseconds, so slow calls such as I/O are handed out one at a time; a
// call that is slow among fast ones may share a batch.
//
// fn's ctx derives from ctx. When ctx ends before every element of in has
// been read and called, no new call starts, the outcomes of the calls made
// are yielded, and the sequence ends with Outcome{Index: -1, Err:
// [context.Cause](ctx)}; a ctx done on entry yields that outcome alone.
// Breaking out of the loop cancels the calls in flight and waits for them
// before the loop statement ends. A panic in fn is re-raised in the goroutine
// that ranges as a [*errgroupx.PanicError], after the running calls have
// returned. A call of [runtime.Goexit] in fn stops the sequence as the end of
// ctx would, with [errgroupx.ErrGoexit] for its element's outcome and, if
// elements were left uncalled, for the last outcome (ctx's cause instead, if
// ctx had ended before the Goexit). A panic of the loop
// body or of in is the one that comes out, not a panic of fn in reaction to
// the cancel that it caused.
//
// The sequence may be ranged over more than once if in may. A nil in is an
// empty sequence. SettleSeq panics if ctx or fn is nil.
func SettleSeq[T, R any](ctx context.Context, in iter.Seq[T], limit int,
	fn func(ctx context.Context, v T) (R, error)) iter.Seq[Outcome[R]] {
	mustHave("SettleSeq", ctx, fn == nil)
	return func(yield func(Outcome[R]) bool) {
		if ctx.Err() != nil {
			yield(Outcome[R]{Index: -1, Err: context.Cause(ctx)})
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
