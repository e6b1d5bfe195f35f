package mapx

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
)

// Expand calls fn on every item of start and on every item that a call of fn
// adds, at most limit calls at once, until no item is left: work that finds
// more work, such as a crawl that finds links or a directory walk that finds
// subdirectories. limit <= 0 means [runtime.GOMAXPROCS](0).
//
// fn queues an item with more.Add, which never blocks. Expand does not
// deduplicate: an item added twice runs twice, so fn should add only the items
// it has not seen before (on a graph with cycles, Expand would otherwise never
// end).
//
// Expand returns once no item is queued and no call runs: an item that the
// last running call adds just before it returns runs too. Items run
// depth-first: a worker runs the items that its latest call added before
// older ones, and those in the order they were added; a worker that has none
// left takes the oldest half of another worker's. With limit 1 the order is
// therefore that of a recursive walk: start[0], then the first item it added,
// followed by what that one added, and so on, and start[1] last but one. The
// queue holds about one branch of the tree per worker, not a level of it. An
// item added while limit workers run and none waits for items may wait for
// the call that added it to return, so fn must not wait for an item it added
// to start.
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call of fn starts, and the items
// still queued are dropped. Expand returns only once every call it started has
// returned. It returns nil, the first error in time that fn returned,
// unchanged (fn knows its item and can name it in its error; an index would
// point into a queue the caller never sees), or ctx's error if ctx ended first
// (also when fn then returns an error of its own). A ctx already done on entry
// is reported without calling fn. A panic in fn is re-raised in Expand's
// caller as a [*errgroupx.PanicError], and outranks an error; a call of
// [runtime.Goexit] in fn is reported as [errgroupx.ErrGoexit].
//
// Expand runs at most limit worker goroutines, not one per item, and starts
// one only when an item waits and every worker is busy: a tree of 3 items
// runs on at most 3, whatever the limit. Nothing is allocated by the limit in
// advance, and nothing per item but the queue's room for it. Each item costs
// about 30 ns on top of fn's own work. Empty or nil start: no call, no error.
// Expand panics if ctx or fn is nil.
func Expand[T any](ctx context.Context, start []T, limit int,
	fn func(ctx context.Context, v T, more Adder[T]) error) error {
	if ctx == nil {
		panic("mapx: Expand called with nil ctx")
	}
	if fn == nil {
		panic("mapx: Expand called with nil fn")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(start) == 0 {
		return nil
	}
	g, gctx := errgroupx.WithContext(ctx)
	e := newExpansion(ctx, gctx, g, effectiveLimit(limit), fn, start)
	g.Go(e.workers[0].run)
	if err := g.Wait(); err != nil {
		return err
	}
	// No call failed, so gctx could only end with ctx.
	if e.stopped.Load() {
		return ctx.Err()
	}
	return nil
}

// An Adder queues items for the call of [Expand] that handed it to fn. It is
// valid only during that call of fn: once fn has returned, Add panics. It is
// a small value, passed and copied freely; it is not safe for concurrent use.
// The zero Adder is valid for no call.
type Adder[T any] struct {
	w    *worker[T]
	call uint64 // the number of the call of fn it was handed to
}

// Add queues v, to be passed to a call of fn. It never blocks. Add panics if
// the call of fn that a was handed to has returned.
func (a Adder[T]) Add(v T) {
	if a.w == nil {
		panic("mapx: Adder.Add called on the zero Adder")
	}
	if a.w.calls.Load() != a.call {
		panic("mapx: Adder.Add called after the call of fn it was handed to returned")
	}
	a.w.add(v)
}
