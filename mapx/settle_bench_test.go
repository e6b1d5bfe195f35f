package mapx_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

// BenchmarkSettle compares Settle with Map over 100,000 and 1,000,000 tiny
// items that all succeed, in the same run: the cost of keeping every outcome.
//
//	go test -run '^$' -bench 'Settle$' -benchmem -count 10 ./mapx | benchstat -col /impl -
func BenchmarkSettle(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		in := ints(n)
		b.Run(fmt.Sprintf("n=%d/impl=Settle", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, errs := mapx.Settle(context.Background(), in, 0, double)
				if out[n-1] != 2*(n-1) || (errs != nil && errs[n-1] != nil) {
					b.Fatalf("last outcome %d, %v", out[n-1], errs[n-1])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
		b.Run(fmt.Sprintf("n=%d/impl=Map", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mapx.Map(context.Background(), in, 0, double); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
	}
}

// BenchmarkHeavyTail is 10,000 items at limit 50 where 1 call in 100 sleeps
// 100 ms and the others 1 ms: ideally the total sleep over 50, 398 ms. The
// x-ideal metric is the time over that ideal. Every function keeps 50 calls
// running, as hand-written workers (chunk1) do: MapSeq too, whose window
// grows past a slow call and whose idle workers steal the rest of its batch.
//
//	go test -run '^$' -bench HeavyTail -count 5 ./mapx | benchstat -col /impl -
func BenchmarkHeavyTail(b *testing.B) {
	const n, limit = 10_000, 50
	const ideal = (n/100*100*time.Millisecond + (n-n/100)*time.Millisecond) / limit
	sleep := func(_ context.Context, v int) (int, error) {
		if v%100 == 0 {
			time.Sleep(100 * time.Millisecond)
		} else {
			time.Sleep(time.Millisecond)
		}
		return v, nil
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ideal), "x-ideal")
	}
	b.Run("impl=SettleSeq", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := 0
			for o := range mapx.SettleSeq(context.Background(), count(n, nil), limit, sleep) {
				if o.Err != nil {
					b.Fatal(o.Err)
				}
				got++
			}
			if got != n {
				b.Fatalf("%d outcomes, want %d", got, n)
			}
		}
		report(b)
	})
	b.Run("impl=Settle", func(b *testing.B) {
		b.ReportAllocs()
		in := ints(n)
		for b.Loop() {
			mapx.Settle(context.Background(), in, limit, sleep)
		}
		report(b)
	})
	b.Run("impl=chunk1", func(b *testing.B) {
		// The floor: hand-written workers claiming one index at a time,
		// for what the sleeps themselves cost on this machine.
		b.ReportAllocs()
		in := ints(n)
		for b.Loop() {
			chunked(1)(context.Background(), in, limit, sleep)
		}
		report(b)
	})
	b.Run("impl=MapSeq", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, err := range mapx.MapSeq(context.Background(), count(n, nil), limit, sleep) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b)
	})
}
