package bench_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/bench"
	"go.uber.org/goleak"
)

// TestCases checks the output of every contender on every workload it can
// do, before anyone times it, at the workload's small size (RaceItems) in
// either build: the full sizes take minutes, mostly in sleeps, and each
// benchmark checks its output at full size after its runs anyway (go test
// -run '^$' -bench . -benchtime 1x checks every case at full size once).
//
// The contenders of one workload run in parallel, most of the time asleep
// in the sleeping workloads; the workloads run one after another, so that
// no contender runs twice at once.
func TestCases(t *testing.T) {
	for _, w := range bench.Workloads {
		items := w.RaceItems
		if testing.Short() {
			items /= 10
		}
		t.Run(w.Name, func(t *testing.T) {
			for _, c := range bench.Contenders {
				cs := bench.Case{Workload: w, Contender: c}
				if !cs.Supported() {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					if err := cs.Check(items); err != nil {
						t.Error(err)
					}
				})
			}
		})
	}
}

// TestSupport pins down which contender does which workload, so that a
// contender cannot drop out of the table unnoticed.
func TestSupport(t *testing.T) {
	const onlyKeyed = "TinyMap CPUMap IOMap FirstError PoolRoundTrip Stream AntsSleep PondRand GoPkgzPool " +
		"HeavyTail HeavyTailUnordered BlockedCall BlockedCallUnordered BlockedCallSettle BlockedCallMap " +
		"EveryOutcome TreeCPU TreeIO SharedPoolGroup Nested FairGroups"
	want := map[string]string{ // workloads each contender has no way to do, or is not run on
		"fanout": "",
		"sequential": "AntsSleep HeavyTail HeavyTailUnordered " +
			"BlockedCall BlockedCallUnordered BlockedCallSettle BlockedCallMap FairGroups",
		"errgroup":  "Stream HeavyTail BlockedCall",
		"errgroupx": "Stream HeavyTail BlockedCall",
		"conc-iter": "PoolRoundTrip Stream AntsSleep PondRand GoPkgzPool HeavyTail HeavyTailUnordered " +
			"BlockedCall BlockedCallUnordered TreeCPU TreeIO SharedPoolGroup Nested FairGroups KeyedOrder KeyedSlowKeys",
		"conc-pool": "TreeCPU TreeIO SharedPoolGroup FairGroups KeyedOrder KeyedSlowKeys",
		"pond":      "HeavyTailUnordered BlockedCallUnordered",
		"ants":      "Stream HeavyTail BlockedCall TreeCPU TreeIO KeyedOrder KeyedSlowKeys",
		"rill": "PoolRoundTrip AntsSleep PondRand GoPkgzPool BlockedCallSettle EveryOutcome TreeCPU TreeIO SharedPoolGroup Nested " +
			"FairGroups KeyedOrder KeyedSlowKeys",
		"go-pkgz":       "Stream AntsSleep PondRand HeavyTail HeavyTailUnordered BlockedCall BlockedCallUnordered TreeCPU TreeIO SharedPoolGroup Nested FairGroups",
		"errgroup-hash": onlyKeyed,
		"pond-hash":     onlyKeyed,
		"reference":     "",
	}
	if len(bench.Contenders) != len(want) {
		t.Errorf("%d contenders, want %d", len(bench.Contenders), len(want))
	}
	for _, c := range bench.Contenders {
		var got []string
		for _, w := range bench.Workloads {
			if !(bench.Case{Workload: w, Contender: c}).Supported() {
				got = append(got, w.Name)
			}
		}
		if g, w := strings.Join(got, " "), want[c.Name]; g != w {
			t.Errorf("%s has no way to do %q, want %q", c.Name, g, w)
		}
	}
}

// TestEveryWorkloadIsBenchmarked checks that bench_test.go has a benchmark
// for each workload, which go test -bench and CI run.
func TestEveryWorkloadIsBenchmarked(t *testing.T) {
	src, err := os.ReadFile("bench_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range bench.Workloads {
		call := fmt.Sprintf("func Benchmark%s(b *testing.B)", w.Name)
		if !strings.Contains(string(src), call) || !strings.Contains(string(src), fmt.Sprintf("benchWorkload(b, %q)", w.Name)) {
			t.Errorf("bench_test.go has no Benchmark%s that runs %s", w.Name, w.Name)
		}
	}
}

