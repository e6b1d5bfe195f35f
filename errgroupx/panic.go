package errgroupx

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
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
// between goroutines. A panic that crosses nested groups, Maps or pool tasks
// arrives as the innermost one's PanicError, unwrapped, with its stack.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the stack of the goroutine that panicked, taken where it panicked
}

// Error returns fmt.Sprint(Value), the word "[recovered]" and, after a blank
// line, the stack where the panic happened. A re-raised PanicError that
// nobody recovers crashes the program with "panic: " and this text, so the
// crash reads as Go's own: the value once, then the stack where it began.
func (e *PanicError) Error() string {
	return fmt.Sprintf("%v [recovered]\n\n%s", e.Value, bytes.TrimSuffix(e.Stack, []byte("\n")))
}

// Unwrap returns Value when Value is an error, and nil otherwise, so that
// [errors.Is] and [errors.As] see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Recover runs f and returns its error. A panic in f is recovered and returned
// as a [*PanicError] carrying the stack where it happened; a panic with a
// *PanicError, as a nested Wait raises, is returned as it is.
//
// A call of [runtime.Goexit] in f cannot be stopped: the goroutine ends
// without Recover returning. onGoexit, if not nil, is called just before it
// does, so that the caller can report the task and replace the goroutine. It
// receives [ErrGoexit], or the [*PanicError] of a panic that a deferred call
// raised while f was unwinding from the Goexit: a panic outranks the Goexit,
// as it would crash the program without Recover.
//
// Recover is for code that runs tasks on goroutines of its own, such as a
// worker pool, and needs the same treatment of panics and Goexit as a Group.
func Recover(f func() error, onGoexit func(error)) (err error) {
	normal, recovered := false, false
	var pe *PanicError // a panic recovered while f unwound
	defer func() {
		if normal || recovered {
			return
		}
		// Neither a return nor a recovered panic: f called runtime.Goexit,
		// which goes on ending this goroutine after the deferred calls, even
		// when a panic raised on the way was recovered below.
		err = ErrGoexit
		if pe != nil {
			err = pe
		}
		if onGoexit != nil {
			onGoexit(err)
		}
	}()
	func() {
		defer func() {
			if normal {
				return
			}
			// A panic, or Goexit, which recover does not stop. Stack runs on
			// the panicking goroutine before its frames unwind, so it shows
			// where the panic happened.
			v := recover()
			if p, ok := v.(*PanicError); ok && p != nil {
				// A panic that a nested Wait re-raised (a group, Map or
				// pool Group in f): it already holds the leaf's value and
				// stack, which wrapping it once per level would bury.
				pe, err = p, p
			} else if v != nil || !goexiting() {
				pe = &PanicError{Value: v, Stack: stack()}
				err = pe
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

// goexiting reports whether the deferred call that calls it runs because its
// goroutine called runtime.Goexit rather than panicked. It is asked only when
// recover returned nil, which a Goexit and, under GODEBUG=panicnil=1, a
// panic(nil) both give: the deferred calls of a Goexit are made by
// runtime.Goexit itself, those of a panic by the runtime's panic machinery.
func goexiting() bool {
	var pcs [8]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		if f.Function == "runtime.Goexit" {
			return true
		}
		if !more {
			return false
		}
	}
}

// stack returns the stack of the calling goroutine from the frame that
// panicked down, as a crash would print it: the frames of the deferred call
// that asks, and of the runtime's panic, are cut out.
func stack() []byte {
	s := debug.Stack()
	header, rest, ok := bytes.Cut(s, []byte("\n"))
	if !ok {
		return s
	}
	// debug.Stack prints two lines a frame, the first unindented. The frames
	// up to and including the panic's own ("panic(...)") are Recover's.
	if i := bytes.Index(rest, []byte("\npanic(")); i >= 0 {
		after := rest[i+1:]
		for range 2 { // the panic frame's two lines
			if _, after, ok = bytes.Cut(after, []byte("\n")); !ok {
				return s
			}
		}
		return append(append(header, '\n'), after...)
	}
	return s
}
