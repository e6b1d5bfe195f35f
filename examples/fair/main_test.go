package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Both runs complete every small request and print their lines; the
// latencies are printed, not asserted: speed lives in the benchmarks
// (bench's FairGroups).
func TestFair(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), &out, 2000, 20); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("printed %d lines, want 3:\n%s", len(lines), &out)
	}
	if lines[0] != "20 small requests of 10 tasks behind one of 2000, on 8 workers" ||
		!strings.HasPrefix(lines[1], "with groups:    20 done, median ") ||
		!strings.HasPrefix(lines[2], "without groups: 20 done, median ") {
		t.Errorf("output:\n%s", &out)
	}
}