// shape is one of a contender's funcs, called on n items with a limit;
// work(v) is the work for item v and returns v.
type shape struct {
	name string
	call func(n, limit int, work func(int) int)
}

// shapes returns the shapes c has.
func shapes(c *bench.Contender) []shape {
	ctx := context.Background()
	var s []shape
	add := func(name string, has bool, call func(n, limit int, work func(int) int)) {
		if has {
			s = append(s, shape{name, call})
		}
	}
	ok := func(work func(int) int) func(context.Context, int) (int, error) {
		return func(_ context.Context, v int) (int, error) { return work(v), nil }
	}
	add("Map", c.Map != nil, func(n, limit int, work func(int) int) { c.Map(iota(n), limit, work) })
	add("MapErr", c.MapErr != nil, func(n, limit int, work func(int) int) { c.MapErr(ctx, iota(n), limit, ok(work)) })
	add("Pool", c.Pool != nil, func(n, limit int, work func(int) int) { c.Pool(n, limit, work) })
	add("Stream", c.Stream != nil, func(n, limit int, work func(int) int) { c.Stream(seq(n), limit, work, func(int) {}) })
	add("Unordered", c.Unordered != nil, func(n, limit int, work func(int) int) { c.Unordered(seq(n), limit, work, func(int) {}) })
	add("Go", c.Go != nil, func(n, limit int, work func(int) int) { c.Go(n, limit, func(i int) { work(i) }) })
	add("Settle", c.Settle != nil, func(n, limit int, work func(int) int) { c.Settle(ctx, iota(n), limit, ok(work)) })
	add("Tree", c.Tree != nil, func(n, limit int, work func(int) int) {
		var start []int
		if n > 0 {
			start = []int{0}
		}
		c.Tree(ctx, start, limit, func(_ context.Context, v int) (int, int, error) {
			work(v)
			return min(2*v+1, n), min(2*v+3, n), nil
		})
	})
	add("SharedPool", c.SharedPool != nil, func(n, limit int, work func(int) int) {
		group, closePool := c.SharedPool(limit)
		defer closePool()
		group(n/2, func(i int) { work(i) })
		group(n-n/2, func(i int) { work(n/2 + i) })
	})
	add("Groups", c.Groups != nil, func(n, limit int, work func(int) int) {
		group, closePool := c.Groups(limit)
		defer closePool()
		var wg sync.WaitGroup
		for _, r := range [][2]int{{0, n / 2}, {n / 2, n}} { // two groups at once
			wg.Go(func() {
				add, wait := group()
				for i := r[0]; i < r[1]; i++ {
					add(func() { work(i) })
				}
				wait()
			})
		}
		wg.Wait()
	})
	add("Keyed", c.Keyed != nil, func(n, limit int, work func(int) int) {
		add, wait := c.Keyed(limit)
		for i := range n {
			add(i%7, func() { work(i) })
		}
		wait()
	})
	add("Nested", c.Nested != nil, func(n, limit int, work func(int) int) {
		inner := min(10, n)
		if inner == 0 {
			c.Nested(0, 0, limit, func(o, i int) { work(0) })
			return
		}
		c.Nested(n/inner, inner, limit, func(o, i int) { work(o*inner + i) })
	})
	return s
}

// TestLimits checks that every contender runs at most limit calls at once
// in every shape, the promise all the workloads rely on; Nested has a limit
// at each level, so limit² there.
func TestLimits(t *testing.T) {
	const limit = 3
	for _, c := range bench.Contenders {
		for _, s := range shapes(c) {
			t.Run(c.Name+"/"+s.name, func(t *testing.T) {
				var running, peak atomic.Int64
				s.call(600, limit, func(v int) int {
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					runtime.Gosched() // give other calls a chance to overlap this one
					running.Add(-1)
					return v
				})
				bound := int64(limit)
				if s.name == "Nested" {
					bound = limit * limit
				}
				if p := peak.Load(); p > bound {
					t.Errorf("%d calls ran at once, limit %d", p, bound)
				}
			})
		}
	}
}

