package mapx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/mapx"
)

// mapxNestedLeaf panics with v; the tests look for it as the first frame of
// the stack that the outermost call re-raises.
func mapxNestedLeaf(v any) int {
	panic(v)
}

// wantLeafsPanic checks that pe is the leaf's own PanicError: the one its
// call's ctx was canceled with, its value, a stack whose first frame is the
// leaf, and not one PanicError wrapped in another per level.
func wantLeafsPanic(t *testing.T, pe *errgroupx.PanicError, leafCtx context.Context, value any) {
	t.Helper()
	if pe == nil {
		t.Fatal("the outer call did not panic")
	}
	if _, wrapped := pe.Value.(*errgroupx.PanicError); wrapped {
		t.Fatalf("panicked with a PanicError wrapping another: %v", pe.Value)
	}
	if pe.Value != value {
		t.Errorf("PanicError.Value = %v, want %v", pe.Value, value)
	}
	if leafCtx == nil || context.Cause(leafCtx) != error(pe) {
		t.Errorf("panicked with %p, not the PanicError the leaf's call recovered", pe)
	}
	// The first frame of the stack, after the goroutine's header line.
	lines := strings.SplitN(string(pe.Stack), "\n", 3)
	if len(lines) < 2 || !strings.Contains(lines[1], "mapx_test.mapxNestedLeaf") {
		t.Errorf("the stack does not start at the leaf:\n%s", pe.Stack)
	}
	if n := strings.Count(pe.Error(), "[recovered]"); n != 1 {
		t.Errorf("Error() says [recovered] %d times, want once", n)
	}
}

// A panic in Map inside Map's fn reaches the outer Map's caller as the
// leaf's own PanicError.
func TestNestedMapPanicIsTheLeafs(t *testing.T) {
	var leafCtx context.Context
	pe := catchPanic(t, func() {
		_, _ = mapx.Map(context.Background(), []int{0, 1}, 2, func(ctx context.Context, v int) (int, error) {
			out, err := mapx.Map(ctx, []int{0, 1, 2}, 1, func(ctx context.Context, w int) (int, error) {
				if v == 1 && w == 1 {
					leafCtx = ctx
					return mapxNestedLeaf("leaf"), nil
				}
				return w, nil
			})
			return len(out), err
		})
	})
	wantLeafsPanic(t, pe, leafCtx, "leaf")
}

// Three levels, through ForEach and MapSeq: the same.
func TestNestedMapPanicThreeLevels(t *testing.T) {
	var leafCtx context.Context
	pe := catchPanic(t, func() {
		_ = mapx.ForEach(context.Background(), []int{0}, 1, func(ctx context.Context, _ int) error {
			for _, err := range mapx.MapSeq(ctx, func(yield func(int) bool) { yield(0) }, 1,
				func(ctx context.Context, _ int) (int, error) {
					out, err := mapx.Map(ctx, []int{0}, 1, func(ctx context.Context, _ int) (int, error) {
						leafCtx = ctx
						return mapxNestedLeaf("leaf"), nil
					})
					return len(out), err
				}) {
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	wantLeafsPanic(t, pe, leafCtx, "leaf")
}
