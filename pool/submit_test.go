package pool_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/fanout-go/fanout/pool"
)

func TestNilPanics(t *testing.T) {
	p := pool.New(context.Background(), 1)
	defer p.Close()
	f := pool.Submit(p, returns(1))
	tests := []struct {
		name string
		msg  string
		f    func()
	}{
		{"Submit", "pool: Submit called with nil func", func() { pool.Submit[int](p, nil) }},
		{"TrySubmit", "pool: TrySubmit called with nil func", func() { pool.TrySubmit[int](p, nil) }},
		{"SubmitContext fn", "pool: SubmitContext called with nil func", func() {
			pool.SubmitContext[int](context.Background(), p, nil)
		}},
		{"SubmitContext ctx", "pool: SubmitContext called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			pool.SubmitContext(nil, p, returns(1))
		}},
		{"Go", "pool: Pool.Go called with nil func", func() { p.Go(nil) }},
		{"TryGo", "pool: Pool.TryGo called with nil func", func() { p.TryGo(nil) }},
		{"GoContext fn", "pool: Pool.GoContext called with nil func", func() {
			p.GoContext(context.Background(), nil)
		}},
		{"GoContext ctx", "pool: Pool.GoContext called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			p.GoContext(nil, func(context.Context) error { return nil })
		}},
		{"TrySubmitContext fn", "pool: TrySubmitContext called with nil func", func() {
			pool.TrySubmitContext[int](context.Background(), p, nil)
		}},
		{"TrySubmitContext ctx", "pool: TrySubmitContext called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			pool.TrySubmitContext(nil, p, returns(1))
		}},
		{"NewGroup ctx", "pool: NewGroup called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			pool.NewGroup[int](nil, p)
		}},
		{"NewGroup pool", "pool: NewGroup called with nil Pool", func() {
			pool.NewGroup[int](context.Background(), nil)
		}},
		{"Group.Go", "pool: Group.Go called with nil func", func() {
			pool.NewGroup[int](context.Background(), p).Go(nil)
		}},
		{"Group.TryGo", "pool: Group.TryGo called with nil func", func() {
			pool.NewGroup[int](context.Background(), p).TryGo(nil)
		}},
		{"WaitContext", "pool: Future.WaitContext called with nil Context", func() {
			//lint:ignore SA1012 a nil Context is the point of the test
			f.WaitContext(nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantPanic(t, tt.msg, tt.f) })
	}
	p.Wait()
	checkStats(t, p, pool.Stats{Submitted: 1, Completed: 1})
}

// TestSubmitContext checks that SubmitContext gives up when its ctx ends:
// before the task is queued (not counted), while it waits in the queue
// (skipped at once), and while it runs (its ctx canceled); and that the
// error of a task that never ran says that its caller's ctx ended.
func TestSubmitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		defer p.Close()
		var ran atomic.Int64
		count := func(context.Context) (int, error) { ran.Add(1); return 0, nil }

		ended, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := pool.SubmitContext(ended, p, count).Wait()
		errSkipped(t, "ctx done on entry", err, "the caller's", context.Canceled)
		checkStats(t, p, pool.Stats{})

		type key struct{}
		runCtx, cancelRun := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
		started := make(chan int, 1)
		running := pool.SubmitContext(runCtx, p, func(ctx context.Context) (int, error) {
			started <- 0
			if ctx.Value(key{}) != "v" {
				t.Error("fn's ctx lacks the value of SubmitContext's ctx")
			}
			<-ctx.Done()
			return 0, ctx.Err()
		})
		<-started
		queueCtx, cancelQueued := context.WithCancel(context.Background())
		queued := pool.SubmitContext(queueCtx, p, count)
		blockCtx, cancelBlocked := context.WithCancel(context.Background())
		blocked := make(chan *pool.Future[int])
		go func() { blocked <- pool.SubmitContext(blockCtx, p, count) }()
		plain := make(chan *pool.Future[int])
		go func() { plain <- pool.Submit(p, returns(5)) }()
		synctest.Wait()
		checkStats(t, p, pool.Stats{Submitted: 2, Queued: 1, Running: 1, Blocked: 2})

		cancelBlocked()
		_, err = (<-blocked).Wait()
		errSkipped(t, "blocked on the full queue", err, "the caller's", context.Canceled)
		cancelQueued()
		_, err = queued.Wait()
		errSkipped(t, "queued", err, "the caller's", context.Canceled)
		// The dropped task's slot went to the plain Submit.
		plainF := <-plain
		checkStats(t, p, pool.Stats{Submitted: 3, Queued: 1, Running: 1, Skipped: 1})
		cancelRun()
		if _, err := running.Wait(); err != context.Canceled {
			t.Errorf("running: got %v, want its ctx's error context.Canceled", err)
		}
		if v, err := plainF.Wait(); err != nil || v != 5 {
			t.Errorf("plain Submit: got %d, %v; want 5, nil", v, err)
		}
		p.Wait()
		if n := ran.Load(); n != 0 {
			t.Errorf("%d tasks ran after their ctx ended", n)
		}
		checkStats(t, p, pool.Stats{Submitted: 3, Completed: 2, Failed: 1, Skipped: 1})
	})
}

