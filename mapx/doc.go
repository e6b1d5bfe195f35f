// Package mapx calls a function on every element of a slice or a sequence,
// a bounded number of calls at once.
//
// # Which function
//
//   - [Map] (and [ForEach], for a fn without result): all or nothing. The
//     results in input order, or the first failure, which cancels the rest.
//   - [Settle]: keep going, know what failed. Every element's result and
//     error, in input order; a failed call stops nothing.
//   - [MapSeq]: an ordered stream. It reads an [iter.Seq] lazily and yields
//     the results in input order, ending at the first failure; memory stays
//     flat whatever the input's length.
//   - [SettleSeq]: as they finish. The [Outcome] of every element, index
//     included, in the order the calls finish, so that a slow call holds back
//     no other batch of calls; memory stays flat as well.
//
// [Expand] is for work that finds more work, such as a crawl or a directory
// walk: fn adds the items it finds through an [Adder], and Expand returns once
// none is queued and no call runs. The rules below on the limit, errors,
// cancellation, panics and goroutines hold for it as for Map, except that it
// returns fn's error as it is, not as an [*ItemError]; its own doc says how
// it hands items to its workers.
//
// # Limits
//
// At most limit calls run at once; limit <= 0 means [runtime.GOMAXPROCS](0).
// Map, ForEach and Settle run min(limit, len(in)) worker goroutines, not one
// per element, and the workers claim elements in chunks whose size follows
// the measured cost of a call: one element at a time for slow calls (I/O), up
// to thousands for calls of a few nanoseconds. There is no knob to tune. A
// call that is slow among fast ones may share a chunk (for the sequences, a
// batch), whose elements after it wait for it.
//
// # Errors and cancellation
//
// fn's ctx derives from the caller's. Map, ForEach and MapSeq cancel it at
// the first error or panic of any call, or when the caller's ctx ends; from
// then on no new call starts, and calls already running finish. They return
// the first error in time as an [*ItemError], which says which element failed
// and through which [errors.Is] reaches fn's own error, or the caller's ctx's
// error, as it is, if that ended before every element was done.
//
// Settle and SettleSeq give each element its own outcome: a failed call
// cancels nothing. When the caller's ctx ends, no new call starts, and the
// elements not called get [context.Cause] of it (SettleSeq: one last
// outcome, of index -1, says so). A ctx already done on entry is reported
// without calling fn, by every function, whatever the input (Settle reports
// it in errs, for each element: an empty input has none).
//
// # Panics
//
// A panic in fn is a bug, not an outcome: it is recovered with its stack,
// cancels the other calls, and is re-raised, once the running calls have
// returned, in the goroutine that called Map, ForEach or Settle or that
// ranges over a sequence, as a [*errgroupx.PanicError]. A panic outranks an
// error. A call of [runtime.Goexit] in fn (t.FailNow inside a task) is
// reported as [errgroupx.ErrGoexit]: Map, ForEach and MapSeq return it,
// Settle and SettleSeq give it to its element and stop as when ctx ends. A
// panic raised while fn unwinds from Goexit is a panic.
//
// # Goroutines
//
// Every call returns only after the goroutines it started have returned;
// breaking out of a range over a sequence cancels the calls in flight and
// waits for them before the loop statement ends.
//
// Called by a task of a fanout pool with the task's ctx, Map, ForEach,
// Settle and Expand lend the task's worker while they wait, so that fn may
// add tasks to that pool and wait for them (see "Nested work" in package
// pool).
//
// A nil ctx or fn is a programming error: every function panics at the
// call, naming itself.
package mapx
