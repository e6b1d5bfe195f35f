package sched

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
