package errgroupx

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrGoexit is the error that Wait returns for a function that called
// [runtime.Goexit] instead of returning. Test it with [errors.Is].
var ErrGoexit = errors.New("errgroupx: task called runtime.Goexit")

// PanicError is a panic recovered from a task, with the stack of the goroutine
// that panicked, taken where it panicked. Wait panics with a *PanicError, and
// mapx and pool report one as an error or re-raise it.
//
// A PanicError is not modified after it is created, so it is safe to share
// between goroutines.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the stack of the goroutine that panicked, taken where it panicked
}

// Error returns "panic: " followed by fmt.Sprint(Value) and, after a blank
// line, the stack where the panic happened, so that a crash that re-raises it
// still shows where it began.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\ngoroutine stack at the panic:\n%s", e.Value, e.Stack)
}

// Unwrap returns Value when Value is an error, and nil otherwise, so that
// [errors.Is] and [errors.As] see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Recover runs f and returns its error. A panic in f is recovered and returned
// as a [*PanicError] carrying the stack where it happened. A call of
// [runtime.Goexit] in f cannot be stopped: the goroutine ends without Recover
// returning. onGoexit, if not nil, is called with [ErrGoexit] just before it
// does, so that the caller can report the task and replace the goroutine.
//
// Recover is for code that runs tasks on goroutines of its own, such as a
// worker pool, and needs the same treatment of panics and Goexit as a Group.
func Recover(f func() error, onGoexit func(error)) (err error) {
	normal, recovered := false, false
	defer func() {
		if normal || recovered {
			return
		}
		// Neither a return nor a panic: f called runtime.Goexit, which goes
		// on ending this goroutine after the deferred calls.
		err = ErrGoexit
		if onGoexit != nil {
			onGoexit(err)
		}
	}()
	func() {
		defer func() {
			if !normal {
				// A panic, or Goexit, which recover does not stop. debug.Stack
				// runs on the panicking goroutine before its frames unwind, so
				// the stack shows where the panic happened.
				err = &PanicError{Value: recover(), Stack: debug.Stack()}
			}
		}()
		err = f()
		normal = true
	}()
	// Reached after a return or a recovered panic, never after Goexit. Testing
	// recover's value for nil would not tell them apart: with
	// GODEBUG=panicnil=1, panic(nil) is recovered as nil.
	recovered = !normal
	return err
}
