package mapx

import (
	"context"
	"sync/atomic"

	"github.com/fanout-go/fanout/errgroupx"
)

// unwinding runs a worker's loop of calls of fn and returns its error. If
// the loop does not return, because fn panicked or called runtime.Goexit,
// unwinding calls unwound first, while the goroutine unwinds: it stops the
// other workers at once, not once the group has taken the stack, and says
// what the worker left undone.
func unwinding(loop func() error, unwound func()) error {
	returned := false
	defer func() {
		if !returned {
			unwound()
		}
	}()
	err := loop()
	returned = true
	return err
}

// A halt is how the workers of Map, Settle or a sequence stop each other,
// and why Settle and SettleSeq left elements uncalled.
type halt struct {
	// stop is set the moment a call fails in a way that ends the run (Map
	// and MapSeq: any error; all: a panic or Goexit), before the group
	// cancels its ctx, time in which the other workers could start dozens of
	// tiny calls; a sequence's close sets it too. No call starts once it is
	// set.
	stop atomic.Bool
	// exitedFirst is set by a worker whose call panicked or called Goexit
	// before the caller's ctx ended: for Settle and SettleSeq, the Goexit is
	// then why the elements left uncalled were.
	exitedFirst atomic.Bool
}

// unwound records, from a worker's unwinding, that its call panicked or
// called Goexit; parent is the caller's ctx.
func (h *halt) unwound(parent context.Context) {
	if parent.Err() == nil {
		h.exitedFirst.Store(true)
	}
	h.stop.Store(true)
}

// cause returns why Settle or SettleSeq calls no more elements: the first of
// a call of Goexit (for them only a panic, re-raised, or a Goexit stops the
// run) and the end of the caller's ctx, parent.
func (h *halt) cause(parent context.Context) error {
	if h.exitedFirst.Load() {
		return errgroupx.ErrGoexit
	}
	if cause := context.Cause(parent); cause != nil {
		return cause
	}
	// Stopped by a sequence's close, whose outcomes no one sees.
	return context.Canceled
}

// settled returns what Settle or SettleSeq records for a call that returned
// err, not nil: err as it is while the run goes on, marked with ErrCutShort
// once it has stopped. The same check as the one before each call, so that
// the calls it marks are at most one per worker.
func (h *halt) settled(parent context.Context, err error) error {
	if h.stop.Load() || parent.Err() != nil {
		return &cutShort{cause: h.cause(parent), err: err}
	}
	return err
}
