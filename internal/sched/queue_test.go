package sched_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fanout-go/fanout/internal/sched"
	"github.com/google/go-cmp/cmp"
)

// A step is one call on a Queue[string, string] in a table test: tasks are
// named "<group><n>" by the tests, so that a pop order reads as turns.
type step struct {
	op   string // "push", "key", "pop", "done"
	g    string // the group, "" for none
	k    string // the key of "key" and "done"
	task string // the task pushed, or the one "pop" wants ("" for none ready)
}

func push(g, task string) step       { return step{op: "push", g: g, task: task} }
func pushKey(g, k, task string) step { return step{op: "key", g: g, k: k, task: task} }
func pop(want string) step           { return step{op: "pop", task: want} }
func done(k string) step             { return step{op: "done", k: k} }

// pushes pushes each task of a space-separated list in group g.
func pushes(g, tasks string) []step {
	var s []step
	for _, t := range strings.Fields(tasks) {
		s = append(s, push(g, t))
	}
	return s
}

// pops returns the steps that pop each task of a space-separated list.
func pops(tasks string) []step {
	var s []step
	for _, t := range strings.Fields(tasks) {
		s = append(s, pop(t))
	}
	return s
}

func seq(parts ...[]step) []step {
	var s []step
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

// run plays steps on q and fails at the first pop that differs.
func run(t *testing.T, q *sched.Queue[string, string], steps []step) {
	t.Helper()
	for i, s := range steps {
		switch s.op {
		case "push":
			q.Push(s.task, s.g)
		case "key":
			q.PushKey(s.task, s.g, s.k)
		case "done":
			q.Done(s.k)
		case "pop":
			got, k, ok := q.Pop()
			if s.task == "" {
				if ok {
					t.Fatalf("step %d: Pop = %q, want none ready", i, got)
				}
				continue
			}
			if !ok || got != s.task {
				t.Fatalf("step %d: Pop = %q, %v, want %q", i, got, ok, s.task)
			}
			if k != nil && k != any(strings.TrimRight(strings.SplitN(got, ".", 2)[0], "0123456789")) {
				// keyed tasks are named "<key>.<n>" in these tables
				t.Fatalf("step %d: Pop of %q returned key %v", i, got, k)
			}
		}
	}
}

func TestTurns(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"one group is FIFO", seq(pushes("", "1 2 3"), pops("1 2 3"), pops(""))},
		{"groups take turns in the order they joined", seq(
			pushes("a", "a1 a2 a3 a4 a5"), pushes("b", "b1 b2"), pushes("c", "c1"),
			pops("a1 b1 c1 a2 b2 a3 a4 a5"))},
		{"the tasks without a group are a group", seq(
			pushes("a", "a1 a2 a3"), pushes("", "n1 n2"),
			pops("a1 n1 a2 n2 a3"))},
		{"a group joining late joins at the back", seq(
			pushes("a", "a1 a2 a3"), pushes("b", "b1 b2 b3"), pops("a1"),
			pushes("c", "c1 c2"), // turns: b, a, c
			pops("b1 a2 c1 b2 a3 c2 b3"))},
		{"a group served after joining keeps its place", seq(
			pushes("a", "a1 a2"), pushes("b", "b1"), pops("a1"),
			pushes("b", "b2"), // b did not leave: no new place
			pops("b1 a2 b2"))},
		{"a group that emptied rejoins at the back", seq(
			pushes("a", "a1"), pushes("b", "b1 b2"), pushes("c", "c1 c2"),
			pops("a1"), pushes("a", "a2"), // turns: b, c, a
			pops("b1 c1 a2 b2 c2"))},
		{"pushes between pops keep the turn", seq(
			pushes("a", "a1"), pushes("b", "b1"),
			pops("a1"), pushes("a", "a2"), pops("b1"), pushes("b", "b2"), pops("a2 b2"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q sched.Queue[string, string]
			run(t, &q, tt.steps)
			if q.Len() != 0 {
				t.Fatalf("Len = %d after every pop", q.Len())
			}
		})
	}
}

