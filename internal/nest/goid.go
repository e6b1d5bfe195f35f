package nest

import "runtime"

// goid returns the calling goroutine's id, as printed at the head of its
// stack trace ("goroutine 18 [running]:").
//
// Go does not expose goroutine ids, on purpose: state keyed by goroutine is
// usually a design fault. The one thing a Slot needs, though, is to tell the
// goroutine that holds it from any other goroutine that was handed the same
// ctx, and no value a program can pass around tells them apart. So a Slot asks
// only when the answer matters — when a goroutine is about to block and could
// lend the slot, or takes it to run a task — and the id comes from the one
// public place that prints it. runtime.Stack walks the whole stack to format
// it, about 2 µs for a shallow one and more for a deep one; that is paid on
// the way into a wait, never per task.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		panic("nest: unexpected stack trace header: " + string(b))
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	if id == 0 {
		panic("nest: no goroutine id in stack trace header: " + string(b))
	}
	return id
}