// TestSubmitContextPoolEnd checks that fn's ctx also ends with the pool's,
// with the cause the pool's ctx ended with.
func TestSubmitContextPoolEnd(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	p := pool.New(ctx, 1)
	defer p.Close()
	started := make(chan int)
	f := pool.SubmitContext(context.Background(), p, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	<-started
	errShutdown := errors.New("shutdown")
	cancel(errShutdown)
	if _, err := f.Wait(); err != errShutdown {
		t.Errorf("got %v, want the cause of the pool's end, %v", err, errShutdown)
	}
}

// sliceErr is an error of a type that == panics on.
type sliceErr []string

func (e sliceErr) Error() string { return strings.Join(e, ", ") }

// oddCtx is a caller's Context that has ended with an error of its own type,
// which == cannot compare.
type oddCtx struct{ context.Context }

func (oddCtx) Done() <-chan struct{} { return closed }
func (oddCtx) Err() error            { return sliceErr{"gone", "away"} }

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// TestSkipErrors checks what the error of a task that never ran says: whose
// context ended, its error and its cause, which errors.Is finds, also for a
// Context of the caller's own with an error == cannot compare.
func TestSkipErrors(t *testing.T) {
	errShutdown, errLeft := errors.New("shutdown"), errors.New("client left")
	poolCtx, endPool := context.WithCancelCause(context.Background())
	p := pool.New(poolCtx, 1)
	defer p.Close()
	caller, leave := context.WithCancelCause(context.Background())
	leave(errLeft)
	tests := []struct {
		name string
		f    func() *pool.Future[int]
		msg  string
		is   []error
	}{
		{"caller's ctx with a cause", func() *pool.Future[int] { return pool.SubmitContext(caller, p, returns(1)) },
			"pool: the caller's context ended: context canceled: client left", []error{context.Canceled, errLeft}},
		{"caller's own Context", func() *pool.Future[int] { return pool.SubmitContext(oddCtx{context.Background()}, p, returns(1)) },
			"pool: the caller's context ended: gone, away", nil},
		{"pool's ctx with a cause", func() *pool.Future[int] { endPool(errShutdown); return pool.Submit(p, returns(1)) },
			"pool: the pool's context ended: context canceled: shutdown", []error{context.Canceled, errShutdown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f().Wait()
			if err == nil || err.Error() != tt.msg {
				t.Errorf("got error %v, want %q", err, tt.msg)
			}
			for _, target := range tt.is {
				errIs(t, "Future", err, target)
			}
		})
	}
	errIs(t, "Wait", p.Wait(), errShutdown)

	// errors.As finds the cause too, whatever its type.
	odd, leaveOddly := context.WithCancelCause(context.Background())
	leaveOddly(sliceErr{"bye"})
	q := pool.New(context.Background(), 1)
	defer q.Close()
	_, err := pool.SubmitContext(odd, q, returns(1)).Wait()
	var se sliceErr
	if !errors.As(err, &se) || se.Error() != "bye" || !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want one errors.As finds the cause sliceErr{bye} in", err)
	}
}
