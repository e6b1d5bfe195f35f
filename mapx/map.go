package mapx

import "context"

// Map calls fn on every element of in, at most limit calls at once, and
// returns the results in input order: out[i] is fn's result for in[i].
// limit <= 0 means [runtime.GOMAXPROCS](0).
//
// fn's ctx derives from ctx and is canceled at the first error or panic of any
// call, or when ctx ends; from then on no new call of fn starts. Map returns
// only once every call it started has returned. It returns nil and an
// [*ItemError] holding the first error in time that fn returned and its
// element's index ([errors.Is] reaches fn's error through it), or ctx's error,
// as it is, if ctx ended first (also when fn then returns an error of its
// own). A ctx already done on entry is reported without calling fn. A panic in
// fn is re-raised in Map's caller as a [*errgroupx.PanicError], and outranks
// an error; a call of [runtime.Goexit] in fn is reported as
// [errgroupx.ErrGoexit].
//
// Map runs min(limit, len(in)) worker goroutines, not one per element, and
// allocates the same amount whatever len(in) is, beyond the result slice.
// Empty or nil in gives an empty result and no error, unless ctx is done on
// entry. Map panics if ctx or fn is nil.
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
