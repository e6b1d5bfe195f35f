package sched_test

import (
	"slices"
	"testing"

	"github.com/fanout-go/fanout/internal/sched"
)

type modelKey struct {
	out     bool
	waiting []int
}

// checker drives a Queue[int, int] (group 0 is the tasks without a group)
// and its model.
type checker struct {
	t *testing.T
	q sched.Queue[int, int]

	// The model, a plain reading of Queue's doc.
	turns []int         // groups with a task ready, next first
	ready map[int][]int // each group's ready tasks, in order
	keys  map[int]*modelKey
	n     int

	// What each task was pushed with.
	group, key map[int]int
	next       int // the next task's id
	// What the promises say, checked apart from the model.
	pending map[int][]int       // each key's queued tasks, in push order
	since   map[int]map[int]int // for a group with a task ready: each other group's pops since it joined or was served
}

func newChecker(t *testing.T) *checker {
	return &checker{t: t, ready: map[int][]int{}, keys: map[int]*modelKey{},
		group: map[int]int{}, key: map[int]int{}, pending: map[int][]int{}, since: map[int]map[int]int{}}
}

func (c *checker) step(b byte) {
	c.t.Helper()
	g, k := int(b>>3)%4, 1+int(b>>5)
	switch b % 8 {
	case 0, 1:
		id := c.newTask(g, 0)
		c.q.Push(id, g)
		c.makeReady(id)
	case 2, 3:
		id := c.newTask(g, k)
		c.q.PushKey(id, g, k)
		c.pending[k] = append(c.pending[k], id)
		if s := c.keys[k]; s != nil {
			s.waiting = append(s.waiting, id)
		} else {
			c.keys[k] = &modelKey{}
			c.makeReady(id)
		}
	case 4, 5:
		c.pop()
	case 6:
		c.done(b)
	case 7:
		if (b>>3)%4 == 3 {
			c.drain()
		} else {
			m := 2 + int(b>>5)%3
			c.deleteFunc(func(id int) bool { return id%m == 0 })
		}
	}
	c.check()
}

func (c *checker) newTask(g, k int) int {
	id := c.next
	c.next++
	c.group[id], c.key[id] = g, k
	c.n++
	return id
}

// makeReady puts task id at the back of its group; a group with nothing
// ready joins the turns at the back.
func (c *checker) makeReady(id int) {
	g := c.group[id]
	if len(c.ready[g]) == 0 {
		c.turns = append(c.turns, g)
		c.since[g] = map[int]int{}
	}
	c.ready[g] = append(c.ready[g], id)
}

func (c *checker) pop() {
	c.t.Helper()
	id, k, ok := c.q.Pop()
	if len(c.turns) == 0 {
		if ok {
			c.t.Fatalf("Pop = %d with no task ready", id)
		}
		return
	}
	g := c.turns[0]
	want := c.ready[g][0]
	if !ok || id != want {
		c.t.Fatalf("Pop = %d, %v; want %d (group %d)", id, ok, want, g)
	}
	c.ready[g] = c.ready[g][1:]
	c.turns = c.turns[1:]
	if len(c.ready[g]) > 0 {
		c.turns = append(c.turns, g)
	} else {
		delete(c.ready, g)
	}
	c.n--

	// The promises, apart from the model. Turns: since g joined or was
	// last served, each other group was served at most once.
	for h, n := range c.since[g] {
		if n > 1 {
			c.t.Fatalf("task %d of group %d waited behind %d tasks of group %d", id, g, n, h)
		}
	}
	delete(c.since, g)
	if len(c.ready[g]) > 0 {
		c.since[g] = map[int]int{}
	}
	for h, s := range c.since {
		if h != g {
			s[g]++
		}
	}
	// Keys: the key it was pushed with, not out already, its first queued.
	wantKey := c.key[id]
	if wantKey == 0 {
		if k != nil {
			c.t.Fatalf("Pop of %d, pushed without a key, returned key %v", id, k)
		}
		return
	}
	if k != any(wantKey) {
		c.t.Fatalf("Pop of %d returned key %v, want %d", id, k, wantKey)
	}
	s := c.keys[wantKey]
	if s.out {
		c.t.Fatalf("Pop of %d while key %d has a task out", id, wantKey)
	}
	if p := c.pending[wantKey]; p[0] != id {
		c.t.Fatalf("Pop of %d, but key %d's first queued task is %d", id, wantKey, p[0])
	}
	c.pending[wantKey] = c.pending[wantKey][1:]
	s.out = true
}

