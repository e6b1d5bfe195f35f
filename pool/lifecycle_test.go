package pool_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/pool"
)

func TestWaitErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2)
		defer p.Close()
		errA, errB, errSubmit := errors.New("a"), errors.New("b"), errors.New("submit")
		p.Go(func(context.Context) error { return errA })
		p.Go(func(context.Context) error { return nil })
		p.Go(func(context.Context) error { return errB })
		f := pool.Submit(p, fails(errSubmit))
		err := p.Wait()
		errIs(t, "Wait", err, errA)
		errIs(t, "Wait", err, errB)
		if errors.Is(err, errSubmit) {
			t.Errorf("Wait returned %v, which holds a Submit task's error", err)
		}
		if _, err := f.Wait(); err != errSubmit {
			t.Errorf("Future.Wait: got %v, want %v", err, errSubmit)
		}
		if n := len(flatten(err)); n != 2 {
			t.Errorf("Wait joined %d errors, want 2: %v", n, err)
		}
		// Only the errors since the previous Wait.
		p.Go(func(context.Context) error { return nil })
		if err := p.Wait(); err != nil {
			t.Errorf("second Wait: %v, want nil", err)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 3})
	})
}

func TestCloseDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(3))
		release := make(chan struct{})
		var canceled atomic.Int64
		futures := make([]*pool.Future[int], 4)
		for i := range futures {
			futures[i] = pool.Submit(p, func(ctx context.Context) (int, error) {
				<-release
				if ctx.Err() != nil {
					canceled.Add(1)
				}
				return i, nil
			})
		}
		p.Go(func(context.Context) error { return errors.New("from Go") })
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		synctest.Wait() // Close has begun and waits for the tasks
		select {
		case <-closed:
			t.Fatal("Close returned before its tasks finished")
		default:
		}
		if _, err := pool.Submit(p, returns(9)).Wait(); err != pool.ErrClosed {
			t.Errorf("Submit during Close: got %v, want ErrClosed", err)
		}
		close(release)
		if err := <-closed; err == nil || err.Error() != "from Go" {
			t.Errorf("Close: got %v, want the Go task's error", err)
		}
		for i, f := range futures {
			if !done(f) {
				t.Errorf("future %d not complete when Close returned", i)
			} else if v, err := f.Wait(); v != i || err != nil {
				t.Errorf("future %d: got %d, %v", i, v, err)
			}
		}
		if n := canceled.Load(); n != 0 {
			t.Errorf("%d tasks saw their ctx canceled by Close", n)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 1})

		if err := p.Close(); err != pool.ErrClosed {
			t.Errorf("second Close: got %v, want ErrClosed", err)
		}
		f, ok := pool.TrySubmit(p, returns(1))
		if _, err := f.Wait(); !ok || err != pool.ErrClosed {
			t.Errorf("TrySubmit after Close: got %v, %v; want true, ErrClosed", ok, err)
		}
		p.Go(func(context.Context) error { return nil })
		p.Go(func(context.Context) error { return nil })
		err := p.Wait()
		if diff := cmp.Diff([]error{pool.ErrClosed}, flatten(err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("Wait after Go on a closed pool (-want +got):\n%s", diff)
		}
		checkStats(t, p, pool.Stats{Submitted: 5, Completed: 5, Failed: 1})
	})
}

// TestCloseRefusesBlockedSubmit checks that a Submit blocked on the full
// queue when Close begins gets ErrClosed, and is not counted.
func TestCloseRefusesBlockedSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		release := make(chan struct{})
		pool.Submit(p, blocker(nil, release, 1))
		queued := pool.Submit(p, returns(2))
		submitted := make(chan *pool.Future[int])
		go func() { submitted <- pool.Submit(p, returns(3)) }()
		synctest.Wait()
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		blocked := <-submitted // refused without waiting for the drain
		if _, err := blocked.Wait(); err != pool.ErrClosed {
			t.Errorf("blocked Submit: got %v, want ErrClosed", err)
		}
		close(release)
		if err := <-closed; err != nil {
			t.Errorf("Close: %v", err)
		}
		if v, err := queued.Wait(); v != 2 || err != nil {
			t.Errorf("queued task: got %d, %v; want 2, nil", v, err)
		}
		checkStats(t, p, pool.Stats{Submitted: 2, Completed: 2})
	})
}

// A task's Go at a full queue that races Close's start is the task's child
// whichever comes first (a submitter still finding out whether it is a task
// when Close begins is handed its task back, not refused); an outside Go
// blocked then is refused, with ErrClosed in Close's error, or ran before.
func TestCloseRacingTaskAndOutsideAddsAtFullQueue(t *testing.T) {
	for range 300 {
		p := pool.New(context.Background(), 1, pool.QueueSize(1))
		goAdd, started := make(chan struct{}), make(chan struct{})
		var childRan, outsideRan atomic.Bool
		parent := pool.Submit(p, func(context.Context) (int, error) {
			close(started)
			<-goAdd
			p.Go(func(context.Context) error { childRan.Store(true); return nil })
			return 1, nil
		})
		<-started
		p.Go(func(context.Context) error { return nil }) // fills the queue
		outside := make(chan struct{})
		go func() {
			defer close(outside)
			p.Go(func(context.Context) error { outsideRan.Store(true); return nil })
		}()
		for p.Stats().Blocked == 0 {
			runtime.Gosched() // the outside Go is listed, maybe still finding out who it is
		}
		closed := make(chan error, 1)
		go func() { closed <- p.Close() }()
		close(goAdd)
		if v, err := parent.Wait(); v != 1 || err != nil {
			t.Fatalf("parent: %d, %v", v, err)
		}
		err := <-closed
		<-outside
		if !childRan.Load() {
			t.Fatalf("the task's child was refused (Close: %v)", err)
		}
		if outsideRan.Load() == errors.Is(err, pool.ErrClosed) {
			t.Fatalf("the outside Go ran %v, and Close returned %v", outsideRan.Load(), err)
		}
	}
}
