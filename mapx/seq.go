package mapx

import (
	"context"
	"iter"
)

// MapSeq returns a sequence of fn's results for the elements of in, in input
// order, computed at most limit calls at once. limit <= 0 means
// [runtime.GOMAXPROCS](0).
//
// The goroutine that ranges over the sequence also reads in, lazily: elements
// are read only as fast as results are consumed, and at most 2·limit batches
// of at most 256 elements each, with their results, are held at any time,
// whatever in's length (an endless in works). Batches start at one element and
// grow only while fn and in are fast, so slow calls are handed out one at a
// time; a call that is slow among fast ones may share a batch, whose
// elements after it wait for it. The batches and the workers are allocated
// as the calls in flight need them: a limit far above that, such as
// math.MaxInt, costs no more up front than a queue of 4096 slots (but lets
// the reading run as far ahead of a slow call as in allows). Because one
// goroutine both reads and yields, a result is yielded when that goroutine
// gets control back from in: while in blocks waiting for its next element,
// finished results wait with it. In exchange, no goroutine is ever left inside
// in, and breaking out never waits for in. For the same reason, the loop body
// must not wait for a call of fn to start: that call's element may not be
// read until the body returns.
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call starts. On failure the
// sequence ends with (zero, err), err being an [*ItemError] that holds the
// first error in time that fn returned and its element's position in in, or
// ctx's error, as it is, if ctx ended first; the results before it are a
// prefix, in input order, of the successful results. A ctx done on entry
// yields (zero, ctx's error) alone. Breaking out of the loop cancels the calls
// in flight and waits for them before the loop statement ends. A panic in fn
// is re-raised in the goroutine that ranges over the sequence as a
// [*errgroupx.PanicError]; a call of [runtime.Goexit] in fn ends the sequence
// with [errgroupx.ErrGoexit]. A panic of the loop body or of in is the one
// that comes out, not a panic of fn in reaction to the cancel that it caused.
//
// The sequence may be ranged over more than once if in may: each range reads
// in anew. A nil in is an empty sequence. MapSeq panics if ctx or fn is nil.
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
