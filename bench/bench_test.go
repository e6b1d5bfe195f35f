package bench_test

import (
	"testing"

	"github.com/fanout-go/fanout/bench"
)

// Each benchmark runs one workload by every contender that can do it, as
// sub-benchmarks named after the contenders, so that benchstat lines them up:
//
//	go test -bench . -benchmem -count 10 > new.txt && benchstat new.txt
//
// To compare GOMAXPROCS values, give -cpu a -benchtime that is a duration:
// go test times -benchtime 1x in a benchmark's first call, which it makes
// before it sets GOMAXPROCS to the first -cpu value (golang.org/issue/49980).
// The fanout-bench command has no such catch: it sets GOMAXPROCS itself.

func BenchmarkTinyMap(b *testing.B)              { benchWorkload(b, "TinyMap") }
func BenchmarkCPUMap(b *testing.B)               { benchWorkload(b, "CPUMap") }
func BenchmarkIOMap(b *testing.B)                { benchWorkload(b, "IOMap") }
func BenchmarkFirstError(b *testing.B)           { benchWorkload(b, "FirstError") }
func BenchmarkPoolRoundTrip(b *testing.B)        { benchWorkload(b, "PoolRoundTrip") }
func BenchmarkStream(b *testing.B)               { benchWorkload(b, "Stream") }
func BenchmarkAntsSleep(b *testing.B)            { benchWorkload(b, "AntsSleep") }
func BenchmarkPondRand(b *testing.B)             { benchWorkload(b, "PondRand") }
func BenchmarkGoPkgzPool(b *testing.B)           { benchWorkload(b, "GoPkgzPool") }
func BenchmarkHeavyTail(b *testing.B)            { benchWorkload(b, "HeavyTail") }
func BenchmarkHeavyTailUnordered(b *testing.B)   { benchWorkload(b, "HeavyTailUnordered") }
func BenchmarkBlockedCall(b *testing.B)          { benchWorkload(b, "BlockedCall") }
func BenchmarkBlockedCallUnordered(b *testing.B) { benchWorkload(b, "BlockedCallUnordered") }
func BenchmarkBlockedCallSettle(b *testing.B)    { benchWorkload(b, "BlockedCallSettle") }
func BenchmarkBlockedCallMap(b *testing.B)       { benchWorkload(b, "BlockedCallMap") }
func BenchmarkEveryOutcome(b *testing.B)         { benchWorkload(b, "EveryOutcome") }
func BenchmarkTreeCPU(b *testing.B)              { benchWorkload(b, "TreeCPU") }
func BenchmarkTreeIO(b *testing.B)               { benchWorkload(b, "TreeIO") }
func BenchmarkSharedPoolGroup(b *testing.B)      { benchWorkload(b, "SharedPoolGroup") }
func BenchmarkNested(b *testing.B)               { benchWorkload(b, "Nested") }
func BenchmarkFairGroups(b *testing.B)           { benchWorkload(b, "FairGroups") }
func BenchmarkKeyedOrder(b *testing.B)           { benchWorkload(b, "KeyedOrder") }
func BenchmarkKeyedSlowKeys(b *testing.B)        { benchWorkload(b, "KeyedSlowKeys") }

func benchWorkload(b *testing.B, name string) {
	w := bench.WorkloadNamed(name)
	if w == nil {
		b.Fatalf("no workload %q", name)
	}
	for _, c := range bench.Contenders {
		if cs := (bench.Case{Workload: w, Contender: c}); cs.Supported() {
			b.Run(c.Name, cs.Bench)
		}
	}
}
