package sched

import "testing"

// TestReview2SpareKeysAfterDrain checks GUARANTEES 65 as written: "the spare
// key states the queue reuses number at most the most keys known at once,
// and 64 once no key is known" — after Drain (the pool's end), which
// forgets every key that has no task out.
func TestReview2SpareKeysAfterDrain(t *testing.T) {
	var q Queue[string, string]
	const n = 1000
	keys := make([]any, n)
	for i := range keys {
		keys[i] = i
	}
	// n keys known at once; all but the last popped and done: n-1 spares,
	// the last key still known (ready, not out).
	for _, k := range keys {
		q.PushKey("t", "", k)
	}
	for range keys[:n-1] {
		q.Pop()
	}
	for _, k := range keys[:n-1] {
		q.Done(k)
	}
	if _, _, known, _ := q.Held(); known != 1 {
		t.Fatalf("keys known before Drain: %d, want 1", known)
	}
	// The pool's end: the queue is drained, no key has a task out.
	for range q.Drain() {
	}
	if _, _, known, out := q.Held(); known != 0 || out != 0 {
		t.Fatalf("after Drain: %d keys known, %d out; want 0, 0", known, out)
	}
	if got := len(q.spareKeys); got > spares {
		t.Errorf("no key known after Drain: %d spare keys, want at most %d", got, spares)
	}
}
