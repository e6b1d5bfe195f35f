// Package nest keeps the worker bound of a pool exact when its tasks wait
// for work of their own pool.
//
// Each worker of a pool owns one Slot: the right to run a task of the pool.
// The goroutine that runs a task holds its worker's slot. When that goroutine
// blocks in one of fanout's waits (a Future's WaitContext, a mapx call, the
// Wait of an errgroupx group made from the task's ctx), it lends the slot for
// as long as it waits: one other goroutine that carries the slot in its ctx
// (the task's own goroutines, mapx's workers, an errgroupx group's) may
// borrow it to run one task inline, then gives it back. So a worker runs at
// most one task function at a time that is not blocked in such a wait,
// however many goroutines the task hands its ctx to.
package nest

import (
	"context"
	"sync"
)

// A Slot is one worker's right to run a task. At any moment it is held by
// one goroutine, the one that runs on it, or it is free, lent by a goroutine
// that waits.
//
// Lends nest: a goroutine that borrowed the slot may lend it in turn while
// it waits. They are kept as a stack, and the slot goes back to the
// innermost lender first: an outer lender's wait can depend on the inner
// one's work, never the other way round.
//
// A Slot is made by New, held by no one until a goroutine calls Hold. Its
// fields but Owner are guarded by mu.
type Slot struct {
	// Owner is the worker the slot belongs to, set by New: whoever finds the
	// slot in a ctx learns from it whose worker it may run on.
	Owner any

	mu sync.Mutex
	// holder is the goroutine that runs on the slot, or 0: while the slot
	// is free under the innermost lend, or before anyone holds it.
	holder uint64
	// lends are the lends in force, innermost last. Each lender is blocked in
	// a wait, or waiting to take the slot back.
	lends []*lend
	// freed is closed when the slot next comes free to borrow, for the
	// goroutines that wait to borrow it; nil until one asks.
	freed chan struct{}
}

type lend struct {
	g uint64 // the lender
	// back is made when the lender's wait is over but the slot is not free
	// at its lend: closed when the slot is handed back to it.
	back chan struct{}
}

// New returns a Slot of owner's, held by no one.
func New(owner any) *Slot {
	return &Slot{Owner: owner}
}

// Hold makes the calling goroutine the holder of s, which must be held by no
// one, or by a goroutine that is gone (a worker replaced after
// runtime.Goexit), and not lent. It costs what finding the goroutine's id
// does, about 2 µs.
func (s *Slot) Hold() {
	g := goid()
	s.mu.Lock()
	s.holder = g
	s.mu.Unlock()
}

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

// Lend lends s, if the calling goroutine holds it, and returns the function
// that takes it back: the caller must call it once its wait is over, before
// it goes on running. Taking the slot back blocks while a goroutine that
// borrowed it still runs on it. If the caller does not hold s, Lend does
// nothing and returns a function that does nothing.
func (s *Slot) Lend() (takeBack func()) {
	s.mu.Lock()
	held := s.holder != 0
	s.mu.Unlock()
	if !held {
		return nop // free: the caller cannot be its holder
	}
	g := goid()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holder != g {
		return nop
	}
	l := &lend{g: g}
	s.lends = append(s.lends, l)
	s.holder = 0
	s.freedLocked()
	return func() { s.takeBack(l) }
}

// Holds reports whether the calling goroutine holds s.
func (s *Slot) Holds() bool {
	s.mu.Lock()
	held := s.holder != 0
	s.mu.Unlock()
	if !held {
		return false
	}
	g := goid()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holder == g
}

// takeBack ends the lend l, taking the slot back for its lender once the
// slot is free at l.
func (s *Slot) takeBack(l *lend) {
	s.mu.Lock()
	if s.holder == 0 && s.top() == l {
		s.handBackLocked()
		s.mu.Unlock()
		return
	}
	l.back = make(chan struct{})
	s.mu.Unlock()
	<-l.back
}

// TryBorrow takes the slot for the calling goroutine, to run one task on it,
// and reports whether it could: the slot must be free, and its innermost
// lender not waiting to take it back. A goroutine that borrowed the slot gives
// it back with Return.
func (s *Slot) TryBorrow() bool {
	if !s.Free() {
		return false
	}
	g := goid()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.freeLocked() {
		return false
	}
	s.holder = g
	return true
}

// Return gives back the slot that the calling goroutine borrowed.
func (s *Slot) Return() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holder = 0
	if l := s.top(); l != nil && l.back != nil {
		s.handBackLocked()
		return
	}
	s.freedLocked()
}

// Free reports whether s is free to borrow now.
func (s *Slot) Free() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.freeLocked()
}

// Freed returns a channel that is closed when s is free to borrow: at once
// if it is now, or the next time it comes free. The slot may be taken again
// before the receiver gets to it: try TryBorrow, and ask again if it fails.
func (s *Slot) Freed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.freeLocked() {
		return closed
	}
	if s.freed == nil {
		s.freed = make(chan struct{})
	}
	return s.freed
}

func nop() {}

var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func (s *Slot) top() *lend {
	if len(s.lends) == 0 {
		return nil
	}
	return s.lends[len(s.lends)-1]
}

func (s *Slot) freeLocked() bool {
	l := s.top()
	return s.holder == 0 && l != nil && l.back == nil
}

// handBackLocked gives the free slot back to its innermost lender.
func (s *Slot) handBackLocked() {
	l := s.top()
	s.lends[len(s.lends)-1] = nil
	s.lends = s.lends[:len(s.lends)-1]
	s.holder = l.g
	if l.back != nil {
		close(l.back)
	}
}

// freedLocked tells the goroutines waiting to borrow s that it is free.
func (s *Slot) freedLocked() {
	if s.freed != nil {
		close(s.freed)
		s.freed = nil
	}
}
