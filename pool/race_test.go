//go:build race

package pool_test

// raceEnabled is true under the race detector, which adds allocations of its
// own.
const raceEnabled = true
