package mapx

import (
	"context"

	"github.com/fanout-go/fanout/errgroupx"
)

// Expand calls fn on every item of start and every item that the calls add
// through more, at most limit calls at once (limit <= 0 means GOMAXPROCS),
// and returns once no item is queued and no call runs. It does not
// deduplicate: fn adds only the items it has not seen.
//
// Items run depth first: each worker runs the newest of its items first, and
// a worker that has none steals the oldest half of another's, so the queue
// holds about one branch per worker; with limit 1 the order is a recursive
// walk's. fn must not wait for an item it added to start. Failures,
// cancellation and panics are as for [Map], but fn's error is returned as it
// is (an index would point into a queue the caller never sees), and the
// items still queued are dropped. Expand starts a worker only when an item
// waits and every worker is busy, and costs about 30 ns an item. It panics
// if ctx or fn is nil.
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