// TestEmpty checks that every contender copes with no items at all: no
// call, no hang.
func TestEmpty(t *testing.T) {
	for _, c := range bench.Contenders {
		for _, s := range shapes(c) {
			t.Run(c.Name+"/"+s.name, func(t *testing.T) {
				s.call(0, 2, func(v int) int {
					t.Errorf("called with %d", v)
					return v
				})
			})
		}
	}
	for _, c := range bench.Contenders {
		t.Run(c.Name, func(t *testing.T) {
			if c.Map != nil {
				if out := c.Map(nil, 2, func(v int) int { return v }); len(out) != 0 {
					t.Errorf("Map(nil) = %v, want no results", out)
				}
			}
			if c.MapErr != nil {
				out, err := c.MapErr(context.Background(), nil, 2,
					func(_ context.Context, v int) (int, error) { return v, nil })
				if len(out) != 0 || err != nil {
					t.Errorf("MapErr(nil) = %v, %v, want no results and no error", out, err)
				}
			}
			if c.Settle != nil {
				out, errs := c.Settle(context.Background(), nil, 2,
					func(_ context.Context, v int) (int, error) { return v, nil })
				if len(out) != 0 || errors.Join(errs...) != nil {
					t.Errorf("Settle(nil) = %v, %v, want no results and no error", out, errs)
				}
			}
			if c.Pool != nil {
				if out := c.Pool(0, 2, func(v int) int { return v }); len(out) != 0 {
					t.Errorf("Pool(0) = %v, want no results", out)
				}
			}
		})
	}
}

// TestNoWorkAfterReturn checks the promise of [bench.Contender] that every
// func leaves no goroutine running when it returns: no call of fn may start
// after it, and its goroutines must all end. goleak waits for them, so a
// contender that returns early and leaves its workers going (as rill's
// ToSlice does at an error) is caught by the calls they make meanwhile.
func TestNoWorkAfterReturn(t *testing.T) {
	const n, failAt = 2000, 10
	for _, c := range bench.Contenders {
		t.Run(c.Name, func(t *testing.T) {
			var returned atomic.Bool
			var after atomic.Int64
			id := func(v int) int {
				if returned.Load() {
					after.Add(1)
				}
				return v
			}
			check := func(what string, call func()) {
				t.Helper()
				returned.Store(false)
				after.Store(0)
				others := goleak.IgnoreCurrent()
				call()
				returned.Store(true)
				goleak.VerifyNone(t, others)
				if a := after.Load(); a > 0 {
					t.Errorf("%s: %d calls of fn started after it returned", what, a)
				}
			}
			for _, s := range shapes(c) {
				check(s.name, func() { s.call(n, 4, id) })
			}
			if c.MapErr != nil {
				check("MapErr failing", func() {
					c.MapErr(context.Background(), iota(n), 4, func(_ context.Context, v int) (int, error) {
						if id(v) == failAt {
							return 0, errors.New("fail")
						}
						return v, nil
					})
				})
			}
		})
	}
}

// TestTreeError checks that a failing visit's error comes back from every
// contender's Tree, and that the walk then ends.
func TestTreeError(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range bench.Contenders {
		if c.Tree == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			err := c.Tree(context.Background(), []int{0}, 3, func(_ context.Context, v int) (int, int, error) {
				if v == 5 {
					return 0, 0, boom
				}
				return min(2*v+1, 1000), min(2*v+3, 1000), nil
			})
			if !errors.Is(err, boom) {
				t.Errorf("Tree = %v, want %v", err, boom)
			}
		})
	}
}

