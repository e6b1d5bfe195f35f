package mapx_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

// Cancellation latency: the time from the cancel of ctx to the call's return,
// with limit calls in flight that honour ctx and many more elements pending.
// It must not grow with the number of pending elements.
//
//	go test -run '^$' -bench Cancel -count 6 ./mapx | benchstat -col /pending -

func BenchmarkCancelMap(b *testing.B) {
	for _, pending := range []int{1_000, 1_000_000} {
		in := ints(pending)
		b.Run("pending="+itoa(pending), func(b *testing.B) {
			benchCancel(b, func(ctx context.Context, fn func(context.Context, int) (int, error)) {
				mapx.Map(ctx, in, 0, fn)
			})
		})
	}
}

func BenchmarkCancelMapSeq(b *testing.B) {
	for _, pending := range []int{1_000, 1_000_000} {
		b.Run("pending="+itoa(pending), func(b *testing.B) {
			benchCancel(b, func(ctx context.Context, fn func(context.Context, int) (int, error)) {
				for _, err := range mapx.MapSeq(ctx, count(pending, nil), 0, fn) {
					if err != nil {
						break
					}
				}
			})
		})
	}
}

// benchCancel runs call with a fn that blocks until its ctx ends, cancels
// once GOMAXPROCS calls are in flight, and reports the time from the cancel to
// call's return as ns/cancel.
func benchCancel(b *testing.B, call func(ctx context.Context, fn func(context.Context, int) (int, error))) {
	limit := runtime.GOMAXPROCS(0)
	var total time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{}, limit)
		fn := func(ctx context.Context, v int) (int, error) {
			select {
			case started <- struct{}{}:
			default:
			}
			<-ctx.Done()
			return 0, ctx.Err()
		}
		returned := make(chan time.Time)
		go func() {
			call(ctx, fn)
			returned <- time.Now()
		}()
		for range limit {
			<-started
		}
		// Map's result slice for a million elements is 8 MB: collect what the
		// previous rounds left now, so that the GC it triggers does not run
		// inside the measured window.
		runtime.GC()
		t0 := time.Now()
		cancel()
		total += (<-returned).Sub(t0)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/cancel")
}
