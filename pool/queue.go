package pool

// ring is a FIFO in a circular buffer, guarded by the pool's mu: the queue of
// tasks, and the queue of submitters waiting for room in it. It grows by
// doubling when full. Both may also hold dead elements, left in place because
// taking them out of the middle would cost time in the length of the ring:
// tasks taken out of the queue (by SubmitContext's AfterFunc or by
// WaitContext) and submitters that gave up. They are passed over when popped,
// and filtered out when one more dies and they outnumber the live ones (and
// deadSlack), so that they cannot pile up.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest element
	n    int // elements in buf
}

// init gives the ring room for size elements, up to a bound: a large
// QueueSize costs memory only once the queue fills.
func (r *ring[T]) init(size int) {
	r.buf = make([]T, min(size, 256))
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

// filter keeps, in order, the elements for which keep reports true, in a
// buffer sized to them: it shrinks a ring that is mostly dead.
func (r *ring[T]) filter(keep func(T) bool) {
	kept := make([]T, 0, max(r.n/2, 8))
	for r.n > 0 {
		if v := r.pop(); keep(v) {
			kept = append(kept, v)
		}
	}
	r.buf, r.head, r.n = kept[:cap(kept)], 0, len(kept)
}

// deadSlack is how many dead elements a ring may hold before more dead than
// live ones get it filtered.
const deadSlack = 64

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
