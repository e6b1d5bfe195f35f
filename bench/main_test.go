package bench_test

import (
	"testing"

	"github.com/fanout-go/fanout/bench/internal/leaktest"
)

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}
