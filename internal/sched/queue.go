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
	//     serve next first. A group with none is in no field of q but none,
	//     q's own group for the zero G, which stays out of turns then.
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
}

// A group is one group's ready tasks, in the order they got ready.
type group[T any, G comparable] struct {
	id    G
	ready ring[readyTask[T, G]]
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
	q.ready(t, g, nil)
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
	r := g.ready.pop()
	q.n--
	switch {
	case g.ready.n == 0:
		q.turns.pop()
		q.leave(g)
	case q.turns.n > 1:
		// Its turn is over: to the back. With one group in turns there is
		// no one to give the turn to, and the plain FIFO pays nothing.
		q.turns.pop()
		q.turns.push(g)
	}
	if r.k == nil {
		return r.t, nil, true
	}
	q.takeOut(r.k)
	return r.t, r.k.id, true
}

// ready adds t, ready, at the back of group id's FIFO; a group that had no
// task ready joins the turns at the back.
func (q *Queue[T, G]) ready(t T, id G, k *key[T, G]) {
	g := q.group(id)
	if g.ready.n == 0 {
		q.turns.push(g)
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
		g = &group[T, G]{id: id}
		q.groups[id] = g
	}
	return g
}

// leave forgets g, which has left the turns with no task ready.
func (q *Queue[T, G]) leave(g *group[T, G]) {
	if g != &q.none {
		delete(q.groups, g.id)
	}
}
