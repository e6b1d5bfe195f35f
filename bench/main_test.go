package bench_test

import (
	"testing"
	"time"

	"github.com/panjf2000/ants/v2"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(releaseAnts{m})
}

// releaseAnts runs the tests, then releases the pool that ants starts when
// it is imported (its purge and ticktock goroutines run from init on). That
// way goleak checks every goroutine, ants' included, with no option to
// ignore any.
type releaseAnts struct{ m *testing.M }

func (r releaseAnts) Run() int {
	code := r.m.Run()
	if err := ants.ReleaseTimeout(10 * time.Second); err != nil {
		println("releasing ants' default pool:", err.Error())
		return 1
	}
	return code
}
