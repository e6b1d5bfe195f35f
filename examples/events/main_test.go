package main

import (
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The log applied per account matches its sequential replay, in a run with
// many refusals (few accounts, so long chains per key) and the default one.
func TestEvents(t *testing.T) {
	for _, tt := range []struct{ n, accounts int }{{20_000, 3}, {100_000, 1_000}} {
		var out strings.Builder
		if err := run(t.Context(), &out, tt.n, tt.accounts); err != nil {
			t.Fatalf("%d events over %d accounts: %v\n%s", tt.n, tt.accounts, err, &out)
		}
		if !strings.Contains(out.String(), "same balances and refusals as the sequential replay") ||
			!strings.Contains(out.String(), "on 8 workers: "+itoa(tt.n)) {
			t.Errorf("output:\n%s", &out)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
