package sched

import "slices"

// A key is the state of one key: its first task, ready (in its group's FIFO)
// or out, and the tasks waiting behind that one. It exists from the push of
// the key's first task until Done finds nothing waiting.
type key[T any, G comparable] struct {
	id any
	// out is set by Pop when the first task comes out, cleared by Done.
	out bool
	at  int // index in the Queue's out while out
	// waiting are the key's later tasks, in push order, each with the group
	// it joins when it gets ready.
	waiting ring[waitingTask[T, G]]
}

type waitingTask[T any, G comparable] struct {
	t T
	g G
}

// PushKey queues t in group g with key k: ready at once if no task of k is
// queued or out, else waiting behind them until [Queue.Done] moves k on.
// PushKey panics if k is nil, and, as a map does, if k is not comparable.
func (q *Queue[T, G]) PushKey(t T, g G, k any) {
	if k == nil {
		panic("sched: PushKey with a nil key")
	}
	s := q.keys[k]
	switch {
	case s != nil:
		s.waiting.push(waitingTask[T, G]{t, g})
	default:
		if q.keys == nil {
			q.keys = make(map[any]*key[T, G])
		}
		s = reuse(&q.spareKeys)
		s.id = k
		q.keys[k] = s
		q.keysPeak = max(q.keysPeak, len(q.keys))
		q.ready(t, g, s)
	}
	q.n++
}

// Done reports that the task of key k that [Queue.Pop] returned is over (it
// ran, failed or was skipped): k's next task gets ready, at the back of its
// group, or if none is queued k is forgotten. Done panics if k has no task
// out.
func (q *Queue[T, G]) Done(k any) {
	s := q.keys[k]
	if s == nil || !s.out {
		panic("sched: Done with a key that has no task out")
	}
	s.out = false
	last := q.out[len(q.out)-1]
	q.out[s.at], last.at = last, s.at
	q.out[len(q.out)-1] = nil
	q.out = q.out[:len(q.out)-1]
	q.next(s)
}

// takeOut marks s's first task, just popped, out.
func (q *Queue[T, G]) takeOut(s *key[T, G]) {
	s.out, s.at = true, len(q.out)
	q.out = append(q.out, s)
}

// next makes s's next waiting task ready, or forgets s if none waits. s's
// first task is neither ready nor out any more.
func (q *Queue[T, G]) next(s *key[T, G]) {
	if s.waiting.n == 0 {
		delete(q.keys, s.id)
		s.id = nil
		keep(&q.spareKeys, s, len(s.waiting.buf), max(spares, q.keysPeak-len(q.keys)))
		if len(q.keys) == 0 {
			q.keysPeak = 0
			q.trimSpareKeys()
		}
		return
	}
	w := s.waiting.pop()
	q.ready(w.t, w.g, s)
}

// Has reports whether key k has a task queued or out: whether a task pushed
// with k now would wait for it. Has panics, as a map does, if k is not
// comparable.
func (q *Queue[T, G]) Has(k any) bool {
	_, ok := q.keys[k]
	return ok
}

// Held says what q holds on to, for the tests of its memory: the groups in
// turns, the groups in its map (all but the zero G's), the keys it knows and
// those with a task out.
func (q *Queue[T, G]) Held() (turns, groups, keys, out int) {
	turns = q.turns.n
	if q.none.inTurns && q.none.ready.n == 0 {
		turns-- // idles there, holding nothing
	}
	return turns, len(q.groups), len(q.keys), len(q.out)
}

// trimSpareKeys gives back the spare keys beyond spares or keysPeak,
// whichever is more: keysPeak is 0 once no key is known.
func (q *Queue[T, G]) trimSpareKeys() {
	if n := max(spares, q.keysPeak); len(q.spareKeys) > n {
		q.spareKeys = slices.Clone(q.spareKeys[:n])
	}
}