func (c *checker) done(b byte) {
	c.t.Helper()
	var out []int
	for k, s := range c.keys {
		if s.out {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		k := 1 + int(b>>5)
		defer func() {
			if recover() == nil {
				c.t.Fatalf("Done(%d) with no task out did not panic", k)
			}
		}()
		c.q.Done(k)
		return
	}
	slices.Sort(out)
	k := out[int(b>>3)%len(out)]
	c.q.Done(k)
	c.moveOn(k)
}

// moveOn makes key k's next task ready, or forgets k.
func (c *checker) moveOn(k int) {
	s := c.keys[k]
	if len(s.waiting) == 0 {
		delete(c.keys, k)
		return
	}
	s.out = false
	id := s.waiting[0]
	s.waiting = s.waiting[1:]
	c.makeReady(id)
}

func (c *checker) deleteFunc(del func(int) bool) {
	c.t.Helper()
	removed := 0
	forget := func(int) {
		removed++
		c.n--
	}
	for k, p := range c.pending {
		c.pending[k] = slices.DeleteFunc(p, del)
	}
	for _, s := range c.keys {
		s.waiting = slices.DeleteFunc(s.waiting, func(id int) bool {
			if del(id) {
				forget(id)
				return true
			}
			return false
		})
	}
	var moveOn []int
	turns := c.turns
	c.turns = nil
	for _, g := range turns {
		c.ready[g] = slices.DeleteFunc(c.ready[g], func(id int) bool {
			if !del(id) {
				return false
			}
			forget(id)
			if k := c.key[id]; k != 0 {
				moveOn = append(moveOn, k)
			}
			return true
		})
		if len(c.ready[g]) > 0 {
			c.turns = append(c.turns, g) // keeps its place, and its count
		} else {
			delete(c.ready, g)
			delete(c.since, g)
		}
	}
	for _, k := range moveOn {
		c.moveOn(k)
	}
	if got := c.q.DeleteFunc(del); got != removed {
		c.t.Fatalf("DeleteFunc = %d, want %d", got, removed)
	}
}

func (c *checker) drain() {
	c.t.Helper()
	var got []int
	for id := range c.q.Drain() {
		got = append(got, id)
	}
	var ready, waiting []int
	for _, g := range c.turns {
		ready = append(ready, c.ready[g]...)
	}
	for k, s := range c.keys {
		waiting = append(waiting, s.waiting...)
		if !s.out {
			delete(c.keys, k)
		}
		s.waiting = nil
	}
	if len(got) < len(ready) {
		c.t.Fatalf("Drain gave %d tasks, want %d ready and %d waiting", len(got), len(ready), len(waiting))
	}
	// Not cmp.Diff: its diff of two long lists takes minutes.
	if !slices.Equal(ready, got[:len(ready)]) {
		c.t.Fatalf("Drain's ready tasks: got %v, want %v", got[:len(ready)], ready)
	}
	rest := got[len(ready):]
	// Each key's waiting tasks in push order; the keys in any order.
	byKey := map[int][]int{}
	for _, id := range rest {
		byKey[c.key[id]] = append(byKey[c.key[id]], id)
	}
	for k, ids := range byKey {
		if !slices.IsSorted(ids) {
			c.t.Fatalf("Drain gave key %d's waiting tasks out of order: %v", k, ids)
		}
	}
	slices.Sort(rest)
	slices.Sort(waiting)
	if !slices.Equal(waiting, rest) {
		c.t.Fatalf("Drain's waiting tasks: got %v, want %v", rest, waiting)
	}
	c.turns, c.ready, c.since, c.pending, c.n = nil, map[int][]int{}, map[int]map[int]int{}, map[int][]int{}, 0
}

// check compares Len and what the queue holds on to with the model.
func (c *checker) check() {
	c.t.Helper()
	if c.q.Len() != c.n {
		c.t.Fatalf("Len = %d, want %d", c.q.Len(), c.n)
	}
	var want, got [4]int
	want[0] = len(c.turns)
	for _, g := range c.turns {
		if g != 0 {
			want[1]++
		}
	}
	want[2] = len(c.keys)
	for _, s := range c.keys {
		if s.out {
			want[3]++
		}
	}
	got[0], got[1], got[2], got[3] = c.q.Held()
	if want != got {
		c.t.Fatalf("Held (turns, groups, keys, out) = %v, want %v", got, want)
	}
}

// finish pops every task, reporting each key done, and checks that the
// queue holds nothing after.
func (c *checker) finish() {
	c.t.Helper()
	for k, s := range c.keys {
		if s.out {
			c.q.Done(k)
			c.moveOn(k)
		}
	}
	for c.n > 0 {
		if len(c.turns) == 0 {
			c.t.Fatalf("%d tasks queued and none ready with no key out", c.n)
		}
		c.pop()
		c.check()
		for k, s := range c.keys {
			if s.out {
				c.q.Done(k)
				c.moveOn(k)
			}
		}
	}
	c.check()
	if turns, groups, keys, out := c.q.Held(); turns+groups+keys+out != 0 {
		c.t.Fatalf("Held = %d, %d, %d, %d with nothing queued or out", turns, groups, keys, out)
	}
}