// iota returns 0, 1, ..., n-1.
func iota(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// seq returns an iterator over 0, 1, ..., n-1.
func seq(n int) iter.Seq[int] { return slices.Values(iota(n)) }

// TestChecksCatchWrongOutput feeds the new workloads' checks contenders that
// get one thing wrong, and one that reports every failure in one joined
// error, which is right.
func TestChecksCatchWrongOutput(t *testing.T) {
	skip3 := func(n, _ int, task func(int)) {
		for i := range n {
			if i != 3 {
				task(i)
			}
		}
	}
	twice3 := func(n, _ int, task func(int)) {
		for i := range n {
			task(i)
		}
		task(3)
	}
	settle := func(mangle func(errs []error) []error) func(context.Context, []int, int,
		func(context.Context, int) (int, error)) ([]int, []error) {
		return func(ctx context.Context, in []int, _ int, fn func(context.Context, int) (int, error)) ([]int, []error) {
			out, errs := make([]int, len(in)), make([]error, len(in))
			for i, v := range in {
				out[i], errs[i] = fn(ctx, v)
			}
			return out, mangle(errs)
		}
	}
	emitAll := func(in iter.Seq[int], _ int, fn func(int) int, emit func(int)) {
		for v := range in {
			emit(fn(v))
		}
	}
	tests := []wrongCase{
		{"Go skips a task", "PondRand", &bench.Contender{Go: skip3}, false},
		{"Go runs a task twice", "GoPkgzPool", &bench.Contender{Go: twice3}, false},
		{"Unordered drops a result", "HeavyTailUnordered", &bench.Contender{
			Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
				emitAll(in, limit, fn, func(r int) {
					if r != 4 {
						emit(r)
					}
				})
			}}, false},
		{"Stream emits in reverse", "HeavyTail", &bench.Contender{
			Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
				var rs []int
				emitAll(in, limit, fn, func(r int) { rs = append(rs, r) })
				slices.Reverse(rs)
				for _, r := range rs {
					emit(r)
				}
			}}, false},
		{"Settle drops the errors", "EveryOutcome", &bench.Contender{
			Settle: settle(func([]error) []error { return nil })}, false},
		{"Settle reports an error at the wrong item", "EveryOutcome", &bench.Contender{
			Settle: settle(func(errs []error) []error { return append(errs[1:], errs[0]) })}, false},
		{"Settle joins the errors", "EveryOutcome", &bench.Contender{
			Settle: settle(func(errs []error) []error { return []error{errors.Join(errs...)} })}, true},
		{"Stream drops the blocked call's result", "BlockedCall", &bench.Contender{
			Stream: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
				n := 0
				for range in {
					n++
				}
				emitAll(in, limit, fn, func(r int) {
					if n--; n > 0 {
						emit(r)
					}
				})
			}}, false},
		{"Unordered emits a result twice", "BlockedCallUnordered", &bench.Contender{
			Unordered: func(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
				emitAll(in, limit, fn, func(r int) {
					if emit(r); r == 0 {
						emit(r)
					}
				})
			}}, false},
		{"Settle reports an error", "BlockedCallSettle", &bench.Contender{
			Settle: settle(func(errs []error) []error { return append(errs, errors.New("spurious")) })}, false},
		{"Settle with every outcome right", "BlockedCallSettle", &bench.Contender{
			Settle: settle(func(errs []error) []error { return errs })}, true},
		{"Map drops a result", "BlockedCallMap", &bench.Contender{
			Map: func(in []int, _ int, fn func(int) int) []int {
				out := make([]int, len(in))
				for i, v := range in {
					out[i] = fn(v)
				}
				return out[1:]
			}}, false},
		{"Tree skips a child", "TreeCPU", &bench.Contender{
			Tree: func(ctx context.Context, start []int, _ int, visit func(context.Context, int) (int, int, error)) error {
				stack := start
				for len(stack) > 0 {
					v := stack[0]
					stack = stack[1:]
					lo, hi, err := visit(ctx, v)
					if err != nil {
						return err
					}
					for k := lo; k < hi; k++ {
						if k != 7 {
							stack = append(stack, k)
						}
					}
				}
				return nil
			}}, false},
		{"SharedPool skips a task", "SharedPoolGroup", &bench.Contender{
			SharedPool: func(int) (func(int, func(int)), func()) {
				return func(n int, task func(int)) { skip3(n, 0, task) }, func() {}
			}}, false},
		{"Nested skips a call", "Nested", &bench.Contender{
			Nested: func(outer, inner, _ int, call func(o, i int)) {
				for o := range outer {
					for i := 1; i < inner; i++ {
						call(o, i)
					}
				}
			}}, false},
	}
	tests = append(tests, wrongGroupsAndKeys()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Name = "broken"
			err := bench.Case{Workload: bench.WorkloadNamed(tt.workload), Contender: tt.c}.Check(20)
			if tt.right && err != nil {
				t.Errorf("Check = %v, want nil", err)
			}
			if !tt.right && err == nil {
				t.Errorf("Check = nil, want an error")
			}
		})
	}
}

// wrongCase is a contender that gets the named workload wrong, or right.
type wrongCase struct {
	name     string
	workload string
	c        *bench.Contender
	right    bool
}

