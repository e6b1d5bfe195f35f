package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-go/fanout/mapx"
	"golang.org/x/sync/errgroup"
)

// The workloads of the issue, each run by Map and by baselines in the same
// run: a plain loop, errgroup with one g.Go per item, and hand-written
// workers that claim chunks of indices from an atomic counter.
//
//	go test -run '^$' -bench . -benchmem -count 6 ./mapx | benchstat -col /impl -

type mapFunc = func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) ([]int, error)

// loop is the sequential baseline.
func loop(ctx context.Context, in []int, _ int, fn func(context.Context, int) (int, error)) ([]int, error) {
	out := make([]int, len(in))
	for i, v := range in {
		r, err := fn(ctx, v)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// perItem is errgroup used naively: one goroutine per item, SetLimit.
func perItem(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) ([]int, error) {
	out := make([]int, len(in))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i, v := range in {
		g.Go(func() error {
			r, err := fn(ctx, v)
			out[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// chunked returns hand-written workers claiming chunk indices at a time from
// an atomic counter: the reference for how close to the hardware Map gets.
func chunked(chunk int) mapFunc {
	return func(ctx context.Context, in []int, limit int, fn func(context.Context, int) (int, error)) ([]int, error) {
		out := make([]int, len(in))
		var next atomic.Int64
		var wg sync.WaitGroup
		var errOnce sync.Once
		var firstErr error
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for range min(limit, len(in)) {
			wg.Go(func() {
				for {
					lo := int(next.Add(int64(chunk))) - chunk
					if lo >= len(in) {
						return
					}
					for i := lo; i < min(lo+chunk, len(in)); i++ {
						if ctx.Err() != nil {
							return
						}
						r, err := fn(ctx, in[i])
						if err != nil {
							errOnce.Do(func() { firstErr = err; cancel() })
							return
						}
						out[i] = r
					}
				}
			})
		}
		wg.Wait()
		return out, firstErr
	}
}

var contenders = []struct {
	name string
	run  mapFunc
}{
	{"impl=Map", mapx.Map[int, int]},
	{"impl=loop", loop},
	{"impl=errgroup", perItem},
	{"impl=chunk64", chunked(64)},
	{"impl=chunk1", chunked(1)},
}

func benchMap(b *testing.B, n, limit int, fn func(context.Context, int) (int, error), only ...string) {
	in := ints(n)
	for _, c := range contenders {
		if len(only) > 0 && !contains(only, c.name) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.run(context.Background(), in, limit, fn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// BenchmarkTiny is workload 1: per-item overhead.
func BenchmarkTiny(b *testing.B) {
	benchMap(b, 100_000, runtime.GOMAXPROCS(0), double)
}

// spin is about 1 µs of arithmetic the compiler cannot remove: its result is
// returned and checked for being non-negative.
func spin(_ context.Context, v int) (int, error) {
	x := uint64(v) | 1
	for range 400 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return int(x >> 1), nil
}

// BenchmarkCPU is workload 2: 10,000 items of about 1 µs each.
func BenchmarkCPU(b *testing.B) {
	benchMap(b, 10_000, runtime.GOMAXPROCS(0), spin)
}

// BenchmarkIO is workload 3: 2,000 items sleeping 1 ms, limit 100; ideal
// 20 ms. The x-ideal metric is the time over that ideal.
func BenchmarkIO(b *testing.B) {
	const n, limit = 2000, 100
	sleep := func(_ context.Context, v int) (int, error) {
		time.Sleep(time.Millisecond)
		return v, nil
	}
	in := ints(n)
	for _, c := range contenders {
		if c.name == "impl=loop" {
			continue // 2 s an op says nothing new
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.run(context.Background(), in, limit, sleep); err != nil {
					b.Fatal(err)
				}
			}
			ideal := float64(n/limit) * float64(time.Millisecond)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/ideal, "x-ideal")
		})
	}
}

// BenchmarkFirstError is workload 4: 100,000 tiny items failing at item 1,000.
// calls-after/op counts the calls that started after the failing call had
// decided to fail, just before it returned.
func BenchmarkFirstError(b *testing.B) {
	errBad := errBad
	in := ints(100_000)
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var after atomic.Int64
			var failing atomic.Bool
			fn := func(ctx context.Context, v int) (int, error) {
				if failing.Load() {
					after.Add(1)
				}
				if v == 1000 {
					failing.Store(true)
					return 0, errBad
				}
				return v, nil
			}
			for b.Loop() {
				failing.Store(false)
				if _, err := c.run(context.Background(), in, runtime.GOMAXPROCS(0), fn); !errors.Is(err, errBad) {
					b.Fatalf("error %v, want %v", err, errBad)
				}
			}
			b.ReportMetric(float64(after.Load())/float64(b.N), "calls-after/op")
		})
	}
}

// BenchmarkSeq compares MapSeq and SettleSeq over an iterator with Map over
// the same items as a slice, at two lengths: the sequences' B/op must not
// grow with the length.
func BenchmarkSeq(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		in := ints(n)
		b.Run("n="+itoa(n)+"/impl=SettleSeq", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sum := 0
				for o := range mapx.SettleSeq(context.Background(), count(n, nil), 0, double) {
					if o.Err != nil {
						b.Fatal(o.Err)
					}
					sum += o.Value
				}
				if sum != n*(n-1) {
					b.Fatalf("sum %d, want %d", sum, n*(n-1))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
		b.Run("n="+itoa(n)+"/impl=MapSeq", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sum := 0
				for r, err := range mapx.MapSeq(context.Background(), count(n, nil), 0, double) {
					if err != nil {
						b.Fatal(err)
					}
					sum += r
				}
				if sum != n*(n-1) {
					b.Fatalf("sum %d, want %d", sum, n*(n-1))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
		b.Run("n="+itoa(n)+"/impl=Map", func(b *testing.B) {
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

// itoa names a power of ten as 1eN.
func itoa(n int) string {
	e := 0
	for ; n >= 10; n /= 10 {
		e++
	}
	return fmt.Sprintf("%de%d", n, e)
}

// BenchmarkSeqCPU streams 10,000 items of about 1 µs each through MapSeq,
// against Map over the same items as a slice: the cost of streaming when the
// calls, not the overhead, dominate.
func BenchmarkSeqCPU(b *testing.B) {
	const n = 10_000
	in := ints(n)
	b.Run("impl=MapSeq", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, err := range mapx.MapSeq(context.Background(), count(n, nil), 0, spin) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
	})
	b.Run("impl=Map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mapx.Map(context.Background(), in, 0, spin); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
	})
	b.Run("impl=loop", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := loop(context.Background(), in, 0, spin); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
	})
}
