package pool_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every
// pool that a test makes must be closed, and Close must end all its
// goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
