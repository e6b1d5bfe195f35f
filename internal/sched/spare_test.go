package sched

import "testing"

// TestSpareKeys checks what the Queue keeps of the keys it forgets: while
// keys are known, enough spares that the known and the spare together
// number as many as were known at once, so that keys coming and going by the
// thousand are not made anew each time; once no key is known, spares at most.
func TestSpareKeys(t *testing.T) {
	var q Queue[string, string]
	const n = 1000
	keys := make([]any, n+1) // boxed once: an int over 255 allocates
	for i := range keys {
		keys[i] = i
	}
	pushPop := func(keys []any) {
		for _, k := range keys {
			q.PushKey("t", "", k)
		}
		for range keys {
			q.Pop()
		}
	}
	// n keys known at once, each with its task out, then forgotten but one.
	pushPop(keys[:n])
	for _, k := range keys[1:n] {
		q.Done(k)
	}
	if got := len(q.spareKeys); got != n-1 {
		t.Fatalf("%d keys known at once, all but one forgotten: %d spare keys, want %d", n, got, n-1)
	}
	// The same again, with the one key still out: made from spares.
	if allocs := testing.AllocsPerRun(10, func() {
		pushPop(keys[1:n])
		for _, k := range keys[1:n] {
			q.Done(k)
		}
	}); allocs != 0 {
		t.Errorf("%d keys came and went with as many spares: %v allocations, want 0", n-1, allocs)
	}
	q.Done(keys[0])
	if got := len(q.spareKeys); got > spares {
		t.Fatalf("once no key is known: %d spare keys, want at most %d", got, spares)
	}
	// A key known alone may not keep more than spares.
	pushPop(keys[n:])
	q.Done(keys[n])
	if got := len(q.spareKeys); got > spares {
		t.Fatalf("after one key: %d spare keys, want at most %d", got, spares)
	}
}
