package pool

import (
	"context"
	"fmt"
)

// This file holds the adders of keyed tasks and their checks. The queue
// (queue.go) keeps a key's tasks in order and hands them out one at a time.

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
	f := newFuture(p, nil, fn)
	f.s.key = key
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
	t.s.pool, t.s.key, t.s.toWait = p, key, true
	t.s.settled.Add(1) // settle's Done, though no one waits
	p.submit(t, true)
}

// keyGoTask is a task of GoKey: its state, for the key and for toWait, and
// fn, in one allocation (a Future would need a closure around fn besides).
type keyGoTask struct {
	s  taskState
	fn func(ctx context.Context) error
}

func (t *keyGoTask) call(ctx context.Context) error { return t.fn(ctx) }
func (t *keyGoTask) state() *taskState              { return &t.s }

// checkKey panics, naming fn, if key cannot key a task: nil, or not equal to
// itself (NaN), or of a type that == panics on (a slice, a map, a func, or a
// struct or array that holds one): a map of keys would panic, or lose it.
func checkKey(fn string, key any) {
	switch key.(type) {
	case nil:
		panic("pool: " + fn + " called with nil key")
	case int, int64, int32, uint, uint64, uint32, string:
		return // the usual keys, equal to themselves: no deferred recover
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

// checkKeyWait panics, naming method, if the calling goroutine runs a task
// of p's (at its worker's top level, or below it, lending) with the key of s,
// queued behind it: s could start only once that task returned, which waits
// for s. It looks at the caller's goroutine only while s is queued.
//
// A level's key is written by its goroutine before its task runs and
// cleared after; the levels below the caller's lent their worker under mu
// after writing it, and cannot clear it before the caller returns.
func (p *Pool) checkKeyWait(method string, ss ...*taskState) {
	if !p.anyQueued(ss) {
		return
	}
	w := p.ownWorker() // once for ss, which may be a Group's many tasks
	if w == nil {
		return
	}
	p.mu.Lock()
	var key any
	for _, s := range ss {
		if s.key == nil || !s.queued {
			continue
		}
		if w.level.key == s.key {
			key = s.key
		}
		for i := 0; i < len(w.lends) && i < len(w.helpers); i++ {
			if h := w.helpers[i]; h != nil && h.key == s.key {
				key = s.key
			}
		}
	}
	p.mu.Unlock()
	if key != nil {
		panic(fmt.Sprintf("pool: %s called from a task with key %v for a later task of the same key, "+
			"which cannot start before the caller returns", method, key))
	}
}

// anyQueued reports whether a task of ss with a key is queued.
func (p *Pool) anyQueued(ss []*taskState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range ss {
		if s.key != nil && s.queued {
			return true
		}
	}
	return false
}
