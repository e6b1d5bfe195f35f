package pool_test

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// This file holds what makes a fuzz run that hangs fail, saying where: a
// broken queue (two tasks of a key out at once, a lost task) tends to
// deadlock the pool rather than give a wrong answer, and a fuzz run that
// waits for it holds the fuzzer until the test binary's timeout, with no
// input saved.

// runDeadline bounds the runs of one input (its program, its turns and its
// keys' order): the longest take milliseconds, also under -race on 2 loaded
// cores, so runs that take this long hang. It is under the 10 s after which
// a fuzzing process panics, without a word, for an input that hangs. It
// detects a failure and orders nothing.
const runDeadline = 5 * time.Second

// within runs fn on a goroutine of its own and waits for it to return. If
// fn has not returned by deadline, within fails t with where fn hangs
// (where's answer, which must be safe to call while fn runs) and what the
// module's goroutines are doing; if fn panics, with the panic. fn must not
// use t: it may run on after t has failed.
func within(t *testing.T, deadline time.Time, where func() string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	panicked := make(chan string, 1)
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				panicked <- fmt.Sprintf("%v\n%s", r, debug.Stack())
			}
		}()
		fn()
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-done:
		select {
		case p := <-panicked:
			t.Fatalf("the run panicked: %s", p)
		default:
		}
	case <-timer.C:
		t.Fatalf("the input's runs have not ended %v after they began: they hang %s\n\nThe module's goroutines:\n%s",
			runDeadline, where(), moduleStacks())
	}
}

// moduleStacks returns the stacks of the goroutines that run the module's
// code, but the caller's, up to 32 KiB of them.
func moduleStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var b strings.Builder
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || !strings.Contains(g, "github.com/fanout-go/fanout/") ||
			strings.Contains(g, "testing.(*M).Run") || strings.Contains(g, "testing.fRunner") {
			continue // the caller's, the test binary's, or not the module's
		}
		if b.Len()+len(g) > 32<<10 {
			b.WriteString("(more left out)\n")
			break
		}
		b.WriteString(g + "\n\n")
	}
	return b.String()
}

// What a fuzzRun's at holds once its calls are made.
const (
	atClose  = -1 - iota // Close, and the Close launched before, return
	atWait               // Wait returns
	atGroups             // the Groups of Group.GoKey return from Wait
)

// Names of the calls and kinds of task, for the messages.
var (
	callNames = [...]string{"Submit", "TrySubmit", "Go", "Go", "SubmitContext", "SubmitContext (ctx ends after)",
		"SubmitContext (ctx ended)", "Wait", "TrySubmitContext", "TryGo", "GoContext", "SubmitKey", "Pool.GoKey", "Group.GoKey"}
	kindNames = [...]string{"returns its id", "returns an error", "panics", "calls Goexit", "held", "nested"}
)

// where says where s's run is, while it runs: which call, or which wait at
// the end, and what its keys' tasks did wrong so far.
func (s *fuzzRun) where(prog []byte) string {
	var w string
	switch at := int(s.at.Load()); at {
	case atClose:
		w = "in Close"
	case atWait:
		w = "in Wait, after Close returned"
	case atGroups:
		w = "in a Group's Wait, after Close returned"
	default:
		b := prog[at]
		call, kind := callOf(b, s.keys != nil), kinds[b>>3&7]
		w = fmt.Sprintf("at call %d of %d (byte %#x: %s, of a task that %s)", at, len(prog), b, callNames[call], kindNames[kind])
		if keyed(call) {
			w += fmt.Sprintf(" with key %d", (at+s.keyShift)%len(s.keys))
		}
	}
	return w + brokenSoFar(s.keys)
}

// brokenSoFar says what keyProblems finds in keys, for where.
func brokenSoFar(keys []fuzzKey) string {
	if p := keyProblems(keys); len(p) > 0 {
		return "; the keys' order broke so far:\n\t" + strings.Join(p, "\n\t")
	}
	return "; no key's order broke so far"
}

// keyProblems says how the tasks of keys that started so far broke their
// key's order: each that started with another of its key running,
// and each key whose tasks did not start in the order added (among those
// that ran, whatever became of the others: a failure stops none). It is
// safe to call while the tasks run.
func keyProblems(keys []fuzzKey) []string {
	var p []string
	for i := range keys {
		k := &keys[i]
		k.mu.Lock()
		for _, o := range k.overlap {
			p = append(p, fmt.Sprintf("key %d: %s", i, o))
		}
		for j := 1; j < len(k.started); j++ {
			if k.started[j] <= k.started[j-1] {
				p = append(p, fmt.Sprintf("key %d: its tasks started in the order %v, not the order added", i, k.started))
				break
			}
		}
		k.mu.Unlock()
	}
	return p
}
