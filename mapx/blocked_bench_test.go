package mapx_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

// BenchmarkBlockedAmongTiny is one call blocked among 100,000 tiny ones, at
// limit 8, against the same run with no call blocked: ns/other is the time
// until every other call has returned, over their number. The blocked call
// is released once they have. Settle and SettleSeq block element 50,000.
// MapSeq cannot read further than its window (512 elements a unit of limit,
// 4,096 here) past a result it has not yielded, so in flat memory only the
// calls within the window can return past a blocked one: it blocks element
// 98,000, with the 1,999 after it in the window.
//
//	go test -run '^$' -bench BlockedAmongTiny -count 6 ./mapx | benchstat -col /blocked -
func BenchmarkBlockedAmongTiny(b *testing.B) {
	const n, limit = 100_000, 8
	impls := []struct {
		name    string
		blocked int
		run     func(in []int, fn func(context.Context, int) (int, error))
	}{
		{"Settle", n / 2, func(in []int, fn func(context.Context, int) (int, error)) {
			mapx.Settle(context.Background(), in, limit, fn)
		}},
		{"SettleSeq", n / 2, func(in []int, fn func(context.Context, int) (int, error)) {
			for range mapx.SettleSeq(context.Background(), count(n, nil), limit, fn) {
			}
		}},
		{"MapSeq", n - 2000, func(in []int, fn func(context.Context, int) (int, error)) {
			for range mapx.MapSeq(context.Background(), count(n, nil), limit, fn) {
			}
		}},
	}
	in := ints(n)
	for _, im := range impls {
		for _, blocked := range []bool{false, true} {
			b.Run(fmt.Sprintf("impl=%s/blocked=%v", im.name, blocked), func(b *testing.B) {
				var others time.Duration
				for b.Loop() {
					release := make(chan struct{})
					var returned atomic.Int64
					var took time.Duration // written by the last other call
					start := time.Now()
					im.run(in, func(_ context.Context, v int) (int, error) {
						if v == im.blocked {
							if blocked {
								<-release
							}
							return 2 * v, nil
						}
						if returned.Add(1) == n-1 {
							took = time.Since(start)
							close(release)
						}
						return 2 * v, nil
					})
					if returned.Load() != n-1 {
						b.Fatalf("%d other calls returned, want %d", returned.Load(), n-1)
					}
					others += took
				}
				b.ReportMetric(float64(others.Nanoseconds())/float64(b.N*(n-1)), "ns/other")
			})
		}
	}
}
