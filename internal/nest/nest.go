// Package nest carries a pool worker's slot in a context, so that fanout's
// waits (an errgroupx group's, mapx's) can lend the worker of a pool task
// while the task's goroutine waits; and it finds a goroutine's id, which
// tells the goroutine that runs the task from the others its ctx reaches.
package nest

import "context"

// A Lender is what a Slot lends: a pool's worker.
type Lender interface {
	// Lend lends the worker if the calling goroutine runs a task on it, and
	// returns what takes it back, to be called once the wait is over; for any
	// other goroutine it does nothing and returns a function that does nothing.
	Lend() (takeBack func())
}

// A Slot is one worker's right to run a task. Owner is set by its maker.
type Slot struct {
	Owner Lender
}

// Lend lends s's worker: see [Lender].
func (s *Slot) Lend() (takeBack func()) { return s.Owner.Lend() }

type key struct{}

// NewContext returns a copy of ctx that carries s.
func NewContext(ctx context.Context, s *Slot) context.Context {
	return context.WithValue(ctx, key{}, s)
}

// FromContext returns the slot that ctx carries, or nil.
func FromContext(ctx context.Context) *Slot {
	s, _ := ctx.Value(key{}).(*Slot)
	return s
}

// IsKey reports whether k is the key NewContext stores a Slot under: for a
// Context of its own that answers it without a look further.
func IsKey(k any) bool { _, ok := k.(key); return ok }
