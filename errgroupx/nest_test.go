package errgroupx_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

// lender counts the lends in force of a fake pool worker.
type lender struct{ lent atomic.Int32 }

func (l *lender) Lend() func() {
	l.lent.Add(1)
	return func() { l.lent.Add(-1) }
}

// A group made from a pool task's ctx lends the task's worker while its
// caller waits in Wait, or in Go at the limit: the group's functions may
// need it to run the tasks they wait for.
func TestGroupLendsTaskSlotWhileWaiting(t *testing.T) {
	l := &lender{}
	ctx := nest.NewContext(context.Background(), &nest.Slot{Owner: l})
	lentWhileRunning := func() error {
		if l.lent.Load() == 0 {
			t.Error("a function of the group ran while the caller held its slot")
		}
		return nil
	}

	g, _ := errgroupx.WithContext(ctx)
	g.SetLimit(1)
	release := make(chan struct{})
	g.Go(func() error { <-release; return lentWhileRunning() })
	go func() {
		for l.lent.Load() == 0 { // the second Go lends while it blocks
		}
		close(release)
	}()
	g.Go(lentWhileRunning) // blocks at the limit
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	rg, _ := errgroupx.ResultGroupWithContext[int](ctx)
	started := make(chan struct{})
	rg.Go(func() (int, error) { <-started; return 1, lentWhileRunning() })
	go func() {
		for l.lent.Load() == 0 {
		}
		close(started)
	}()
	if _, err := rg.Wait(); err != nil {
		t.Fatal(err)
	}
	if l.lent.Load() != 0 {
		t.Error("the caller did not take its slot back")
	}
}
