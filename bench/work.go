package bench

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// spinRounds makes [spin] take about a microsecond: measured at 2.1 ns a
// round on the 2-core Xeon that RESULTS.md names.
const spinRounds = 480

// errBoom is what the first-error workload's fn returns at [failAt].
var errBoom = errors.New("bench: boom")

// failAt is the item at which the first-error workload's fn fails.
const failAt = 1000

// double is the tiny work: one multiplication, so that a contender's own cost
// per item is all that is measured.
func double(v int) int { return v * 2 }

// spin is about a microsecond of integer arithmetic (xorshift rounds). Each
// round depends on the one before and the result on v, so the compiler can
// neither fold nor drop it.
func spin(v int) int {
	x := uint64(v)*0x9E3779B97F4A7C15 | 1
	for range spinRounds {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return int(x)
}

// nap stands for a call that waits on I/O: it sleeps a millisecond, then
// returns [napResult] of v.
func nap(v int) int {
	time.Sleep(time.Millisecond)
	return napResult(v)
}

// napResult is what [nap] returns, without the sleep: the expected output is
// computed with it so that preparing the I/O map doesn't sleep 2,000 times.
func napResult(v int) int { return v + 1 }

// iota returns 0, 1, ..., n-1.
func iota(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// apply returns fn of every element of in, computed sequentially: the answer
// every contender's output is checked against.
func apply(in []int, fn func(int) int) []int {
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = fn(v)
	}
	return out
}

// sameInOrder reports how got differs from want, or nil if they are equal.
func sameInOrder(want, got []int) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("result %d is %d, want %d", i, got[i], want[i])
		}
	}
	return nil
}

// sameInAnyOrder is [sameInOrder] for results that may come in any order.
func sameInAnyOrder(want, got []int) error {
	got = slices.Clone(got)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	return sameInOrder(want, got)
}
