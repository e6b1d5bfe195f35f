package sched_test

import (
	"math/rand/v2"
	"testing"
)

// FuzzQueue plays a random sequence of pushes (in 4 groups, the zero one
// among them, with one of 8 keys or none), pops, Dones, DeleteFuncs and
// Drains on a Queue and on a model of it made of slices, and checks after
// every step: the task popped (exactly the model's), each key's order, that
// no key has two tasks out, the turns promise as written, Len, and what the
// queue holds on to.
func FuzzQueue(f *testing.F) {
	f.Add([]byte{0, 8, 16, 2, 10, 42, 4, 4, 4, 6, 4, 5, 6})
	f.Add([]byte{2, 2, 2, 34, 34, 4, 4, 6, 4, 14, 4, 6, 6, 7, 31, 5})
	f.Add([]byte{0, 9, 17, 25, 1, 9, 4, 4, 4, 4, 4, 4, 4, 7})
	f.Add([]byte{2, 10, 18, 26, 4, 4, 4, 4, 7, 6, 6, 6, 6, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		// Longer inputs, which the mutator makes up to a megabyte, take the
		// worker seconds each and find nothing that 4,096 steps do not: the
		// queue has no threshold past 64 (its spares).
		ops = ops[:min(len(ops), 4096)]
		c := newChecker(t)
		for _, b := range ops {
			c.step(b)
		}
		c.finish()
	})
}

// TestQueueRandom runs the fuzz checker over many seeded random sequences,
// so that plain go test covers long interleavings too.
func TestQueueRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for range 300 {
		ops := make([]byte, r.IntN(600))
		for i := range ops {
			// Fewer drains than a uniform byte gives, so that queues grow.
			if ops[i] = byte(r.IntN(256)); ops[i]%8 == 7 && r.IntN(4) > 0 {
				ops[i] = 4
			}
		}
		c := newChecker(t)
		for _, b := range ops {
			c.step(b)
		}
		c.finish()
	}
}
