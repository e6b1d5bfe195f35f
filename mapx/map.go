package mapx

import (
	"context"
	"sync/atomic"

	"github.com/fanout-go/fanout/errgroupx"
)

// Map calls fn on every element of in, at most limit calls at once, and
// returns the results in input order: out[i] is fn's result for in[i].
// limit <= 0 means [runtime.GOMAXPROCS](0).
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call of fn starts. Map returns
// only once every call it started has returned. It returns nil and the first
// error in time that fn returned, or ctx's error if ctx ended first (also when
// fn then returns an error of its own). A ctx already done on entry is
// reported without calling fn. A panic in fn is re-raised in Map's caller as
// a [*errgroupx.PanicError], and outranks an error; a call of [runtime.Goexit]
// in fn is reported as [errgroupx.ErrGoexit].
//
// Map runs min(limit, len(in)) worker goroutines, not one per element, and
// allocates the same amount whatever len(in) is, beyond the result slice.
// Empty or nil in gives an empty result and no error. Map panics if fn is nil.
func Map[T, R any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) (R, error)) ([]R, error) {
	if fn == nil {
		panic("mapx: Map called with nil fn")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]R, len(in))
	if len(in) == 0 {
		return out, nil
	}

	workers := workerCount(limit, len(in))
	claims := newClaimer(len(in), workers)
	g, gctx := errgroupx.WithContext(ctx)
	var stopped atomic.Bool // a worker left elements undone because gctx ended
	// failed is set by the worker whose call failed, the moment fn returns
	// (or, through finish, panics): the group cancels gctx only after the
	// worker has unwound, time in which the other workers could start dozens
	// of tiny calls.
	var failed atomic.Bool
	calls := func() (err error) {
		w := claims.cursor()
	claiming:
		for {
			lo, hi := w.claim()
			if lo == hi {
				break
			}
			for i := lo; i < hi; i++ {
				// Checked before every call, not every chunk: once a call
				// failed or gctx ended, no new call may start. Each check is
				// one atomic load.
				if failed.Load() {
					break claiming
				}
				if gctx.Err() != nil {
					stopped.Store(true)
					break claiming
				}
				var r R
				if r, err = fn(gctx, in[i]); err != nil {
					failed.Store(true)
					break claiming
				}
				out[i] = r
			}
		}
		return err
	}
	work := func() error { return finish(ctx, &failed, calls) }
	for range workers {
		g.Go(work)
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// No call failed, so gctx could only end with ctx.
	if stopped.Load() {
		return nil, ctx.Err()
	}
	return out, nil
}

// finish runs a worker's loop of calls of fn. If the loop does not return,
// because fn panicked or called runtime.Goexit, finish sets stop at once, so
// that the other workers start no call while the group takes the stack. If fn
// failed after ctx had ended, the error is ctx's: ctx ended first, and fn only
// reported it.
func finish(ctx context.Context, stop *atomic.Bool, loop func() error) error {
	returned := false
	defer func() {
		if !returned {
			stop.Store(true)
		}
	}()
	err := loop()
	returned = true
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// ForEach calls fn on every element of in, at most limit calls at once, with
// the limits, cancellation, errors and panics of [Map]. It returns nil once
// every call has succeeded. ForEach panics if fn is nil.
func ForEach[T any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) error) error {
	if fn == nil {
		panic("mapx: ForEach called with nil fn")
	}
	// A []struct{} of any length takes no memory, so Map's result costs nothing.
	_, err := Map(ctx, in, limit, func(ctx context.Context, v T) (struct{}, error) {
		return struct{}{}, fn(ctx, v)
	})
	return err
}
