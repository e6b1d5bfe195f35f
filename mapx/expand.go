package mapx

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
)

// Expand calls fn on every item of start and on every item that the calls
// add, at most limit calls at once: work that finds more work, such as a
// crawl that finds links or a directory walk that finds subdirectories.
// limit <= 0 means [runtime.GOMAXPROCS](0). Expand returns once no item is
// queued and no call runs: an item that the last running call adds just
// before it returns runs too.
//
// fn queues an item with more.Add, which never blocks. Expand does not
// deduplicate: an item added twice runs twice, so fn adds only the items it
// has not seen (on a graph with cycles, Expand would otherwise never end).
//
// Items run depth first: each worker runs the newest of its items first, and
// a worker that has none takes the oldest half of another's. The queue holds
// about one branch of the tree per worker, not a level of it. With limit 1
// the order is a recursive walk's: start[0], then the first item it added,
// then the first that one added, and so on; start[1] after all that start[0]
// led to. An item added while fewer than limit workers run, or one waits for
// items, can start at once; one added while limit workers are busy may wait
// for its call to return, so fn must not wait for an item it added to start.
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call starts, and the items still
// queued are dropped. Expand returns only once every call it started has
// returned. It returns nil, or the first error in time that fn returned,
// unchanged (fn knows its item and can name it; an index would point into a
// queue the caller never sees), or ctx's error if ctx ended first (also when
// fn then returns an error of its own). A ctx already done on entry is
// reported without calling fn. A panic in fn is re-raised in Expand's caller
// as a [*errgroupx.PanicError], and outranks an error; a call of
// [runtime.Goexit] in fn is reported as [errgroupx.ErrGoexit].
//
// Expand runs at most limit worker goroutines, not one per item, and starts
// one only when an item waits and every worker is busy: a tree of 3 items
// runs on at most 3, whatever the limit. Nothing is allocated by the limit in
// advance, nor per item beyond the queue's room for it. Each item costs about
// 30 ns on top of fn's own work. Empty or nil start: no call, and no error
// unless ctx is done on entry. Expand panics if ctx or fn is nil.
func Expand[T any](ctx context.Context, start []T, limit int,
	fn func(ctx context.Context, v T, more Adder[T]) error) error {
	mustHave("Expand", ctx, fn == nil)
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
	// No call failed: a worker stopped only because ctx ended.
	if e.stopped.Load() {
		return ctx.Err()
	}
	return nil
}

// An Adder queues items for the call of [Expand] that handed it to fn. It is
// valid only until that call of fn returns. It is a small value, copied
// freely. Add is not safe for concurrent use: a goroutine that fn starts may
// call it, one at a time, if fn waits for that goroutine before it returns.
// The zero Adder is valid for no call.
type Adder[T any] struct {
	w    *worker[T]
	call uint64 // the number of the call of fn it was handed to
}

// Add queues v for a call of fn, unless Expand stops first. It never blocks.
// Add panics if the call of fn that a was handed to has returned, or if a is
// the zero Adder.
func (a Adder[T]) Add(v T) {
	if a.w == nil {
		panic("mapx: Adder.Add called on the zero Adder")
	}
	if a.w.calls.Load() != a.call {
		panic("mapx: Adder.Add called after the call of fn it was handed to returned")
	}
	a.w.add(v)
}
