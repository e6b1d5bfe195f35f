package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	_, ok, _ := f.TryWait()
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

// messages returns the messages of the errors that err joins, as flatten
// finds them.
func messages(err error) []string {
	var out []string
	for _, e := range flatten(err) {
		out = append(out, e.Error())
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
//
// Workers is compared only if want sets it: the tasks' counters do not say
// how many workers stayed alive.
func checkStats(t *testing.T, p *pool.Pool, want pool.Stats) {
	t.Helper()
	got := p.Stats()
	if want.Workers == 0 {
		want.Workers = got.Workers
	}
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

// The errors of a task skipped because a context was canceled: the pool's,
// or the one given to SubmitContext.
const (
	poolCanceled   = "pool: the pool's context ended: context canceled"
	callerCanceled = "pool: the caller's context ended: context canceled"
)

// errSkipped fails t unless err is the error of a task skipped because the
// context named by whose ("the pool's" or "the caller's") ended with
// target: it says so, and errors.Is finds target.
func errSkipped(t *testing.T, what string, err error, whose string, target error) {
	t.Helper()
	want := "pool: " + whose + " context ended: " + target.Error()
	if err == nil || err.Error() != want || !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %q, wrapping %v", what, err, want, target)
	}
}

// errIs fails t unless errors.Is(err, target).
func errIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one that is %v", what, err, target)
	}
}

// flagCtx is a caller's context whose Err reports it canceled from the
// moment the test says, while its Done channel stays open until the test
// closes it: it holds open the moment, short with a context of the standard
// library, in which a cancel has happened but the AfterFuncs and selects
// that wait for Done have not seen it yet.
type flagCtx struct {
	context.Context // Background, for Deadline and Value
	done            chan struct{}

	mu       sync.Mutex
	canceled bool
}

func newFlagCtx() *flagCtx {
	return &flagCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *flagCtx) Done() <-chan struct{} { return c.done }

func (c *flagCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.canceled {
		return context.Canceled
	}
	return nil
}

// cancel makes Err report the cancel, and leaves Done open.
func (c *flagCtx) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.canceled = true
}

// fmtMsg is fmt.Sprintf, named for what the tests use it for.
func fmtMsg(format string, a ...any) string { return fmt.Sprintf(format, a...) }
