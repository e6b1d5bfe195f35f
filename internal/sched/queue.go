// Package sched holds the queue of a pool's waiting tasks: it serves groups
// of tasks in turns, and hands out the tasks of one key one at a time, in the
// order they came.
//
// A [Queue] is a data structure only: it starts no goroutine, runs no task
// and takes no lock. The pool that owns it guards it with its own mutex,
// decides what a task is and when it is dead, and reports when a keyed task
// it popped is done.
package sched

// A Queue holds tasks waiting for a worker. A task is ready when [Queue.Pop]
// may return it. Pop serves the groups that have a task ready in turns: a
// group's next task waits behind at most one task of each other group, and a
// group whose first task gets ready joins the turns at the back. Within a
// group, tasks come out in the order they got ready. The zero G is a group
// like any other: the tasks pushed without a group.
//
// Tasks pushed with the same key come out one at a time, in push order: a
// key's next task gets ready only when [Queue.Done] reports the previous one
// done; until then it waits with its key, counted by [Queue.Len].
//
// A Queue keeps no reference to a group with no task queued, nor to a key
// with no task queued or out. The zero Queue is empty and ready to use. A
// Queue is not safe for concurrent use (the pool's mutex guards it), and must
// not be copied after first use.
type Queue[T any, G comparable] struct {
	// A queued task is in one of two places. A ready task is in its
	// group's ready FIFO. A task pushed with a key whose earlier task is
	// ready or out waits in its key's FIFO (keys.go) until Done. Around them:
	//
	//   - n counts the tasks in both places: Len.
	//   - turns holds each group that has a ready task, once, the one to
	//     serve next first; and none, q's own group for the zero G, when it
	//     has no task ready but is alone there: it idles in turns rather
	//     than leave and join again at every task when it is the only group
	//     (BenchmarkChurn/impl=one-group). Otherwise a group with no task
	//     ready is in no field of q (spareGroups hold emptied structs only).
	//   - groups maps the G of every other group in turns to its group.
	//   - keys maps each key with a task ready, out or waiting to its
	//     state; out lists those with a task out (popped, Done not called
	//     yet), so that Drain need not look at the others.
	//
	// Every field changes only in Queue's methods, under the pool's lock.
	n      int
	turns  ring[*group[T, G]]
	none   group[T, G]
	groups map[G]*group[T, G]
	keys   map[any]*key[T, G]
	out    []*key[T, G]

	// Groups and keys to reuse, holding no task and no id: see spares.
	// keysPeak is the most keys known at once since none was.
	spareGroups []*group[T, G]
	spareKeys   []*key[T, G]
	keysPeak    int
}

// A group is one group's ready tasks, in the order they got ready.
type group[T any, G comparable] struct {
	id      G
	ready   ring[readyTask[T, G]]
	inTurns bool // g is in the Queue's turns
}

// A readyTask is a task that Pop may return, with its key's state, or nil if
// it was pushed without a key.
type readyTask[T any, G comparable] struct {
	t T
	k *key[T, G]
}

// Len returns the number of queued tasks: the ready ones and those waiting
// for their key.
func (q *Queue[T, G]) Len() int { return q.n }

// Push queues t, ready at once, in group g.
func (q *Queue[T, G]) Push(t T, g G) {
	var zero G
	if g == zero && q.none.inTurns {
		// The tasks of Submit and Go when they are the only group: a
		// plain FIFO (BenchmarkPushPop/impl=one-group).
		q.none.ready.push(readyTask[T, G]{t: t})
	} else {
		q.ready(t, g, nil)
	}
	q.n++
}

// Pop takes the next ready task off the queue and returns it with the key it
// was pushed with, or nil; ok is false if no task is ready. A key's task is
// out from then until [Queue.Done] is called for the key, whatever becomes of
// the task: done, failed or found dead.
func (q *Queue[T, G]) Pop() (t T, k any, ok bool) {
	if q.turns.n == 0 {
		return t, nil, false
	}
	g := q.turns.front()
	if g.ready.n == 0 {
		return t, nil, false // q.none idles alone in the turns
	}
	r := g.ready.pop()
	q.n--
	// With one group in turns there is no one to give the turn to, and the
	// plain FIFO pays nothing.
	if q.turns.n > 1 || g.ready.n == 0 && g != &q.none {
		q.endTurn(g)
	}
	if r.k != nil {
		q.takeOut(r.k)
		return r.t, r.k.id, true
	}
	return r.t, nil, true
}

// endTurn moves g, just served, from the front of the turns to the back, or
// out of them if it has no task ready.
func (q *Queue[T, G]) endTurn(g *group[T, G]) {
	q.turns.pop()
	if g.ready.n > 0 {
		q.turns.push(g)
		return
	}
	g.inTurns = false
	q.leave(g)
}

// ready adds t, ready, at the back of group id's FIFO; a group not in the
// turns joins them at the back.
func (q *Queue[T, G]) ready(t T, id G, k *key[T, G]) {
	g := q.group(id)
	if !g.inTurns {
		if q.none.inTurns && q.none.ready.n == 0 {
			// q.none idles alone in the turns: it leaves now, as it
			// would have at its last pop had another group been there.
			q.turns.pop()
			q.none.inTurns = false
		}
		q.turns.push(g)
		g.inTurns = true
	}
	g.ready.push(readyTask[T, G]{t, k})
}

// group returns group id, made if it has no task ready: the zero G's is q's
// own, the others' are in groups while they are in turns.
func (q *Queue[T, G]) group(id G) *group[T, G] {
	var zero G
	if id == zero {
		return &q.none
	}
	g := q.groups[id]
	if g == nil {
		if q.groups == nil {
			q.groups = make(map[G]*group[T, G])
		}
		g = reuse(&q.spareGroups)
		g.id = id
		q.groups[id] = g
	}
	return g
}

// leave forgets g, which has left the turns with no task ready.
func (q *Queue[T, G]) leave(g *group[T, G]) {
	if g == &q.none {
		return
	}
	delete(q.groups, g.id)
	var zero G
	g.id = zero                                       // no reference to the user's group
	keep(&q.spareGroups, g, len(g.ready.buf), spares) // its ring holds nothing: pop clears
}

// A group joins and leaves the turns at every task when workers keep up
// with it: a pool's Group whose tasks come one by one. Made anew each time,
// with its ring, that cost 2 allocations and ~480 ns a task, against ~20 ns
// for the tasks without a group (BenchmarkChurn/impl=group); a key known and
// forgotten at every task, 1 allocation and ~200 ns (impl=key). So the
// Queue keeps up to spares of each, whose rings are small, for the next.
// Keys come and go by the hundred as a full queue drains and fills: so the
// keys known and the spare keys together may number as many as keys were
// known at once since none was (keysPeak). Once no key is known, the spare
// keys beyond spares go. (1e6 tasks over 1,000 keys, QueueSize(4096), 8
// workers: 0.28 keys made a task with spares alone, 0.16 so.)
const (
	spares    = 64
	spareRing = 64
)

// reuse returns a spare from *list, or a new one. The slot it leaves is not
// cleared: the struct stays in use, and clearing it cost BenchmarkChurn's
// keys 20%.
func reuse[E any](list *[]*E) *E {
	n := len(*list)
	if n == 0 {
		return new(E)
	}
	e := (*list)[n-1]
	*list = (*list)[:n-1]
	return e
}

// keep adds e, emptied, whose ring has room for ringLen tasks, to *list, unless
// the list holds limit or the ring is large.
func keep[E any](list *[]*E, e *E, ringLen, limit int) {
	if len(*list) < limit && ringLen <= spareRing {
		*list = append(*list, e)
	}
}
