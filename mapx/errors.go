package mapx

import "strconv"

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
