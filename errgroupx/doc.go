// Package errgroupx is [golang.org/x/sync/errgroup] plus what it lacks: panics
// that reach the caller of Wait with their stack, a task that calls
// [runtime.Goexit] reported as an error, and typed results.
//
// A [Group] does everything an errgroup.Group does: Go runs a function in a new
// goroutine, SetLimit bounds how many run at once, the first error cancels the
// context made by [WithContext], and Wait returns that error once every
// goroutine has returned.
//
// # Panics
//
// A panic in a function passed to Go or TryGo is recovered in its goroutine,
// together with that goroutine's stack taken where it panicked. It cancels the
// group's context at once, with the [*PanicError] as the context's cause, just
// as an error would, so that the other functions can stop. Once every goroutine
// of the group has returned, Wait panics in its caller's goroutine with the
// first [*PanicError]. A panic outranks an error: when both happen, Wait panics.
//
// errgroup itself chose not to do this (see the comment in errgroup.Group.Go)
// for three reasons. Each is answered here:
//
//   - "It delays panics arbitrarily." The recovered panic cancels the group's
//     context at once, so functions that honour their context return promptly
//     and Wait re-raises the panic as soon as they have. Only a function that
//     ignores its context can delay it, and it would delay Wait's error too.
//   - "It turns f's panic stack into a mere value, hiding it from
//     crash-monitoring tools." The stack is taken inside the deferred recover,
//     before the panicking frames unwind, and [PanicError.Error] prints it. A
//     re-raised panic that nobody recovers crashes the program as a plain
//     panic would, "panic: " and the value once, then the original stack,
//     followed by the stack of Wait's caller: both are there for a crash
//     reporter.
//   - "It risks deadlocks that hide the panic entirely, if f's panic leaves the
//     program in a state that prevents the Wait call from being reached." Wait
//     is the one place the caller is already blocked on the group's outcome,
//     and the other goroutines of the group are told to stop by the canceled
//     context. mapx always reaches Wait itself, and pool hands each panic
//     to the task's Future instead. A program that never calls Wait loses
//     the panic, as it loses every error.
//
// Without this, a panic in a task crashes the whole process from a goroutine
// the caller never sees, with no chance for the caller's own recover, deferred
// cleanup or error reporting to run. Re-raising it in the waiter makes a task
// behave like a function call: what it panics, its caller panics.
//
// # Goexit
//
// A function that calls [runtime.Goexit] (as t.FailNow does from inside a
// task) ends its goroutine without returning. The group counts that as an
// error wrapping [ErrGoexit]: it cancels the context and Wait returns it, so the
// task is neither lost nor able to hang Wait. A panic that a deferred call
// raises while the function unwinds from the Goexit (a cleanup that fails
// after t.FailNow) is a panic like any other: Wait re-raises it.
//
// # Results
//
// [ResultGroup] is a Group whose functions return a value as well as an error;
// its Wait returns the values in the order the functions were added.
package errgroupx
