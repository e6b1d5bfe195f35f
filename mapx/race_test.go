//go:build race

package mapx_test

const raceEnabled = true
