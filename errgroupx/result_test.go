package errgroupx_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/google/go-cmp/cmp"
)

func TestResultGroupOrder(t *testing.T) {
	g, _ := errgroupx.ResultGroupWithContext[int](context.Background())
	g.SetLimit(4)
	var want []int
	for i := range 100 {
		want = append(want, i*i)
		g.Go(func() (int, error) { return i * i, nil })
	}
	got, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestResultGroupError(t *testing.T) {
	g, ctx := errgroupx.ResultGroupWithContext[string](context.Background())
	errBad := errors.New("bad")
	g.Go(func() (string, error) { return "", errBad })
	g.Go(func() (string, error) {
		<-ctx.Done()
		return "late", nil
	})
	got, err := g.Wait()
	if err != errBad || got != nil {
		t.Fatalf("Wait() = %v, %v; want nil, %v", got, err, errBad)
	}
}

func TestResultGroupTryGoRefusedTakesNoSlot(t *testing.T) {
	var g errgroupx.ResultGroup[string]
	g.SetLimit(1)
	release := make(chan struct{})
	if !g.TryGo(func() (string, error) { <-release; return "a", nil }) {
		t.Fatal("first TryGo refused")
	}
	if g.TryGo(func() (string, error) { return "refused", nil }) {
		t.Fatal("TryGo at the limit accepted")
	}
	close(release)
	g.Go(func() (string, error) { return "b", nil })
	got, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestResultGroupPanic(t *testing.T) {
	var g errgroupx.ResultGroup[int]
	g.Go(func() (int, error) { panic("in result") })
	pe, _ := waitPanic(t, func() error { _, err := g.Wait(); return err })
	if pe == nil || pe.Value != "in result" {
		t.Fatalf("Wait did not panic with the task's value: %v", pe)
	}
}
