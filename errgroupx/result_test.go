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

// Wait may be called again, and by several goroutines at once: each gets
// the same values, in a slice of its own.
func TestResultGroupWaitTwiceAndConcurrently(t *testing.T) {
	var g errgroupx.ResultGroup[int]
	for i := range 4 {
		g.Go(func() (int, error) { return i, nil })
	}
	want := []int{0, 1, 2, 3}
	results := make(chan []int, 3)
	for range 3 {
		go func() {
			got, err := g.Wait()
			if err != nil {
				t.Error(err)
			}
			results <- got
		}()
	}
	var all [][]int
	for range 3 {
		all = append(all, <-results)
	}
	got, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, got)
	for i, got := range all {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Wait %d (-want +got):\n%s", i, diff)
		}
	}
	all[0][0] = 99 // a slice of its own: the others keep their values
	if all[1][0] != 0 {
		t.Errorf("two Waits share a slice")
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
