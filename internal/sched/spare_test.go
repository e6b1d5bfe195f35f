package sched

import "testing"

// TestSpareKeys checks what the Queue keeps of the keys it forgets: while
// many keys are known, as many spares as keys, so that keys coming and going
// by the thousand are not made anew each time; once no key is known, spares
// at most.
func TestSpareKeys(t *testing.T) {
	var q Queue[string, string]
	const n = 1000
	keys := make([]any, 2*n) // boxed once: an int over 255 allocates
	for i := range keys {
		keys[i] = i
	}
	round := func() { // n keys queued at once, then forgotten
		for _, k := range keys[:n] {
			q.PushKey("t", "", k)
		}
		for range n {
			_, k, _ := q.Pop()
			q.Done(k)
		}
	}
	round()
	if got := len(q.spareKeys); got != spares {
		t.Fatalf("after %d keys were forgotten with none known: %d spare keys, want %d", n, got, spares)
	}
	// n other keys stay known, each with a task out.
	var out []any
	for _, k := range keys[n:] {
		q.PushKey("stay", "", k)
		_, k, _ := q.Pop()
		out = append(out, k)
	}
	round()
	if got := len(q.spareKeys); got != n {
		t.Fatalf("after %d keys were forgotten with %d known: %d spare keys, want %d", n, n, got, n)
	}
	if allocs := testing.AllocsPerRun(10, round); allocs != 0 {
		t.Errorf("%d keys came and went with as many spares: %v allocations, want 0", n, allocs)
	}
	for _, k := range out {
		q.Done(k)
	}
	if got := len(q.spareKeys); got > spares {
		t.Fatalf("once no key is known: %d spare keys, want at most %d", got, spares)
	}
}
