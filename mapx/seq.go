package mapx

import (
	"context"
	"iter"
)

// MapSeq returns a sequence of fn's results for the elements of in, in input
// order, at most limit calls at once (limit <= 0 means GOMAXPROCS): each
// result as soon as its call and every one before it have returned. The
// ranging goroutine reads in lazily, far ahead only while a worker would
// otherwise wait, and holds at most 512 elements and results per unit of
// limit, plus one run being read: two full runs of fast calls a worker, or
// room for the others to make 500 calls past a slow one still running. An
// endless in works in flat memory. No goroutine is ever left inside in;
// results wait while in blocks; the loop body must not wait for a call.
//
// Failures, cancellation and panics are as for [Map]: the sequence ends with
// (zero, err) after a prefix of the results; a ctx done on entry yields only
// that. Breaking out cancels the calls in flight and waits for them. A panic
// of the body or of in comes out, not fn's reaction to it. The sequence may
// be ranged over again if in may. MapSeq panics if ctx or fn is nil.
func MapSeq[T, R any](ctx context.Context, in iter.Seq[T], limit int,
	fn func(ctx context.Context, v T) (R, error)) iter.Seq2[R, error] {
	mustHave("MapSeq", ctx, fn == nil)
	return func(yield func(R, error) bool) {
		if err := ctx.Err(); err != nil {
			var zero R
			yield(zero, err)
			return
		}
		if in == nil {
			return
		}
		s := newStream(ctx, effectiveLimit(limit), fn, true)
		s.yieldPair = yield
		s.rangeOver(in)
	}
}
