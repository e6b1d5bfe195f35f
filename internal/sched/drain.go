package sched

import "iter"

// DeleteFunc removes every queued task for which del returns true, and
// returns how many it removed. The others keep their order. A removed task's
// key moves on as though the task had been popped and reported done: its
// next task that stays gets ready, at the back of its group. It costs time in
// proportion to Len, and shrinks the queue's memory to what stays.
func (q *Queue[T, G]) DeleteFunc(del func(T) bool) int {
	before := q.n
	// The waiting tasks first, so that a key whose ready task goes moves on
	// to a task that stays.
	for _, s := range q.keys {
		s.waiting.filter(
			func(w waitingTask[T, G]) bool { return !del(w.t) },
			func(waitingTask[T, G]) { q.n-- })
	}
	var moveOn []*key[T, G]
	turns := q.turns
	q.turns = ring[*group[T, G]]{}
	for turns.n > 0 {
		g := turns.pop()
		g.ready.filter(
			func(r readyTask[T, G]) bool { return !del(r.t) },
			func(r readyTask[T, G]) {
				q.n--
				if r.k != nil {
					moveOn = append(moveOn, r.k)
				}
			})
		if g.ready.n > 0 {
			q.turns.push(g)
		} else {
			g.inTurns = false
			q.leave(g)
		}
	}
	// Only now: a key moving on may bring a group back into the turns.
	for _, s := range moveOn {
		q.next(s)
	}
	return before - q.n
}

// Drain empties the queue and returns its tasks, ready or waiting for their
// key, to be ranged over once: each group's ready tasks in order, then each
// key's waiting tasks in push order. The sequence shares nothing with q, so
// it may be ranged over without the lock that guards q. The keys with a task
// out stay known, for [Queue.Done].
func (q *Queue[T, G]) Drain() iter.Seq[T] {
	// Everything moves aside as it is, in time that does not grow with the
	// queue: the pool drains under its lock, and settles the tasks outside.
	// Only the keys with a task out, no more of them than workers, are
	// copied: the drained map keeps their waiting tasks.
	turns, keys := q.turns, q.keys
	none, noneReady := &q.none, q.none.ready
	q.n, q.turns, q.groups, q.keys = 0, ring[*group[T, G]]{}, nil, nil
	q.none.ready, q.none.inTurns = ring[readyTask[T, G]]{}, false
	for i, s := range q.out {
		if q.keys == nil {
			q.keys = make(map[any]*key[T, G], len(q.out))
		}
		c := &key[T, G]{id: s.id, out: true, at: i}
		q.out[i], q.keys[s.id] = c, c
	}
	q.keysPeak = len(q.out) // the keys known now
	q.trimSpareKeys()
	return func(yield func(T) bool) {
		for turns.n > 0 {
			g := turns.pop()
			r := &g.ready
			if g == none {
				r = &noneReady // q.none is q's again
			}
			for r.n > 0 {
				if !yield(r.pop().t) {
					return
				}
			}
		}
		for _, s := range keys {
			for s.waiting.n > 0 {
				if !yield(s.waiting.pop().t) {
					return
				}
			}
		}
	}
}
