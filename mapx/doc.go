// Package mapx calls a function on every element of a slice or a sequence,
// a bounded number of calls at once, and gives the results in input order.
//
// [Map] and [ForEach] take a slice; [MapSeq] takes an [iter.Seq] and returns
// an [iter.Seq2] of results and errors, reading its input lazily.
//
// [Expand] is for work that finds more work, such as a crawl or a directory
// walk: fn adds the items it finds through an [Adder], and Expand returns once
// none is queued and no call runs. The rules below on the limit, errors,
// cancellation, panics and goroutines hold for it too; its own doc says how
// it hands items to its workers.
//
// # Limits
//
// At most limit calls run at once; limit <= 0 means [runtime.GOMAXPROCS](0).
// Map and ForEach run min(limit, len(in)) worker goroutines, not one per
// element, and the workers claim elements in chunks whose size follows the
// measured cost of a call: one element at a time for slow calls (I/O), up to
// thousands for calls of a few nanoseconds. There is no knob to tune.
//
// # Errors and cancellation
//
// fn's ctx derives from the caller's. It is canceled at the first error or
// panic of any call, or when the caller's ctx ends; from then on no new call
// starts, and calls already running finish. The functions return the first
// error in time (errors.Is reaches it), or the caller's ctx's error if it ended
// before every element was done. A ctx already done on entry is reported
// without calling fn.
//
// # Panics
//
// A panic in fn is recovered with its stack and re-raised, once the running
// calls have returned, in the goroutine that called Map or ForEach or that
// ranges over MapSeq's sequence, as a [*errgroupx.PanicError]. A panic
// outranks an error. A call of [runtime.Goexit] in fn (t.FailNow inside a
// task) is reported as [errgroupx.ErrGoexit].
//
// # Goroutines
//
// Every call returns only after the goroutines it started have returned;
// breaking out of a range over MapSeq's sequence cancels the calls in flight
// and waits for them before the loop statement ends.
package mapx
