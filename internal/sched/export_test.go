package sched

// Held says what q holds on to, for the tests of its memory: the groups in
// turns, the groups in its map (all but the zero G's), the keys it knows and
// those with a task out.
func (q *Queue[T, G]) Held() (turns, groups, keys, out int) {
	return q.turns.n, len(q.groups), len(q.keys), len(q.out)
}
