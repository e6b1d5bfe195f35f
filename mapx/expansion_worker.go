package mapx

import (
	"sync"
	"sync/atomic"
)

// A worker is one goroutine of an expansion: it runs the items of its own
// queue, newest first, and steals from the other workers when it has none.
//
// Its queue is queue[head:], oldest first. The worker pushes and pops at the
// end, under mu, once a call: the items its call added go on top, in reverse,
// so that the first added runs first. A thief takes the oldest half from
// head, under e.mu and mu: the items nearest the root, whose subtrees are the
// largest, so that it seldom has to steal again. The thief writes its own
// queue, empty until then, under e.mu alone: only a thief, holding e.mu, or
// the worker itself could touch it.
//
// The items a call adds go to added, the worker's alone, and reach queue
// when the call returns: one lock a call, not one an item. While spread is
// set they are queued at once instead, and a worker woken for them if hungry
// is set, so that a slow call does not hold back what it found.
type worker[T any] struct {
	e    *expansion[T]
	pos  int           // in e.workers; guarded by e.mu
	wake chan struct{} // a parked worker waits on it; one send per parking

	// Written by the worker once a call or more.
	mu    sync.Mutex
	queue []T // guarded by mu; see above
	head  int // guarded by mu
	added []T // the items the running call added and not yet queued
	// calls counts the calls of fn that returned; the Adder handed to a call
	// checks that it is still the current one. Atomic because a misused
	// Adder may be called from another goroutine.
	calls atomic.Uint64

	// Keeps the fields above off the cache line of the next worker's: two
	// workers allocated one after the other shared one, and each call's
	// writes took it from the other core. BenchmarkExpandTree: 51 ns an
	// item without this padding, 23 with it, on 2 cores.
	_ [64]byte
}

// run is the worker's goroutine.
func (w *worker[T]) run() error {
	defer w.e.quit()
	err := unwinding(w.loop, func() { w.e.failed.Store(true) })
	if err != nil && w.e.parent.Err() != nil {
		// ctx ended first: fn most likely only reports that.
		return w.e.parent.Err()
	}
	return err
}

// loop runs items until none is left or a call fails.
func (w *worker[T]) loop() error {
	e := w.e
	for {
		v, ok := w.next()
		if !ok {
			return nil
		}
		// Checked before every call: once a call failed or ctx ended, no new
		// call may start. Each check is one atomic load. The caller's ctx,
		// not the group's, which ends a moment after it; every failure of
		// the group sets failed.
		if e.failed.Load() {
			return nil
		}
		if e.parent.Err() != nil {
			e.stopped.Store(true)
			return nil
		}
		if err := w.call(v); err != nil {
			e.failed.Store(true)
			return err
		}
	}
}

// call calls fn on v with an Adder that is valid until fn returns.
func (w *worker[T]) call(v T) error {
	call := w.calls.Load()
	returned := false
	defer func() {
		if !returned {
			// A panic or Goexit in fn: the first deferred call of mapx's it
			// reaches, so that no new call starts from then on.
			w.e.failed.Store(true)
		}
		// Also on a panic or Goexit: a kept Adder must not add to a later call.
		w.calls.Store(call + 1)
	}()
	err := w.e.fn(w.e.ctx, v, Adder[T]{w, call})
	returned = true
	return err
}

// add queues v for the running call; see Adder.Add.
func (w *worker[T]) add(v T) {
	w.added = append(w.added, v)
	if w.e.spread.Load() {
		w.mu.Lock()
		w.push()
		w.mu.Unlock()
		if w.e.hungry.Load() {
			w.e.wake()
		}
	}
}

// next queues what the last call added and returns the next item, from the
// worker's own queue or, when that is empty, from another's. It reports
// false once the expansion is over.
func (w *worker[T]) next() (T, bool) {
	w.mu.Lock()
	w.push()
	v, ok := w.pop()
	spare := w.head < len(w.queue)
	w.mu.Unlock()
	if !ok {
		return w.e.take(w)
	}
	if spare && w.e.hungry.Load() {
		w.e.wake()
	}
	return v, true
}

// push moves the items of added onto the queue, the first added on top; mu
// must be held.
func (w *worker[T]) push() {
	if len(w.added) == 0 {
		return
	}
	if w.head > 0 && len(w.queue)+len(w.added) > cap(w.queue) {
		// Thieves took from the front: reuse that room before growing.
		n := copy(w.queue, w.queue[w.head:])
		clear(w.queue[n:])
		w.queue, w.head = w.queue[:n], 0
	}
	for i := len(w.added) - 1; i >= 0; i-- {
		w.queue = append(w.queue, w.added[i])
	}
	clear(w.added) // the queue holds them now
	w.added = w.added[:0]
}

// pop takes the newest item; mu must be held, or e.mu by w itself stealing.
func (w *worker[T]) pop() (v T, ok bool) {
	n := len(w.queue)
	if n == w.head {
		w.queue, w.head = w.queue[:0], 0
		return v, false
	}
	v = w.queue[n-1]
	var zero T
	w.queue[n-1] = zero // let it be collected once it has run
	w.queue = w.queue[:n-1]
	return v, true
}

// giveHalf moves the oldest half of w's queue, rounded up, to the empty
// queue of thief. It reports whether it moved any, and whether w has some
// left. e.mu must be held.
func (w *worker[T]) giveHalf(thief *worker[T]) (left, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.queue) - w.head
	if n == 0 {
		return false, false
	}
	k := (n + 1) / 2
	thief.queue = append(thief.queue[:0], w.queue[w.head:w.head+k]...)
	thief.head = 0
	clear(w.queue[w.head : w.head+k])
	w.head += k
	return n > k, true
}

// queued reports whether w's queue holds items.
func (w *worker[T]) queued() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.head < len(w.queue)
}