// wrongGroupsAndKeys returns the cases of TestChecksCatchWrongOutput for
// issue 19's workloads. The contenders keep each group's tasks, or every
// keyed task, and run them in the wait, on the waiting goroutine: mangle
// then gets them wrong.
func wrongGroupsAndKeys() []wrongCase {
	groups := func(mangle func(tasks []func()) (now, later []func())) func(int) (func() (func(func()), func()), func()) {
		return func(int) (func() (func(func()), func()), func()) {
			var mu sync.Mutex
			var left []func() // run by close
			return func() (func(func()), func()) {
					var tasks []func()
					return func(task func()) { tasks = append(tasks, task) }, func() {
						now, later := mangle(tasks)
						for _, task := range now {
							task()
						}
						mu.Lock()
						left = append(left, later...)
						mu.Unlock()
					}
				}, func() {
					for _, task := range left {
						task()
					}
				}
		}
	}
	keyed := func(mangle func(tasks []func()) []func()) *bench.Contender {
		return &bench.Contender{
			Go: func(n, _ int, task func(int)) {
				for i := range n {
					task(i)
				}
			},
			Keyed: func(int) (func(int, func()), func()) {
				var tasks []func()
				return func(_ int, task func()) { tasks = append(tasks, task) }, func() {
					for _, task := range mangle(tasks) {
						task()
					}
				}
			},
		}
	}
	var cases []wrongCase
	for _, w := range []string{"KeyedOrder", "KeyedSlowKeys"} {
		cases = append(cases,
			wrongCase{"Keyed in order in " + w, w, keyed(func(ts []func()) []func() { return ts }), true},
			wrongCase{"Keyed runs the tasks in reverse in " + w, w, keyed(func(ts []func()) []func() {
				slices.Reverse(ts)
				return ts
			}), false},
			wrongCase{"Keyed swaps the last two tasks in " + w, w, keyed(func(ts []func()) []func() {
				ts[len(ts)-1], ts[len(ts)-2] = ts[len(ts)-2], ts[len(ts)-1]
				return ts
			}), false},
			wrongCase{"Keyed skips a task in " + w, w, keyed(func(ts []func()) []func() { return ts[1:] }), false},
			wrongCase{"Keyed runs a task twice in " + w, w, keyed(func(ts []func()) []func() { return append(ts, ts[len(ts)-1]) }), false},
		)
	}
	return append(cases,
		wrongCase{"Groups run in their waits", "FairGroups", &bench.Contender{
			Groups: groups(func(ts []func()) ([]func(), []func()) { return ts, nil })}, true},
		wrongCase{"Groups skip a task", "FairGroups", &bench.Contender{
			Groups: groups(func(ts []func()) ([]func(), []func()) { return ts[1:], nil })}, false},
		wrongCase{"Groups run a task twice", "FairGroups", &bench.Contender{
			Groups: groups(func(ts []func()) ([]func(), []func()) { return append(ts, ts[len(ts)-1]), nil })}, false},
		wrongCase{"a group's wait returns before its last task ran", "FairGroups", &bench.Contender{
			Groups: groups(func(ts []func()) ([]func(), []func()) { return ts[:len(ts)-1], ts[len(ts)-1:] })}, false},
	)
}

// TestPublications checks that each peer's published figures name
// contenders that exist, and that one figure stands for the peer itself.
func TestPublications(t *testing.T) {
	for _, w := range bench.Workloads {
		p := w.Published
		if p == nil {
			continue
		}
		t.Run(w.Name, func(t *testing.T) {
			if c := bench.ContenderNamed(p.Peer); c == nil || !(bench.Case{Workload: w, Contender: c}).Supported() {
				t.Errorf("the peer %q is no contender that does %s", p.Peer, w.Name)
			}
			if p.Source == "" || p.Machine == "" || len(p.Figures) == 0 && p.Words == "" {
				t.Errorf("%+v lacks its source, machine, or figures and words", p)
			}
			peers := 0
			for _, f := range p.Figures {
				if f.Contender != "" && bench.ContenderNamed(f.Contender) == nil {
					t.Errorf("figure %q names no contender: %q", f.Label, f.Contender)
				}
				if f.Peer {
					peers++
					if f.Contender != p.Peer {
						t.Errorf("the peer's figure %q stands for %q, want %q", f.Label, f.Contender, p.Peer)
					}
				}
				if f.NsPerOp <= 0 {
					t.Errorf("figure %q has no time", f.Label)
				}
			}
			if len(p.Figures) > 0 && peers != 1 {
				t.Errorf("%d figures are the peer's, want 1", peers)
			}
		})
	}
}
