package pool

// Stats holds a pool's counters, as returned by [Pool.Stats].
//
// At every moment Submitted = Queued + Running + Completed + Skipped, and
// Failed <= Completed. The counters are current when [Pool.Wait] or
// [Pool.Close] returns: every task that finished before is counted.
type Stats struct {
	// Submitted counts the accepted tasks: each call of Submit, SubmitContext
	// and Go, and each call of TrySubmit that returned true, except those
	// refused with ErrClosed and those SubmitContext gave up on before
	// queueing them. A task offered after the pool's context ended is
	// accepted and skipped.
	Submitted int64
	// Queued counts the tasks waiting in the queue. It never exceeds the
	// queue size: a Submit blocked on a full queue is not counted yet.
	Queued int64
	// Running counts the tasks running now: at most the number of workers,
	// plus the tasks that SubmitContext or WaitContext runs inline on the
	// goroutine of a task that waits for them (see the package doc).
	Running int64
	// Completed counts the tasks that ran to their end: returned, panicked or
	// called runtime.Goexit.
	Completed int64
	// Failed counts the completed tasks that returned an error, panicked or
	// called runtime.Goexit.
	Failed int64
	// Skipped counts the accepted tasks that never ran because the pool's
	// context ended, or because SubmitContext's ctx ended while they waited
	// in the queue.
	Skipped int64
}
