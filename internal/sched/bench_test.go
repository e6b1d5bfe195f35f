package sched

import (
	"fmt"
	"testing"
)

// The pool's task: an interface whose Go task is a bare func, so that a
// task goes in and out of the queue without an allocation.
type task interface{ call() }

type goTask func()

func (f goTask) call() { f() }

// group is a pool's Group, as the queue sees it: a pointer.
type group1 struct{ _ int }

var sink task

// backlog is how many tasks stand in the queue while a benchmark pushes
// and pops: the steady state of a pool whose workers are all busy.
const backlog = 1024

// BenchmarkPushPop pushes and pops one task an op, with backlog tasks
// queued: the ring that is the pool's queue today against the Queue with
// the tasks of one group without keys (Submit and Go), 100 groups, and
// 1,000 keys (with Done called at once after each Pop).
func BenchmarkPushPop(b *testing.B) {
	var t task = goTask(func() {})
	b.Run("impl=ring", func(b *testing.B) {
		var r ring[task]
		for range backlog {
			r.push(t)
		}
		b.ReportAllocs()
		for b.Loop() {
			r.push(t)
			sink = r.pop()
		}
	})
	b.Run("impl=one-group", func(b *testing.B) {
		var q Queue[task, *group1]
		for range backlog {
			q.Push(t, nil)
		}
		b.ReportAllocs()
		for b.Loop() {
			q.Push(t, nil)
			sink, _, _ = q.Pop()
		}
	})
	b.Run("impl=100-groups", func(b *testing.B) {
		var q Queue[task, *group1]
		groups := make([]*group1, 100)
		for i := range groups {
			groups[i] = new(group1)
		}
		for i := range backlog {
			q.Push(t, groups[i%len(groups)])
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q.Push(t, groups[i%len(groups)])
			sink, _, _ = q.Pop()
			i++
		}
	})
	b.Run("impl=1000-keys", func(b *testing.B) {
		var q Queue[task, *group1]
		keys := make([]any, 1000)
		for i := range keys {
			keys[i] = fmt.Sprint("account-", i) // strings, as event keys often are
		}
		for i := range backlog {
			q.PushKey(t, nil, keys[i%len(keys)])
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q.PushKey(t, nil, keys[i%len(keys)])
			var k any
			sink, k, _ = q.Pop()
			q.Done(k)
			i++
		}
	})
}

// BenchmarkChurn pushes and pops one task an op on an empty queue: a pool
// whose workers keep up. A group then joins and leaves the turns, and a key
// is known and forgotten, at every op.
func BenchmarkChurn(b *testing.B) {
	var t task = goTask(func() {})
	b.Run("impl=ring", func(b *testing.B) {
		var r ring[task]
		b.ReportAllocs()
		for b.Loop() {
			r.push(t)
			sink = r.pop()
		}
	})
	b.Run("impl=one-group", func(b *testing.B) {
		var q Queue[task, *group1]
		b.ReportAllocs()
		for b.Loop() {
			q.Push(t, nil)
			sink, _, _ = q.Pop()
		}
	})
	b.Run("impl=group", func(b *testing.B) {
		var q Queue[task, *group1]
		g := new(group1)
		b.ReportAllocs()
		for b.Loop() {
			q.Push(t, g)
			sink, _, _ = q.Pop()
		}
	})
	b.Run("impl=key", func(b *testing.B) {
		var q Queue[task, *group1]
		var k any = "account-1"
		b.ReportAllocs()
		for b.Loop() {
			q.PushKey(t, nil, k)
			sink, _, _ = q.Pop()
			q.Done(k)
		}
	})
}
