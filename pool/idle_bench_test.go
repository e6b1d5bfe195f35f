package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanout-go/fanout/internal/nest"
	"github.com/fanout-go/fanout/pool"
)

// BenchmarkIdleTimeout runs bursts of 1,000 tiny tasks on 8 workers, a pause
// between bursts, for several idle timeouts: busy-ns/task is the time spent
// in the bursts, starts/burst the workers started for each (each reads its
// goroutine id, ~2 us). It is what IdleTimeout's default was chosen by: the
// pauses of a server between requests are milliseconds, and a timeout below
// them restarts every worker at every burst.
//
//	go test -run '^$' -bench IdleTimeout ./pool
func BenchmarkIdleTimeout(b *testing.B) {
	const burst, workers = 1000, 8
	for _, pause := range []time.Duration{time.Millisecond, 10 * time.Millisecond} {
		for _, idle := range []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second} {
			b.Run("pause="+pause.String()+"/idle="+idle.String(), func(b *testing.B) {
				p := pool.New(context.Background(), workers, pool.IdleTimeout(idle))
				defer p.Close()
				var busy time.Duration
				reads := nest.Reads()
				for b.Loop() {
					start := time.Now()
					for range burst {
						p.Go(tinyErr)
					}
					p.Wait()
					busy += time.Since(start)
					time.Sleep(pause)
				}
				b.ReportMetric(float64(busy.Nanoseconds())/float64(b.N*burst), "busy-ns/task")
				b.ReportMetric(float64(nest.Reads()-reads)/float64(b.N), "starts/burst")
			})
		}
	}
}
