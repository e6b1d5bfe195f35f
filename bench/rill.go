package bench

import (
	"context"
	"iter"

	"github.com/destel/rill"
)

// rillC is rill: pipelines of channels of rill.Try, built the way its
// README builds them. The maps turn the slice into a stream with FromSlice,
// map it with OrderedMap (n goroutines, results in input order) and collect
// it with ToSlice; the streams read the iterator with FromSeq and range over
// the OrderedMap, or over the unordered Map for results as they finish. rill
// has no pool.
//
// rill's blocking consumers (ToSlice, ForEach, Err, ...) return at the first
// error and leave a goroutine discarding the rest of the stream, while the
// stages before it go on calling fn for every item left: rill stops nothing
// by itself, and leaves stopping to a context checked in the user's
// functions. So that it leaves no goroutine running and takes no CPU from
// the next operation, MapErr drains the stream before it returns: its time
// is the time until rill's work is over, as errgroup's Wait is.
var rillC = &Contender{
	Name:   "rill",
	Module: "github.com/destel/rill",
	Note:   "FromSlice / FromSeq, OrderedMap, ToSlice or a range loop",
	Map: func(in []int, limit int, fn func(int) int) []int {
		results := rill.OrderedMap(rill.FromSlice(in, nil), limit,
			func(v int) (int, error) { return fn(v), nil })
		out, _ := rill.ToSlice(results) // no call fails
		return out
	},
	MapErr: func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error) {
		// The README's way to stop the work a failure made useless: a
		// context canceled once the consumer returns, passed to fn. (Its
		// other way, a Generate that checks ctx before sending each item,
		// would be glue stopping the calls, which no contender's glue may
		// do; see the package doc's Fairness.)
		ctx, cancel := context.WithCancel(ctx)
		results := rill.OrderedMap(rill.FromSlice(in, nil), limit,
			func(v int) (int, error) { return fn(ctx, v) })
		out, err := rill.ToSlice(results)
		cancel()
		// ToSlice left a goroutine discarding results; this ranges over
		// the same channel until OrderedMap closes it, which it does once
		// its workers have returned.
		rill.Drain(results)
		return out, err
	},
	Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		rillEmit(rill.OrderedMap(rill.FromSeq(in, nil), limit,
			func(v int) (int, error) { return fn(v), nil }), emit)
	},
	Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
		rillEmit(rill.Map(rill.FromSeq(in, nil), limit,
			func(v int) (int, error) { return fn(v), nil }), emit)
	},
}

// rillEmit ranges over results and emits each value.
func rillEmit(results <-chan rill.Try[int], emit func(int)) {
	for r := range results {
		if r.Error != nil {
			panic(r.Error) // no call fails
		}
		emit(r.Value)
	}
}
