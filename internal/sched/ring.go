package sched

// ring is a FIFO in a circular buffer that grows by doubling when full: the
// pool's queue before groups and keys, and still the store of each group's
// ready tasks, each key's waiting tasks and the turns.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest element
	n    int // elements in buf
}

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		buf := make([]T, max(2*len(r.buf), 8))
		k := copy(buf, r.buf[r.head:])
		copy(buf[k:], r.buf[:r.head])
		r.buf, r.head = buf, 0
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

// pop takes the oldest element off; the ring must not be empty.
func (r *ring[T]) pop() T {
	v := r.buf[r.head]
	var zero T
	r.buf[r.head] = zero // let the collector have what was popped
	if r.head++; r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return v
}

// front returns the oldest element, which stays; the ring must not be empty.
func (r *ring[T]) front() T { return r.buf[r.head] }

// filter keeps, in order, the elements for which keep reports true, in a
// buffer sized to them, and calls drop with each of the others.
func (r *ring[T]) filter(keep func(T) bool, drop func(T)) {
	kept := make([]T, 0, r.n)
	for r.n > 0 {
		if v := r.pop(); keep(v) {
			kept = append(kept, v)
		} else if drop != nil {
			drop(v)
		}
	}
	if len(kept) == 0 {
		*r = ring[T]{}
		return
	}
	r.buf, r.head, r.n = kept, 0, len(kept)
}
