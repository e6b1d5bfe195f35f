package mapx

import "context"

// Map calls fn on every element of in, at most limit calls at once, and
// returns the results in input order: out[i] is fn's result for in[i].
// limit <= 0 means [runtime.GOMAXPROCS](0).
//
// fn's ctx is canceled at the first error or panic of any call, or when ctx
// ends; from then on no new call starts. Map returns once every call it
// started has returned: nil and an [*ItemError] for the first error in time,
// or ctx's error, as it is, if ctx ended first. A ctx done on entry calls fn
// never. A panic in fn is re-raised in Map's caller as a
// [*errgroupx.PanicError], and outranks an error. Map runs at most
// min(limit, len(in)) goroutines and allocates nothing per element beyond
// out. It panics if ctx or fn is nil.
func Map[T, R any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) (R, error)) ([]R, error) {
	mustHave("Map", ctx, fn == nil)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]R, len(in))
	if len(in) == 0 {
		return out, nil
	}
	r := &sliceRun[T, R]{in: in, out: out, fn: fn}
	err := r.run(ctx, limit)
	if err == nil && r.ended.Load() {
		// No call failed, so stop was never set: elements were left
		// uncalled only because ctx ended.
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ForEach calls fn on every element of in, at most limit calls at once, with
// the limits, cancellation, errors and panics of [Map]. It returns nil once
// every call has succeeded. ForEach panics if ctx or fn is nil.
func ForEach[T any](ctx context.Context, in []T, limit int,
	fn func(ctx context.Context, v T) error) error {
	mustHave("ForEach", ctx, fn == nil)
	// A []struct{} of any length takes no memory, so Map's result costs nothing.
	_, err := Map(ctx, in, limit, func(ctx context.Context, v T) (struct{}, error) {
		return struct{}{}, fn(ctx, v)
	})
	return err
}

// mustHave panics, naming the function, if ctx is nil or fn is missing:
// both are programming errors, best caught at the call rather than deep
// inside a worker.
func mustHave(name string, ctx context.Context, nilFn bool) {
	if ctx == nil {
		panic("mapx: " + name + " called with nil Context")
	}
	if nilFn {
		panic("mapx: " + name + " called with nil fn")
	}
}