// TestTurnBound checks the promise as written, on the shape: a
// group with a long queue first, then groups of 10. Every task of a small
// group waits behind at most one task of each other group with tasks queued.
func TestTurnBound(t *testing.T) {
	var q sched.Queue[string, string]
	for i := range 1000 {
		q.Push(fmt.Sprint("big.", i), "big")
	}
	for g := range 100 {
		for i := range 10 {
			name := fmt.Sprint("g", g)
			q.Push(name+"."+fmt.Sprint(i), name)
		}
	}
	// since[g][h] counts h's pops since g's last pop (or since g joined).
	since := map[string]map[string]int{}
	for g := range 100 {
		since[fmt.Sprint("g", g)] = map[string]int{}
	}
	since["big"] = map[string]int{}
	var order []string
	for q.Len() > 0 {
		task, _, _ := q.Pop()
		g := strings.SplitN(task, ".", 2)[0]
		for h, n := range since[g] {
			if n > 1 {
				t.Fatalf("%s waited behind %d tasks of %s", task, n, h)
			}
		}
		since[g] = map[string]int{}
		for h := range since {
			if h != g {
				since[h][g]++
			}
		}
		order = append(order, g)
	}
	// Each round serves every group once: the small groups are done in 10
	// rounds of 101, not after the 1,000 tasks of big.
	last := 0
	for i, g := range order {
		if g != "big" {
			last = i
		}
	}
	if want := 10*101 - 1; last != want {
		t.Fatalf("last small task popped at %d, want %d", last, want)
	}
}

func TestKeyOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"a key's tasks come one at a time, in order", seq(
			[]step{pushKey("", "x", "x.1"), pushKey("", "x", "x.2"), pushKey("", "x", "x.3")},
			pops("x.1"), pops(""), []step{done("x")}, pops("x.2"), pops(""),
			[]step{done("x")}, pops("x.3"), []step{done("x")}, pops(""))},
		{"keys are independent", seq(
			[]step{pushKey("", "x", "x.1"), pushKey("", "x", "x.2"), pushKey("", "y", "y.1")},
			pops("x.1 y.1"), []step{done("y")}, pops(""), []step{done("x")}, pops("x.2"))},
		{"a key's next task joins its group at the back", seq(
			[]step{pushKey("", "x", "x.1"), pushKey("", "x", "x.2")}, pushes("", "1 2"),
			pops("x.1"), []step{done("x")}, pops("1 2 x.2"))},
		{"a key's tasks in several groups keep the key's order", seq(
			[]step{pushKey("a", "x", "x.1"), pushKey("b", "x", "x.2"), pushKey("a", "x", "x.3")},
			pushes("b", "b1"),
			pops("x.1 b1"), []step{done("x")}, pops("x.2"), []step{done("x")}, pops("x.3"))},
		{"a waiting task holds no turn", seq(
			pushes("a", "a1"), []step{pushKey("b", "x", "x.1"), pushKey("b", "x", "x.2")},
			pushes("c", "c1"),
			pops("a1 x.1 c1"), pops(""), // b has nothing ready: out of the turns
			pushes("c", "c2"), []step{done("x")}, pops("c2 x.2"))},
		{"a keyed task keeps its group's turn", seq(
			pushes("a", "a1 a2"), []step{pushKey("b", "x", "x.1"), pushKey("b", "y", "y.1")},
			pops("a1 x.1 a2 y.1"))},
		{"a key pushed again after it was forgotten starts anew", seq(
			[]step{pushKey("", "x", "x.1")}, pops("x.1"), []step{done("x"), pushKey("", "x", "x.2")},
			pops("x.2"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q sched.Queue[string, string]
			run(t, &q, tt.steps)
		})
	}
}

