package nest

import (
	"runtime"
	"sync/atomic"
)

var reads atomic.Int64

// Reads returns how many times GoroutineID has been called in the process.
func Reads() int64 { return reads.Load() }

// GoroutineID returns the calling goroutine's id, as printed at the head of
// its stack trace ("goroutine 18 [running]:").
//
// Go hides goroutine ids on purpose, but the pool must tell the goroutine
// that runs a task from the others its ctx reaches, which no value passed
// around can. runtime.Stack walks the whole stack: ~2 µs for a shallow one.
func GoroutineID() uint64 {
	reads.Add(1)
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
