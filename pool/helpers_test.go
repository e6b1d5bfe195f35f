package pool_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/pool"
)

// blocker returns a task that reports its start on started (if not nil) and
// then waits for release, returning v. It ignores its ctx, as a stubborn task
// would.
func blocker(started chan<- int, release <-chan struct{}, v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		if started != nil {
			started <- v
		}
		<-release
		return v, nil
	}
}

// returns is a task that returns v at once.
func returns(v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return v, nil }
}

// fails is a task that returns err at once.
func fails(err error) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return 0, err }
}

// done reports whether f has completed, without blocking.
func done[R any](f *pool.Future[R]) bool {
	_, _, ok := f.TryWait()
	return ok
}

// flatten returns the errors that err joins, in order, recursively; err
// itself if it joins none; nothing for nil.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

// wantPanic calls f and fails t unless f panics with exactly msg.
func wantPanic(t *testing.T, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		got := fmt.Sprint(recover())
		if diff := cmp.Diff(msg, got); diff != "" {
			t.Errorf("panic message (-want +got):\n%s", diff)
		}
	}()
	f()
}

// checkStats fails t if p's counters are not want, or break the invariant.
func checkStats(t *testing.T, p *pool.Pool, want pool.Stats) {
	t.Helper()
	got := p.Stats()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	checkInvariant(t, got)
}

func checkInvariant(t *testing.T, s pool.Stats) {
	t.Helper()
	if s.Submitted != s.Queued+s.Running+s.Completed+s.Skipped || s.Failed > s.Completed {
		t.Errorf("Stats %+v: want Submitted = Queued + Running + Completed + Skipped, Failed <= Completed", s)
	}
}

// errIs fails t unless errors.Is(err, target).
func errIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one that is %v", what, err, target)
	}
}
