package sched_test

import (
	"fmt"
	"slices"

	"github.com/fanout-go/fanout/internal/sched"
)

// Groups take turns: the small group's tasks do not wait for the big one's.
func ExampleQueue_Pop() {
	var q sched.Queue[string, string]
	for _, t := range []string{"big1", "big2", "big3", "big4"} {
		q.Push(t, "big")
	}
	q.Push("small1", "small")
	q.Push("small2", "small")
	for {
		t, _, ok := q.Pop()
		if !ok {
			break
		}
		fmt.Print(t, " ")
	}
	fmt.Println()
	// Output: big1 small1 big2 small2 big3 big4
}

// A key's tasks come out one at a time: the next waits for Done.
func ExampleQueue_PushKey() {
	var q sched.Queue[string, string]
	q.PushKey("deposit", "", "account-1")
	q.PushKey("withdraw", "", "account-1")
	q.PushKey("open", "", "account-2")
	t1, k1, _ := q.Pop()
	t2, _, _ := q.Pop()
	_, _, ok := q.Pop()
	fmt.Println(t1, t2, ok, q.Len())
	q.Done(k1)
	t3, _, _ := q.Pop()
	fmt.Println(t3)
	// Output:
	// deposit open false 1
	// withdraw
}

// Done moves the key on to its next task.
func ExampleQueue_Done() {
	var q sched.Queue[int, string]
	for i := range 3 {
		q.PushKey(i, "", "k")
	}
	for {
		t, k, ok := q.Pop()
		if !ok {
			break
		}
		fmt.Print(t, " ")
		q.Done(k) // the task ran, failed or was skipped
	}
	fmt.Println()
	// Output: 0 1 2
}

func ExampleQueue_Push() {
	var q sched.Queue[string, *struct{}]
	q.Push("a", nil) // no group: the group of the tasks without one
	q.Push("b", nil)
	a, _, _ := q.Pop()
	b, _, _ := q.Pop()
	fmt.Println(a, b, q.Len())
	// Output: a b 0
}

func ExampleQueue_Len() {
	var q sched.Queue[string, string]
	q.PushKey("first", "", "k")
	q.PushKey("second", "", "k") // waits for its key, but is queued
	fmt.Println(q.Len())
	// Output: 2
}

// DeleteFunc takes dead tasks out; their keys move on.
func ExampleQueue_DeleteFunc() {
	var q sched.Queue[string, string]
	q.PushKey("dead", "", "k")
	q.PushKey("alive", "", "k")
	n := q.DeleteFunc(func(t string) bool { return t == "dead" })
	t, _, _ := q.Pop()
	fmt.Println(n, t)
	// Output: 1 alive
}

// Drain hands back every queued task, ready or waiting for its key.
func ExampleQueue_Drain() {
	var q sched.Queue[string, string]
	q.Push("a", "")
	q.PushKey("b", "g", "k")
	q.PushKey("c", "g", "k")
	all := slices.Sorted(q.Drain())
	fmt.Println(all, q.Len())
	// Output: [a b c] 0
}
