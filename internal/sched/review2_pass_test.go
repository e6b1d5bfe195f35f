package sched

import "testing"

// TestReview2SpareKeysOrder checks that keys made from spares keep the
// Queue's promise: "Tasks pushed with the same key come out one at a time,
// in push order", after many keys were forgotten into spares.
func TestReview2SpareKeysOrder(t *testing.T) {
	var q Queue[int, string]
	const n = 300
	for i := range n {
		q.PushKey(i, "", i)
	}
	for range n {
		_, k, _ := q.Pop()
		q.Done(k)
	}
	// Every key now is a spare reused: three tasks per key.
	for round := range 3 {
		for i := range n {
			q.PushKey(round*n+i, "", i%7)
		}
	}
	last := map[any]int{}
	for q.Len() > 0 {
		var popped []any
		for {
			v, k, ok := q.Pop()
			if !ok {
				break
			}
			if p, seen := last[k]; seen && v <= p {
				t.Fatalf("key %v: task %d after %d", k, v, p)
			}
			last[k] = v
			popped = append(popped, k)
		}
		if len(popped) == 0 {
			t.Fatalf("nothing ready with %d queued", q.Len())
		}
		for _, k := range popped {
			q.Done(k)
		}
	}
	if _, _, known, out := q.Held(); known != 0 || out != 0 {
		t.Fatalf("after all done: %d keys known, %d out", known, out)
	}
}
