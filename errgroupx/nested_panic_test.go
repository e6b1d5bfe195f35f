package errgroupx_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
)

// nestedLeaf panics with v; the tests below look for its name in the stack
// of the PanicError that reaches the outermost Wait.
func nestedLeaf(v any) error {
	panic(v)
}

// nestGroups runs leaf at the bottom of levels groups, each made in a function of
// the group above it, and returns the outermost group's Wait. It stores in
// *leafPE the PanicError that the innermost group's context was canceled
// with: the one that its goroutine recovered.
func nestGroups(levels int, leaf func() error, leafPE **errgroupx.PanicError) func() error {
	if levels == 1 {
		g, ctx := errgroupx.WithContext(context.Background())
		g.Go(leaf)
		return func() error {
			defer func() { *leafPE, _ = context.Cause(ctx).(*errgroupx.PanicError) }()
			return g.Wait()
		}
	}
	var g errgroupx.Group
	g.Go(nestGroups(levels-1, leaf, leafPE))
	return g.Wait
}

// wantLeafPanic checks that pe is the leaf's own PanicError, not one that
// wraps it once per level: the same pointer, the leaf's value, the leaf's
// stack (not that of a Wait that re-raised it) and one "[recovered]".
func wantLeafPanic(t *testing.T, pe, leaf *errgroupx.PanicError, value any) {
	t.Helper()
	if pe == nil {
		t.Fatal("Wait did not panic")
	}
	if _, wrapped := pe.Value.(*errgroupx.PanicError); wrapped {
		t.Fatalf("Wait panicked with a PanicError wrapping another: %v", pe.Value)
	}
	if pe.Value != value {
		t.Errorf("PanicError.Value = %v, want %v", pe.Value, value)
	}
	if leaf == nil || pe != leaf {
		t.Errorf("Wait panicked with %p, want the leaf's PanicError %p", pe, leaf)
	}
	stack := string(pe.Stack)
	if !strings.Contains(stack, "errgroupx_test.nestedLeaf") {
		t.Errorf("the stack is not the leaf's:\n%s", stack)
	}
	if strings.Contains(stack, "errgroupx.(*Group).Wait") {
		t.Errorf("the stack is that of a Wait that re-raised the panic, not the leaf's:\n%s", stack)
	}
	if n := strings.Count(pe.Error(), "[recovered]"); n != 1 {
		t.Errorf("PanicError.Error() says [recovered] %d times, want once:\n%s", n, pe.Error())
	}
}

// A panic that crosses groups nested in each other's functions reaches the
// outermost Wait as the leaf's own PanicError.
func TestNestedPanicIsTheLeafs(t *testing.T) {
	for _, levels := range []int{2, 3} {
		var leaf *errgroupx.PanicError
		wait := nestGroups(levels, func() error { return nestedLeaf("leaf") }, &leaf)
		pe, err := waitPanic(t, wait)
		if err != nil {
			t.Fatalf("%d levels: Wait returned %v", levels, err)
		}
		wantLeafPanic(t, pe, leaf, "leaf")
	}
}

// errors.Is and Unwrap reach the leaf's panic(err) through every level
// directly, and Error starts with the leaf's error once.
func TestNestedPanicErrorUnwraps(t *testing.T) {
	errLeaf := errors.New("leaf failed")
	var leaf *errgroupx.PanicError
	pe, _ := waitPanic(t, nestGroups(3, func() error { return nestedLeaf(errLeaf) }, &leaf))
	wantLeafPanic(t, pe, leaf, errLeaf)
	if pe.Unwrap() != errLeaf || !errors.Is(pe, errLeaf) {
		t.Errorf("Unwrap() = %v, want %v", pe.Unwrap(), errLeaf)
	}
	if !strings.HasPrefix(pe.Error(), "leaf failed [recovered]\n\n") {
		t.Errorf("Error() = %q..., want it to start with the leaf's error", pe.Error()[:min(len(pe.Error()), 60)])
	}
}

// A nested panic outranks an error of the outer group, and cancels the outer
// group's context with the leaf's PanicError as the cause.
func TestNestedPanicOutranksOuterError(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	g.SetLimit(1) // the error is the group's first in time
	g.Go(func() error { return errors.New("first") })
	var leaf *errgroupx.PanicError
	g.Go(nestGroups(2, func() error { return nestedLeaf("leaf") }, &leaf))
	pe, err := waitPanic(t, g.Wait)
	if err != nil {
		t.Fatalf("Wait returned %v, want a panic", err)
	}
	wantLeafPanic(t, pe, leaf, "leaf")
	if cause := context.Cause(ctx); cause == nil || cause.Error() != "first" {
		t.Errorf("context.Cause = %v, want the first error in time", cause)
	}
}

// Without an earlier error, the outer group's context is canceled with the
// leaf's PanicError itself.
func TestNestedPanicIsOuterCause(t *testing.T) {
	g, ctx := errgroupx.WithContext(context.Background())
	var leaf *errgroupx.PanicError
	g.Go(nestGroups(2, func() error { return nestedLeaf("leaf") }, &leaf))
	pe, _ := waitPanic(t, g.Wait)
	wantLeafPanic(t, pe, leaf, "leaf")
	if cause := context.Cause(ctx); cause != error(leaf) {
		t.Errorf("context.Cause = %v, want the leaf's PanicError", cause)
	}
}

// The same through ResultGroups, two and three deep.
func TestNestedPanicResultGroup(t *testing.T) {
	var leaf *errgroupx.PanicError
	inner := func() (int, error) {
		g, ctx := errgroupx.ResultGroupWithContext[int](context.Background())
		g.Go(func() (int, error) { return 0, nestedLeaf("leaf") })
		defer func() { leaf, _ = context.Cause(ctx).(*errgroupx.PanicError) }()
		vs, err := g.Wait()
		return len(vs), err
	}
	middle := func() (int, error) {
		var g errgroupx.ResultGroup[int]
		g.Go(func() (int, error) { return 1, nil })
		g.Go(inner)
		vs, err := g.Wait()
		return len(vs), err
	}
	for _, level := range []func() (int, error){inner, middle} {
		var g errgroupx.ResultGroup[int]
		g.Go(level)
		pe, err := waitPanic(t, func() error { _, err := g.Wait(); return err })
		if err != nil {
			t.Fatalf("Wait returned %v, want a panic", err)
		}
		wantLeafPanic(t, pe, leaf, "leaf")
	}
}

// Recover passes a PanicError raised by a nested Wait through unchanged, and
// a panic with a nil *PanicError is still a panic of its own.
func TestRecoverPassesPanicErrorThrough(t *testing.T) {
	leaf := &errgroupx.PanicError{Value: "leaf", Stack: []byte("the leaf's stack")}
	err := errgroupx.Recover(func() error { panic(leaf) }, nil)
	if err != error(leaf) {
		t.Errorf("Recover(panic(leaf)) = %#v, want leaf itself", err)
	}
	err = errgroupx.Recover(func() error { panic((*errgroupx.PanicError)(nil)) }, nil)
	var pe *errgroupx.PanicError
	if !errors.As(err, &pe) || pe == nil || len(pe.Stack) == 0 {
		t.Errorf("Recover(panic((*PanicError)(nil))) = %#v, want a new PanicError", err)
	}
}
