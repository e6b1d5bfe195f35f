package sched_test

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanout-go/fanout/internal/sched"
	"github.com/google/go-cmp/cmp"
)

func TestDeleteFunc(t *testing.T) {
	dead := func(task string) bool { return strings.HasSuffix(task, "!") }
	tests := []struct {
		name  string
		steps []step
		want  int // removed
		after []step
	}{
		{"keeps the order and the turns", seq(pushes("a", "a1 a2! a3"), pushes("b", "b1! b2"), pushes("c", "c1!")),
			3, seq(pops("a1 b2 a3"), pops(""))},
		{"a removed ready task moves its key on", seq(
			[]step{pushKey("a", "x", "x.1!"), pushKey("b", "x", "x.2"), pushKey("a", "x", "x.3")}, pushes("b", "b1")),
			1, pops("b1 x.2")},
		{"waiting tasks go too, the key moves on to one that stays", seq(
			[]step{pushKey("", "x", "x.1!"), pushKey("", "x", "x.2!"), pushKey("", "x", "x.3")}),
			2, seq(pops("x.3"), []step{done("x")}, pops(""))},
		{"a key with everything removed is forgotten", seq(
			[]step{pushKey("", "x", "x.1!"), pushKey("", "x", "x.2!")}),
			2, seq(pops(""), []step{pushKey("", "x", "x.3")}, pops("x.3"))},
		{"a key out keeps its task out", seq(
			[]step{pushKey("", "x", "x.1"), pushKey("", "x", "x.2!"), pushKey("", "x", "x.3")}, pops("x.1")),
			1, seq(pops(""), []step{done("x")}, pops("x.3"))},
		{"a promoted task joins its group at the back", seq(
			pushes("a", "a1"), []step{pushKey("b", "x", "x.1!"), pushKey("a", "x", "x.2")}, pushes("b", "b1")),
			1, pops("a1 b1 x.2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q sched.Queue[string, string]
			run(t, &q, tt.steps)
			n := q.Len()
			if got := q.DeleteFunc(dead); got != tt.want || q.Len() != n-tt.want {
				t.Fatalf("DeleteFunc = %d, Len %d -> %d; want %d removed", got, n, q.Len(), tt.want)
			}
			run(t, &q, tt.after)
		})
	}
}

// TestDeadSkipped plays the pool's part for tasks that died in the queue
// (their caller's ctx ended): Pop hands them out in turn, and the pool
// reports a dead keyed task done at once, which moves its key on.
func TestDeadSkipped(t *testing.T) {
	var q sched.Queue[string, string]
	run(t, &q, seq(
		[]step{pushKey("a", "x", "x.1!"), pushKey("a", "x", "x.2"), pushKey("b", "x", "x.3!"), pushKey("b", "x", "x.4")},
		pushes("a", "a1! a2"), pushes("b", "b1")))
	var ran []string
	for {
		task, k, ok := q.Pop()
		if !ok {
			break
		}
		if !strings.HasSuffix(task, "!") {
			ran = append(ran, task)
		}
		if k != nil {
			q.Done(k) // dead or run: the key moves on either way
		}
	}
	want := []string{"b1", "a2", "x.2", "x.4"}
	if diff := cmp.Diff(want, ran); diff != "" {
		t.Fatalf("tasks run (-want +got):\n%s", diff)
	}
	if q.Len() != 0 {
		t.Fatalf("Len = %d after every pop", q.Len())
	}
}

func TestDrain(t *testing.T) {
	var q sched.Queue[string, string]
	run(t, &q, seq(
		pushes("a", "a1 a2"), pushes("", "n1"),
		[]step{pushKey("b", "x", "x.1"), pushKey("b", "x", "x.2"), pushKey("a", "y", "y.1"), pushKey("", "y", "y.2")},
		pops("a1"))) // turns: "", b, a
	all := q.Drain()
	if q.Len() != 0 {
		t.Fatalf("Len = %d after Drain", q.Len())
	}
	if _, _, ok := q.Pop(); ok {
		t.Fatal("Pop after Drain found a task")
	}
	// The drained tasks are q's no more: q may change while they are ranged.
	q.Push("later", "")
	var got []string
	for task := range all {
		got = append(got, task)
	}
	ready, waiting := got[:3], got[3:]
	if diff := cmp.Diff([]string{"n1", "x.1", "a2"}, ready); diff != "" {
		t.Fatalf("ready tasks drained (-want +got):\n%s", diff)
	}
	slices.Sort(waiting)
	if diff := cmp.Diff([]string{"x.2", "y.1", "y.2"}, waiting); diff != "" {
		t.Fatalf("waiting tasks drained (-want +got):\n%s", diff)
	}
	turns, groups, keys, out := q.Held()
	if turns != 1 || groups != 0 || keys != 0 || out != 0 {
		t.Fatalf("Held = %d, %d, %d, %d after Drain and one push", turns, groups, keys, out)
	}
}

func TestDrainKeepsKeysOut(t *testing.T) {
	var q sched.Queue[string, string]
	run(t, &q, seq(
		[]step{pushKey("", "x", "x.1"), pushKey("", "x", "x.2"), pushKey("", "y", "y.1"), pushKey("", "y", "y.2")},
		pops("x.1 y.1"), []step{done("y")}))
	var got []string
	for task := range q.Drain() {
		got = append(got, task)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"x.2", "y.2"}, got); diff != "" {
		t.Fatalf("drained (-want +got):\n%s", diff)
	}
	// x.1 is still out: a task pushed for x waits for it, and Done forgets x.
	run(t, &q, seq([]step{pushKey("", "x", "x.3")}, pops(""), []step{done("x")}, pops("x.3"), []step{done("x")}))
	if turns, groups, keys, out := q.Held(); turns+groups+keys+out != 0 {
		t.Fatalf("Held = %d, %d, %d, %d at the end", turns, groups, keys, out)
	}
}

type token struct{ _ [16]byte } // big enough that new(token) is a heap object of its own

// TestNoReference checks that the queue lets the collector have a group
// and a key once nothing of theirs is queued or out.
func TestNoReference(t *testing.T) {
	var q sched.Queue[int, *token]
	collected := make(chan string, 2)
	func() {
		g, k := new(token), new(token)
		runtime.AddCleanup(g, func(s string) { collected <- s }, "group")
		runtime.AddCleanup(k, func(s string) { collected <- s }, "key")
		q.Push(1, g)
		q.PushKey(2, g, k)
		q.PushKey(3, nil, k)
		for range 3 {
			if _, k, _ := q.Pop(); k != nil {
				q.Done(k)
			}
		}
	}()
	q.Push(4, nil) // the queue is in use still
	// A cleanup runs on a goroutine of its own after the cycle that found
	// its object unreachable. Collect until both ran; 5 s of trying is far
	// beyond the few milliseconds they take on 2 loaded cores.
	giveUp := time.After(5 * time.Second)
	for n := 0; n < 2; {
		runtime.GC()
		select {
		case <-collected:
			n++
		case <-time.After(time.Millisecond): // collect again
		case <-giveUp:
			t.Fatalf("%d of the group and the key collected: the queue holds on to the other", n)
		}
	}
	if q.Len() != 1 {
		t.Fatal("the queue lost a task")
	}
}
