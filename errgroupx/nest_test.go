package errgroupx_test

import (
	"context"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/internal/nest"
)

// borrow takes s as a goroutine of a pool's task does to run a task inline:
// it can only once the goroutine that holds s lends it.
func borrow(s *nest.Slot) {
	for !s.TryBorrow() {
		<-s.Freed()
	}
	s.Return()
}

// A group made from a pool task's ctx lends the task's worker while its
// holder waits in Wait, or in Go at the limit: the group's functions may
// need it to run the tasks they wait for. Without the lend, these hang.
func TestGroupLendsTaskSlotWhileWaiting(t *testing.T) {
	s := nest.New(nil) // this goroutine plays the task's
	s.Hold()
	ctx := nest.NewContext(context.Background(), s)

	g, _ := errgroupx.WithContext(ctx)
	g.SetLimit(1)
	g.Go(func() error { borrow(s); return nil })
	g.Go(func() error { borrow(s); return nil }) // blocks at the limit
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	rg, _ := errgroupx.ResultGroupWithContext[int](ctx)
	rg.Go(func() (int, error) { borrow(s); return 1, nil })
	if _, err := rg.Wait(); err != nil {
		t.Fatal(err)
	}
	if !s.Holds() {
		t.Error("the task's goroutine did not get its slot back")
	}
}
