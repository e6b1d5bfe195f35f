// Package leaktest checks a test binary for leaked goroutines, ants' own
// included.
package leaktest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/panjf2000/ants/v2"
	"go.uber.org/goleak"
)

// VerifyTestMain runs the tests of m, then releases the default pool that
// ants starts when it is imported (its purge and ticktock goroutines run
// from init on, whether or not anything uses it), then fails the binary if
// any goroutine is left. Releasing that pool, rather than telling goleak to
// ignore ants' functions, keeps every goroutine of the pools the benchmarks
// create under goleak's eye.
func VerifyTestMain(m *testing.M) {
	goleak.VerifyTestMain(releaseAnts{m})
}

type releaseAnts struct{ m *testing.M }

func (r releaseAnts) Run() int {
	code := r.m.Run()
	if err := ants.ReleaseTimeout(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "leaktest: releasing ants' default pool:", err)
		return 1
	}
	return code
}
