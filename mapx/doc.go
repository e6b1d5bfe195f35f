// Package mapx calls a function on every element of a slice or a sequence,
// a bounded number of calls at once.
//
// # Which function
//
//   - [Map] (and [ForEach], for a fn without result): all or nothing. The
//     results in input order, or the first failure, which cancels the rest.
//   - [Settle]: keep going, know what failed. Every element's result and
//     error, in input order; a failed call stops nothing.
//   - [MapSeq]: an ordered stream over an [iter.Seq], read lazily: each
//     result as soon as it and every one before it are computed, ending at
//     the first failure; memory stays flat whatever the input's length.
//   - [SettleSeq]: every [Outcome] as its call returns, index included.
//   - [Expand]: work that finds more work (a crawl, a directory walk): fn
//     adds items through an [Adder]; it returns once none is queued and no
//     call runs, and returns fn's error as it is, not as an [*ItemError].
//
// # Limits
//
// At most limit calls run at once; limit <= 0 means [runtime.GOMAXPROCS](0).
// The workers are goroutines, at most limit of them, not one per element.
// Elements are handed to them in runs sized from the measured cost of a
// call: one at a time for slow calls, thousands for calls of nanoseconds.
// A call that blocks holds back no other element's call while a worker is
// free: idle workers take the not yet started rest of its run.
//
// # Errors and cancellation
//
// fn's ctx derives from the caller's. Map, ForEach, MapSeq and Expand cancel
// it at the first error or panic of any call, or when the caller's ctx ends;
// from then on no new call starts, and calls already running finish. The
// error is the first in time, as an [*ItemError] saying which element failed
// ([errors.Is] reaches fn's own), or the caller's ctx's error, as it is, if
// that ended first.
//
// Settle and SettleSeq give each element its own outcome: a failed call
// cancels nothing. When the caller's ctx ends, no new call starts, and
// [ErrCutShort] marks each outcome that the end decided, so that one check
// tells them from fn's failures. A ctx already done on entry is reported
// without calling fn, by every function.
//
// # Panics
//
// A panic in fn is recovered with its stack, cancels the other calls, and is
// re-raised, once the running calls have returned, in the goroutine that
// called or ranges, as a [*errgroupx.PanicError]; it outranks an error. A
// [runtime.Goexit] in fn is reported as [errgroupx.ErrGoexit]. Either stops
// new calls as soon as it reaches mapx, just after fn's own deferred calls:
// a call that another worker had already begun runs on.
//
// # Goroutines
//
// Every call returns only after the goroutines it started have returned;
// breaking out of a range cancels the calls in flight and waits for them.
// Called by a task of a fanout pool with the task's ctx, every function
// lends the task's worker while it waits, so that fn may add tasks to that
// pool and wait for them (see "Nested work" in package pool). A nil ctx or
// fn panics at the call, naming the function.
package mapx
