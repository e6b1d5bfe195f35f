package bench

import (
	"fmt"
	"iter"
	"runtime"
	"sync/atomic"
)

// streamTrial feeds 0..n-1 through an iterator and checks, as each result
// arrives, that it is the right one in the right place. Its metric is the
// most items ever read from the iterator but not yet emitted: what a
// contender holds in memory at once.
func streamTrial(c *Contender, n int) *trial {
	o := newInOrder(apply(iota(n), spin))
	var peak int64 // the producer's alone; read once run returns
	in := iter.Seq[int](func(yield func(int) bool) {
		for i := range n {
			if held := int64(i) + 1 - o.emitted.Load(); held > peak {
				peak = held
			}
			if !yield(i) {
				return
			}
		}
	})
	return &trial{
		run: func() {
			o.reset()
			c.Stream(in, runtime.GOMAXPROCS(0), spin, o.emit)
		},
		check:  o.check,
		metric: func(int, float64) float64 { return float64(peak) },
	}
}

// inOrder checks a stream's results as they are emitted: each must be the
// next one of want.
type inOrder struct {
	want    []int
	emitted atomic.Int64 // written by the consumer; others may read it
	wrong   int          // the consumer's alone, over every run
	firstAt int          // the consumer's alone: where the first wrong one was
}

func newInOrder(want []int) *inOrder { return &inOrder{want: want, firstAt: -1} }

// reset starts a run.
func (o *inOrder) reset() { o.emitted.Store(0) }

// emit takes the next result.
func (o *inOrder) emit(r int) {
	k := o.emitted.Load()
	if k >= int64(len(o.want)) || r != o.want[k] {
		if o.wrong++; o.firstAt < 0 {
			o.firstAt = int(k)
		}
	}
	o.emitted.Store(k + 1)
}

// check reports what was wrong with the last run, or with any before it.
func (o *inOrder) check() error {
	if got := o.emitted.Load(); got != int64(len(o.want)) {
		return fmt.Errorf("emitted %d results, want %d", got, len(o.want))
	}
	if o.wrong > 0 {
		return fmt.Errorf("%d results wrong or out of order, the first at %d", o.wrong, o.firstAt)
	}
	return nil
}

// seq returns an iterator over 0, 1, ..., n-1.
func seq(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}
