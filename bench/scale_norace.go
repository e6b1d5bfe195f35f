//go:build !race

package bench

// raceEnabled reports whether the race detector is on; see [Size].
const raceEnabled = false
