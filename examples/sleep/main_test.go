package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Every task runs once and prints its line, and the pool never runs more
// than 5 tasks or queues more than 5.
func TestSleep(t *testing.T) {
	var out strings.Builder
	s, _ := sleep(t.Context(), &out, 50, 5, time.Millisecond)
	if s.Submitted != 50 || s.Completed != 50 || s.Failed != 0 || s.Skipped != 0 {
		t.Errorf("stats %+v, want 50 submitted and completed, none failed or skipped", s)
	}
	seen := make(map[int]bool)
	for _, line := range lines(t, out.String()) {
		if seen[line.task] {
			t.Errorf("task %d ran twice", line.task)
		}
		seen[line.task] = true
		if line.running < 1 || line.running > 5 || line.queued > 5 {
			t.Errorf("task %d saw %d running and %d queued, want 1 to 5 and at most 5",
				line.task, line.running, line.queued)
		}
	}
	if len(seen) != 50 {
		t.Errorf("%d tasks printed a line, want 50:\n%s", len(seen), &out)
	}
}

// Ctrl-C, as the tenth task prints its line: the running tasks are cut
// short, the rest never start, and every task is accounted for.
func TestInterrupt(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	out := &interruptAt{line: 10, interrupt: interrupt}
	s, _ := sleep(ctx, out, 50, 5, time.Millisecond)

	printed := int64(len(lines(t, out.String())))
	if s.Submitted != 50 || s.Submitted != s.Completed+s.Skipped || printed != s.Completed-s.Failed {
		t.Errorf("stats %+v with %d lines printed, want 50 tasks completed or skipped, "+
			"and a line for each that did not fail", s, printed)
	}
	// When the tenth printed, 9 tasks were done and at most 5 running (the
	// tenth among them); the queued ones never start.
	if s.Completed > 9+5 {
		t.Errorf("%d tasks completed, want at most 14: queued tasks ran after Ctrl-C", s.Completed)
	}
}

// interruptAt is the output of sleep that presses Ctrl-C as a given line is
// printed. sleep writes one line at a time.
type interruptAt struct {
	strings.Builder
	line      int
	interrupt func()
}

func (w *interruptAt) Write(p []byte) (int, error) {
	if w.line--; w.line == 0 {
		w.interrupt()
	}
	return w.Builder.Write(p)
}

type line struct{ task, ms, running, queued int }

// lines parses sleep's output.
func lines(t *testing.T, out string) []line {
	t.Helper()
	var ls []line
	for _, s := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if s == "" {
			continue
		}
		var l line
		if _, err := fmt.Sscanf(s, "task %d slept %dms (running %d, queued %d)", &l.task, &l.ms, &l.running, &l.queued); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		ls = append(ls, l)
	}
	return ls
}
