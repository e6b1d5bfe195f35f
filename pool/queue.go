package pool

// ring is a FIFO in a circular buffer, guarded by the pool's mu: the queue of
// tasks, and the queue of submitters waiting for room in it. It grows by
// doubling when full. The task queue fills only up to the queue size, and
// beyond it only while it holds tasks taken out in place (by SubmitContext's
// AfterFunc or by WaitContext), which are not counted as queued but keep their
// slot until a worker pops them.
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
