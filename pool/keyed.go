package pool

import (
	"context"
	"fmt"
)

// This file holds the adders of keyed tasks and their checks; the queue
// orders a key's tasks.

// SubmitKey is [Submit] for a task with a key: the tasks added with the
// same key (== on the keys) run one at a time, in the order added; tasks of
// other keys run beside them, up to the pool's bound. A task waiting for its
// key holds no worker but counts in the queue; a key costs no memory once
// none of its tasks is queued or running.
//
// A task that fails (an error, a panic, Goexit, or a ctx that ended before it
// started) does not stop its key's later tasks: the key orders, it does not
// chain; a caller that needs the chain checks the Future before it adds.
// A task that waits for a later task of its own key would wait forever:
// Future.Wait, WaitContext and Group.Wait panic then. SubmitKey allocates the Future
// alone. It panics if key is nil, not comparable or NaN, or if fn is nil.
func SubmitKey[R any](p *Pool, key any, fn func(ctx context.Context) (R, error)) *Future[R] {
	checkKey("SubmitKey", key)
	if fn == nil {
		panic("pool: SubmitKey called with nil func")
	}
	f := newCallerFuture(p, nil, fn)
	f.s.caller.key = key
	p.submit(f, true)
	return f
}

// GoKey is [Pool.Go] for a task with a key, ordered as [SubmitKey] orders
// it: fn's error, or its panic, goes to the next [Pool.Wait] or Close, and
// does not stop the key's later tasks. GoKey allocates one task besides fn.
// It panics if key is nil, not comparable or NaN, or if fn is nil.
func (p *Pool) GoKey(key any, fn func(ctx context.Context) error) {
	checkKey("Pool.GoKey", key)
	if fn == nil {
		panic("pool: Pool.GoKey called with nil func")
	}
	t := &keyGoTask{fn: fn}
	t.s.pool, t.s.caller, t.s.toWait = p, &t.c, true
	t.c.key = key
	p.submit(t, true)
}

// keyGoTask is a task of GoKey: a state, its key and fn in one allocation,
// where a Future would need a closure too.
type keyGoTask struct {
	s  taskState
	c  caller
	fn func(ctx context.Context) error
}

func (t *keyGoTask) call(ctx context.Context) error { return t.fn(ctx) }
func (t *keyGoTask) state() *taskState              { return &t.s }

// checkKey panics, naming fn, if key cannot key a map: nil, not equal to
// itself (NaN), or of a type that == panics on.
func checkKey(fn string, key any) {
	switch key.(type) {
	case nil:
		panic("pool: " + fn + " called with nil key")
	case int, int64, int32, uint, uint64, uint32, string:
		return // the usual keys: no deferred recover
	}
	switch eq, ok := equalsItself(key); {
	case !ok:
		panic(fmt.Sprintf("pool: %s called with a key of uncomparable type %T", fn, key))
	case !eq:
		panic(fmt.Sprintf("pool: %s called with a key not equal to itself (NaN): %v", fn, key))
	}
}

// equalsItself reports whether key == key, and ok false if == panics.
func equalsItself(key any) (eq, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return key == key, true
}

// checkKeyWait panics, naming method, if the caller runs a task of p's (at
// any level) with the key of a task of ss queued behind it, which could
// start only once the waiting task returned. It looks who the caller is only
// while one is queued. The levels' keys, written before their tasks lent
// under mu, are stable until the caller returns.
func (p *Pool) checkKeyWait(method string, ss ...*taskState) {
	if !p.anyQueued(ss) {
		return
	}
	w := p.ownWorker() // once for a Group's many tasks
	if w == nil {
		return
	}
	p.mu.Lock()
	var key any
	for _, s := range ss {
		k := s.keyOf()
		if k == nil || !s.queued {
			continue
		}
		if w.level.key == k {
			key = k
		}
		for i := 0; i < len(w.lends) && i < len(w.helpers); i++ {
			if h := w.helpers[i]; h != nil && h.key == k {
				key = k
			}
		}
	}
	p.mu.Unlock()
	if key != nil {
		panic(fmt.Sprintf("pool: %s called from a task with key %v for a later task of the same key, "+
			"which cannot start before the caller returns", method, key))
	}
}

// anyQueued reports whether a keyed task of ss is queued.
func (p *Pool) anyQueued(ss []*taskState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range ss {
		if s.keyOf() != nil && s.queued {
			return true
		}
	}
	return false
}
