package bench

import (
	"context"
	"iter"
)

// Contender is one way to do the workloads: a library used the way its
// documentation suggests, a plain loop, or the hand-written reference. A nil
// func field means the contender has no way to do those workloads, and tables
// say "n/a" for them rather than fake it.
//
// The contenders are the values in [Contenders]; they must not be modified.
// Every func is safe to call from one goroutine at a time and leaves no
// goroutine running when it returns.
type Contender struct {
	// Name is the sub-benchmark's name, such as "fanout" or "conc-pool".
	Name string
	// Module is the path of the module whose version the results name, or
	// "" when the contender is code of this module.
	Module string
	// Note says in a few words which API the contender uses.
	Note string

	// Map returns fn of every element of in, in input order, with at most
	// limit calls of fn running at once (TinyMap, CPUMap, IOMap).
	Map func(in []int, limit int, fn func(int) int) []int

	// MapErr is Map for a fn that may fail: it returns the first error, and
	// should start as few calls as it can after it (FirstError).
	MapErr func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) ([]int, error)

	// Pool submits the n tasks task(0), ..., task(n-1) one by one to a pool
	// of the given number of workers and collects every result, in any order
	// (PoolRoundTrip).
	Pool func(n, workers int, task func(int) int) []int

	// Stream reads in, calls fn on each item with at most limit calls at
	// once, and calls emit with each result in input order, from one
	// goroutine, holding a bounded number of items at any time (Stream,
	// HeavyTail).
	Stream func(in iter.Seq[int], limit int, fn func(int) int, emit func(int))

	// Unordered is Stream with results emitted as their calls finish, in
	// any order (HeavyTailUnordered).
	Unordered func(in iter.Seq[int], limit int, fn func(int) int, emit func(int))

	// Go adds the n tasks task(0), ..., task(n-1) one by one, from the
	// calling goroutine, to a pool of the given number of workers, and
	// returns once all have run (the peers' own workloads: AntsSleep,
	// PondRand, GoPkgzPool).
	Go func(n, workers int, task func(i int))

	// Settle calls fn on every element of in, with at most limit calls at
	// once, whatever fails, and returns the results and the errors: errs[i]
	// is fn's error for in[i] where the library reports errors by item, or
	// else errs holds what it reports instead, such as one joined error
	// (EveryOutcome).
	Settle func(ctx context.Context, in []int, limit int,
		fn func(context.Context, int) (int, error)) (out []int, errs []error)

	// Tree visits the values of start and every value that a visit finds,
	// with at most limit visits at once, and returns the first error of a
	// visit. A visit that succeeds has found the values lo, lo+1, ...,
	// hi-1, which the glue adds the library's way; one that fails has found
	// nothing. A run of ints rather than a callback or a slice, so that no
	// contender's glue pays an allocation per visit to hand them over
	// (TreeCPU, TreeIO).
	Tree func(ctx context.Context, start []int, limit int,
		visit func(ctx context.Context, v int) (lo, hi int, err error)) error

	// SharedPool starts a pool of the given number of workers and returns
	// group, which runs task(0), ..., task(n-1) on that pool and returns
	// once they have run, and close, which ends the pool (SharedPoolGroup).
	// The pool outlives each group: several groups share it, one after
	// another or at once.
	SharedPool func(workers int) (group func(n int, task func(i int)), close func())

	// Nested runs outer tasks at most limit at once, each of which calls
	// call(o, i) for every i below inner, at most limit at once within
	// that task: a map inside each task of a pool (Nested).
	Nested func(outer, inner, limit int, call func(o, i int))

	// Groups starts a pool of the given number of workers that groups of
	// tasks share, and returns group and close. group starts a group on the
	// pool and returns add, which adds one task to the group (blocking while
	// the pool is full where the library's add does), and wait, which
	// returns once every task added to the group has run. Many goroutines
	// may each start, fill and wait for a group of their own at once; close
	// ends the pool after every group has been waited for (FairGroups).
	Groups func(workers int) (group func() (add func(task func()), wait func()), close func())

	// Keyed starts a pool of the given number of workers and returns add,
	// which adds task under key, and wait, which returns once every task
	// added has run and ends the pool. Tasks with the same key run one at a
	// time, in the order they were added; tasks with different keys may run
	// at once, at most workers at a time. add is called from one goroutine,
	// and wait once, after the last add (KeyedOrder, KeyedSlowKeys).
	Keyed func(workers int) (add func(key int, task func()), wait func())

	// goOf is the contender whose Go runs this one's keyed tasks with no
	// key, where this one has no Go of its own.
	goOf *Contender
}

// Contenders lists every contender, fanout first and the reference last.
var Contenders = []*Contender{
	fanout,
	sequential,
	errgroupC,
	errgroupxC,
	concIter,
	concPool,
	pondC,
	antsC,
	rillC,
	goPkgz,
	errgroupHash,
	pondHash,
	reference,
}

// ContenderNamed returns the contender of that name, or nil.
func ContenderNamed(name string) *Contender {
	for _, c := range Contenders {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// WorkloadNamed returns the workload of that name, or nil.
func WorkloadNamed(name string) *Workload {
	for _, w := range Workloads {
		if w.Name == name {
			return w
		}
	}
	return nil
}
