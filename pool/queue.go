package pool

// ring is the pool's queue: a FIFO of tasks in a circular buffer, guarded by
// the pool's mu. It grows by doubling when full, which happens only up to the
// queue size, and beyond it only while it holds tasks taken out of the queue
// in place, by SubmitContext's AfterFunc or by WaitContext: they are not
// counted as queued, but keep their slot until a worker pops them.
type ring struct {
	buf  []task
	head int // index of the oldest task
	n    int // tasks in buf
}

// init gives the ring room for size tasks, up to a bound: a large QueueSize
// costs memory only once the queue fills.
func (r *ring) init(size int) {
	r.buf = make([]task, min(size, 256))
}

func (r *ring) push(t task) {
	if r.n == len(r.buf) {
		buf := make([]task, max(2*len(r.buf), 8))
		k := copy(buf, r.buf[r.head:])
		copy(buf[k:], r.buf[:r.head])
		r.buf, r.head = buf, 0
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = t
	r.n++
}

func (r *ring) pop() task {
	t := r.buf[r.head]
	r.buf[r.head] = nil // let the collector have a completed task
	if r.head++; r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return t
}
