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

// run prints a line per task, then a summary, and exits 0.
func TestRun(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"-tasks", "20", "-workers", "4", "-scale", "0.001"}, &out, &errOut); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr: %s", code, &errOut)
	}
	text, summary := splitSummary(out.String())
	if got := len(lines(t, text)); got != 20 {
		t.Errorf("%d task lines, want 20", got)
	}
	if !strings.HasPrefix(summary, "20 tasks on 4 workers slept ") {
		t.Errorf("summary %q, want 20 tasks on 4 workers", summary)
	}
}

// Ctrl-C through run: exit status 130, and a summary that accounts for
// every task.
func TestRunInterrupt(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	out := &interruptAt{line: 10, interrupt: interrupt}
	var errOut strings.Builder
	if code := run(ctx, []string{"-scale", "0.001"}, out, &errOut); code != 130 {
		t.Fatalf("exit status %d, want 130; stderr: %s", code, &errOut)
	}
	text, summary := splitSummary(out.String())
	var done, cut, skipped int
	if _, err := fmt.Sscanf(summary, "interrupted: %d tasks done, %d cut short, %d never started", &done, &cut, &skipped); err != nil {
		t.Fatalf("summary %q: %v", summary, err)
	}
	if done+cut+skipped != 50 || done != len(lines(t, text)) {
		t.Errorf("summary %q with %d task lines, want 50 tasks and a line for each done", summary, len(lines(t, text)))
	}
}

// A flag that makes no sense is refused with exit status 2, not a panic.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-scale", "-1"}, {"-scale", "1e10"}, {"-workers", "0"}, {"-tasks", "many"},
	} {
		var out, errOut strings.Builder
		if code := run(t.Context(), args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("run(%q) = %d with stderr %q, want 2 and a message", args, code, &errOut)
		}
	}
}

// splitSummary splits run's output into the tasks' lines and the summary.
func splitSummary(out string) (tasks, summary string) {
	out = strings.TrimSuffix(out, "\n")
	i := strings.LastIndex(out, "\n")
	return out[:i+1], out[i+1:]
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
