// Package bench runs the same workloads through fanout and through the
// libraries people reach for instead, so that their costs can be compared
// side by side.
//
// A [Workload] is one task (map 100,000 ints, stop at the first error, stream a
// million items in order, walk a tree that grows as it is walked, ...). A
// [Contender] is one way to do it: fanout, a peer library used the way its
// documentation suggests, a plain sequential loop, or a hand-written
// reference that marks how close to the hardware a library can get. [Case.Bench] runs one workload by one contender as a Go
// benchmark; the package's own benchmarks and the fanout-bench command both
// call it, so the numbers of the two come from the same code.
//
// # Fairness
//
// Every contender calls the same work function, through the same kind of
// closure, and writes into a result slice of the same shape. Glue code stays
// as short as each library allows: a contender never adds a check or a
// shortcut that the library itself does not make natural. In particular no
// contender's glue checks ctx before calling fn in the first-error workload,
// so its late-calls metric shows what the library itself stops. And every
// contender returns only once its work is over: where a library returns
// early and leaves its goroutines to finish in the background (rill, at an
// error), the glue waits for them, so that no operation's leftovers take the
// CPU of the next one.
//
// # Sizes
//
// Workloads run at the sizes of the issue that asked for them, and the
// peers' own benchmarks with the constants their projects use. Under the
// race detector, where timings mean nothing, each runs at the small size it
// names (see [Workload.Size]), so that CI's one-iteration run of every
// benchmark stays quick. The package's tests check every contender's output
// at that small size in either build; each benchmark checks it again at the
// size it ran.
//
// # The peers' own benchmarks
//
// Three workloads copy a peer's published benchmark: ants', pond's and
// go-pkgz/pool's. Each carries what that project published for it (see
// [Publication]), so that the fanout-bench command can print it beside the
// same ratios measured here: times from other machines compare only as
// ratios.
package bench
