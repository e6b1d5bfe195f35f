package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// poolNestedLeaf panics with v; the tests look for it as the first frame of
// the stack that reaches the outermost waiter.
func poolNestedLeaf(v any) int {
	panic(v)
}

// wantLeafPanicError checks that err is the leaf's own PanicError: its value,
// a stack whose first frame is the leaf, and not one PanicError wrapped in
// another per level.
func wantLeafPanicError(t *testing.T, err error, value any) {
	t.Helper()
	pe, ok := err.(*errgroupx.PanicError)
	if !ok {
		t.Fatalf("got %T %v, want a *errgroupx.PanicError", err, err)
	}
	if _, wrapped := pe.Value.(*errgroupx.PanicError); wrapped {
		t.Fatalf("got a PanicError wrapping another: %v", pe.Value)
	}
	if pe.Value != value {
		t.Errorf("PanicError.Value = %v, want %v", pe.Value, value)
	}
	// The first frame of the stack, after the goroutine's header line.
	lines := strings.SplitN(string(pe.Stack), "\n", 3)
	if len(lines) < 2 || !strings.Contains(lines[1], "pool_test.poolNestedLeaf") {
		t.Errorf("the stack does not start at the leaf:\n%s", pe.Stack)
	}
	if n := strings.Count(pe.Error(), "[recovered]"); n != 1 {
		t.Errorf("Error() says [recovered] %d times, want once", n)
	}
}

// groupWaitPanic returns what g.Wait panics with, as an error, or fails the
// test if it returns.
func groupWaitPanic[R any](t *testing.T, g *pool.Group[R]) (err error) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			t.Fatal("Group.Wait did not panic")
		}
		err, _ = v.(error)
		if err == nil {
			t.Fatalf("Group.Wait panicked with %T %v, want a *errgroupx.PanicError", v, v)
		}
	}()
	_, _ = g.Wait()
	return nil
}

// A panic in a Group made inside a pool task, with the task's ctx, reaches
// the task's Future as the leaf's own PanicError; two levels of Groups in
// tasks give the same.
func TestNestedPoolGroupPanicIsTheLeafs(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	var level func(ctx context.Context, depth int) (int, error)
	level = func(ctx context.Context, depth int) (int, error) {
		if depth == 0 {
			return poolNestedLeaf("leaf"), nil
		}
		g := pool.NewGroup[int](ctx, p)
		g.Go(func(context.Context) (int, error) { return 1, nil })
		g.Go(func(ctx context.Context) (int, error) { return level(ctx, depth-1) })
		vs, err := g.Wait()
		return len(vs), err
	}
	for _, depth := range []int{1, 2} {
		_, err := pool.Submit(p, func(ctx context.Context) (int, error) { return level(ctx, depth) }).Wait()
		wantLeafPanicError(t, err, "leaf")
	}

	// A Group made outside the pool, whose task's Group panics: its Wait
	// re-raises the leaf's PanicError.
	g := pool.NewGroup[int](context.Background(), p)
	g.Go(func(ctx context.Context) (int, error) { return level(ctx, 1) })
	wantLeafPanicError(t, groupWaitPanic(t, g), "leaf")
}

// A pool task's errgroupx group and mapx.Map pass the leaf's PanicError to
// the task's Future unwrapped, and errors.Is reaches a panic(err) through it.
func TestNestedPanicInPoolTask(t *testing.T) {
	p := pool.New(context.Background(), 2)
	defer p.Close()
	errLeaf := errors.New("leaf failed")
	_, err := pool.Submit(p, func(ctx context.Context) (int, error) {
		g, _ := errgroupx.WithContext(ctx)
		g.Go(func() error { poolNestedLeaf(errLeaf); return nil })
		return 0, g.Wait()
	}).Wait()
	wantLeafPanicError(t, err, errLeaf)
	if !errors.Is(err, errLeaf) {
		t.Errorf("errors.Is(%v, errLeaf) = false", err)
	}

	_, err = pool.Submit(p, func(ctx context.Context) ([]int, error) {
		return mapx.Map(ctx, []int{0, 1}, 2, func(ctx context.Context, v int) (int, error) {
			if v == 1 {
				return poolNestedLeaf("leaf"), nil
			}
			return v, nil
		})
	}).Wait()
	wantLeafPanicError(t, err, "leaf")

	p.Go(func(ctx context.Context) error {
		g := pool.NewGroup[int](ctx, p)
		g.Go(func(context.Context) (int, error) { return poolNestedLeaf("leaf"), nil })
		_, err := g.Wait()
		return err
	})
	// Wait joins the errors of Go's tasks: the one here is the leaf's.
	var pe *errgroupx.PanicError
	if err := p.Wait(); !errors.As(err, &pe) {
		t.Fatalf("Wait() = %v, want a *errgroupx.PanicError in it", err)
	}
	wantLeafPanicError(t, pe, "leaf")
}
