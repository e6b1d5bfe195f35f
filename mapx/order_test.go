package mapx_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

// With limit 1 the calls run one at a time, in input order, so that the
// order they return in is the input's: SettleSeq's outcomes come in it. The
// calls take turns at sleeping, so that the reader finds the worker now
// between batches, now inside one; sleeping is the calls' work here, not a
// stand-in for synchronisation.
func TestSettleSeqLimitOneInOrder(t *testing.T) {
	in := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for r := range 300 {
		var order []int
		for o := range mapx.SettleSeq(context.Background(), slices.Values(in), 1, func(ctx context.Context, v int) (int, error) {
			time.Sleep(time.Duration(v%2) * 10 * time.Microsecond)
			return v, nil
		}) {
			order = append(order, o.Index)
		}
		if !slices.Equal(order, in) {
			t.Fatalf("round %d: outcomes of indices %v, want %v", r, order, in)
		}
	}
}