// TestLenCountsWaiting checks that Len counts the tasks waiting for their key.
func TestLenCountsWaiting(t *testing.T) {
	var q sched.Queue[string, string]
	q.PushKey("x.1", "", "x")
	q.PushKey("x.2", "", "x")
	q.Push("1", "")
	if got := q.Len(); got != 3 {
		t.Fatalf("Len = %d, want 3", got)
	}
	q.Pop()
	q.Pop()
	if _, _, ok := q.Pop(); ok || q.Len() != 1 {
		t.Fatalf("Pop ok = %v, Len = %d; want none ready, 1 queued", ok, q.Len())
	}
}

// TestForgets checks that a group with nothing queued and a key with nothing
// queued or out are held by nothing in the queue.
func TestForgets(t *testing.T) {
	var q sched.Queue[string, string]
	held := func(want [4]int) {
		t.Helper()
		var got [4]int
		got[0], got[1], got[2], got[3] = q.Held()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Held (turns, groups, keys, out) (-want +got):\n%s", diff)
		}
	}
	for k := range 1000 {
		q.PushKey(fmt.Sprint(k), fmt.Sprint("g", k%10), k)
		q.PushKey(fmt.Sprint(k), fmt.Sprint("g", k%10), k)
	}
	held([4]int{10, 10, 1000, 0})
	for range 1000 {
		q.Pop()
	}
	held([4]int{0, 0, 1000, 1000})
	for k := range 1000 {
		q.Done(k)
	}
	held([4]int{10, 10, 1000, 0})
	for range 1000 {
		_, k, _ := q.Pop()
		q.Done(k)
	}
	held([4]int{0, 0, 0, 0})
	q.Push("1", "")
	held([4]int{1, 0, 0, 0})
	q.Pop()
	held([4]int{0, 0, 0, 0})
}

func TestMisuse(t *testing.T) {
	type queue = sched.Queue[string, string]
	tests := []struct {
		name  string
		setup func(q *queue)
		call  func(q *queue)
		want  string
	}{
		{"nil key", func(*queue) {}, func(q *queue) { q.PushKey("1", "", nil) }, "sched: PushKey with a nil key"},
		{"Done of an unknown key", func(*queue) {}, func(q *queue) { q.Done("x") }, "sched: Done with a key that has no task out"},
		{"Done before Pop", func(q *queue) { q.PushKey("1", "", "x") }, func(q *queue) { q.Done("x") },
			"sched: Done with a key that has no task out"},
		{"Done twice", func(q *queue) {
			q.PushKey("1", "", "x")
			q.PushKey("2", "", "x")
			q.Pop()
			q.Done("x")
		}, func(q *queue) { q.Done("x") }, "sched: Done with a key that has no task out"},
		{"uncomparable key", func(*queue) {}, func(q *queue) { q.PushKey("1", "", []int{1}) }, "hash of unhashable type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q queue
			tt.setup(&q)
			q.Push("0", "a")
			n := q.Len()
			var held [4]int
			held[0], held[1], held[2], held[3] = q.Held()
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
						t.Fatalf("panic %v, want one that says %q", r, tt.want)
					}
				}()
				tt.call(&q)
			}()
			var after [4]int
			after[0], after[1], after[2], after[3] = q.Held()
			if q.Len() != n || after != held {
				t.Fatalf("after the panic, Len %d and Held %v, want %d and %v", q.Len(), after, n, held)
			}
		})
	}
}

// TestAllocs pins the allocation-free paths: the tasks without a group or
// key, a group that joins and leaves the turns at every task, and a key
// known and forgotten at every task.
func TestAllocs(t *testing.T) {
	var q sched.Queue[func(), *int]
	task, g, k := func() {}, new(int), any("account")
	tests := []struct {
		name string
		op   func()
	}{
		{"no group, no key", func() { q.Push(task, nil); q.Pop() }},
		{"a group at a time", func() { q.Push(task, g); q.Pop() }},
		{"a key at a time", func() {
			q.PushKey(task, g, k)
			q.Pop()
			q.Done(k)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 { // the queue's rings and maps grow, once
				q.Push(task, nil)
			}
			for range 100 {
				q.Pop()
			}
			if n := testing.AllocsPerRun(1000, tt.op); n != 0 {
				t.Fatalf("%v allocations a task, want 0", n)
			}
		})
	}
}
