package mapx

import (
	"errors"
	"strconv"
)

// An ItemError is the error of the call of fn for one element: [Map],
// [ForEach] and [MapSeq], which stop at the first failed call, return it, so
// that the caller knows which element failed. [errors.Is] and [errors.As]
// reach the call's own error through it.
//
// An error that belongs to no element, such as the caller's ctx ending first,
// is returned as it is, never as an ItemError. [Expand] returns fn's error as
// it is too: its items have no index that the caller knows.
type ItemError struct {
	Index int   // the element's position in the input, counted from 0
	Err   error // what the call returned
}

// Error returns "item ", the index, ": " and the call's error.
func (e *ItemError) Error() string {
	return "item " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

// Unwrap returns the call's error.
func (e *ItemError) Unwrap() error { return e.Err }

// ErrCutShort marks an outcome of [Settle] or [SettleSeq] that the end of
// ctx decided, not fn: errors.Is(err, ErrCutShort) is true for an element
// left uncalled, for a call whose error came back once ctx had ended, and for
// SettleSeq's outcome of Index -1, and for nothing else. An error that came
// back while ctx was live is fn's, as it is. [errors.Is] reaches through
// a marked error [context.Cause](ctx) and, for a call, fn's own error. A
// [runtime.Goexit] in fn ends the run as ctx's end would: its element has
// [errgroupx.ErrGoexit], unmarked, and the outcomes it cut short are marked,
// with ErrGoexit in place of the cause.
var ErrCutShort = errors.New("mapx: cut short")

// cutShort is an error marked with ErrCutShort: an element's, left uncalled
// (one value shared by every such element of a run, so that they cost no
// allocation each) or called and failed after the run stopped, or the end
// of SettleSeq's sequence.
type cutShort struct {
	cause error // context.Cause of the caller's ctx, or ErrGoexit
	err   error // fn's error, or nil for an element left uncalled
}

// uncalledErr returns the error of the elements left uncalled for cause.
func uncalledErr(cause error) error { return &cutShort{cause: cause} }

func (e *cutShort) Error() string {
	if e.err == nil || errors.Is(e.err, e.cause) {
		// Left uncalled, or fn's error says why already.
		return "mapx: cut short: " + e.causeText()
	}
	return "mapx: cut short (" + e.cause.Error() + "): " + e.err.Error()
}

// causeText returns fn's error's text, or the cause's for an element left
// uncalled.
func (e *cutShort) causeText() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.cause.Error()
}

// Is reports whether target is ErrCutShort.
func (e *cutShort) Is(target error) bool { return target == ErrCutShort }

// Unwrap returns the cause and fn's error.
func (e *cutShort) Unwrap() []error {
	if e.err == nil {
		return []error{e.cause}
	}
	return []error{e.err, e.cause}
}
