package pool_test

// Adversarial tests of the hand-off chain: a worker handed a task it has not
// yet started (the waker) has later tasks queue behind it, and passes one on
// to a free worker as it starts (relay). They run in synctest bubbles, so
// that a task left queued with no worker coming is a deadlock the bubble
// reports, never a test that waits for its timeout; and at GOMAXPROCS 1,
// where a submitter runs on without yielding and the waker has not started
// while it adds, and 2.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

// atProcs runs f as a subtest at GOMAXPROCS 1 and 2.
func atProcs(t *testing.T, f func(t *testing.T)) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("procs=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			f(t)
		})
	}
}

// r3gauge counts the task functions running now and keeps the peak.
type r3gauge struct{ now, peak atomic.Int64 }

func (g *r3gauge) in() {
	n := g.now.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (g *r3gauge) out() { g.now.Add(-1) }

// keyLog checks that a key's tasks never run two at once and that one
// submitter's tasks of a key run in the order it added them.
type keyLog struct {
	mu       sync.Mutex
	inflight map[string]bool
	last     map[string]int // by key and submitter
	errs     []string
}

func newKeyLog() *keyLog {
	return &keyLog{inflight: map[string]bool{}, last: map[string]int{}}
}

func (l *keyLog) start(key string, sub, seq int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[key] {
		l.errs = append(l.errs, fmt.Sprintf("two tasks of key %s run at once", key))
	}
	l.inflight[key] = true
	id := fmt.Sprintf("%s/%d", key, sub)
	if last, ok := l.last[id]; ok && last >= seq {
		l.errs = append(l.errs, fmt.Sprintf("key %s: submitter %d's task %d ran after its task %d", key, sub, seq, last))
	}
	l.last[id] = seq
}

func (l *keyLog) end(key string) {
	l.mu.Lock()
	l.inflight[key] = false
	l.mu.Unlock()
}

func (l *keyLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		t.Error(e)
	}
}

// burst is a shape of load for runBurst.
type burst struct {
	bound, size int
	idle        time.Duration
	submitters  int
	each        int  // tasks a submitter adds
	children    bool // parents add children and wait for them
	resize      bool // a goroutine resizes the pool meanwhile
}

func (b burst) String() string {
	return fmt.Sprintf("bound=%d/size=%d/idle=%v/children=%v/resize=%v", b.bound, b.size, b.idle, b.children, b.resize)
}

// runBurst adds b's load from b.submitters goroutines at once, every way a
// task can be added (Submit, Go, SubmitKey, GoKey, TrySubmit, SubmitContext
// with a ctx that ends meanwhile, Group.Go, TryGo, tasks that panic and call
// runtime.Goexit, parents that wait for children), then checks that every
// task completed with what it returned, that no ctx that had ended let its
// task start, that keys ran in order one at a time, that no more ran at once
// than the bound, and the counters. A task left with no worker coming hangs
// the bubble, which synctest reports.
func runBurst(t *testing.T, b burst) {
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), b.bound, pool.QueueSize(b.size), pool.IdleTimeout(b.idle))
		var g r3gauge
		keys := newKeyLog()
		var goexits atomic.Int64
		maxBound := int64(b.bound)

		stopResize := make(chan struct{})
		resized := make(chan struct{})
		if b.resize {
			maxBound = int64(b.bound) + 2
			go func() {
				defer close(resized)
				for i := 0; ; i++ {
					select {
					case <-stopResize:
						p.Resize(b.bound)
						return
					default:
					}
					p.Resize(1 + i%int(maxBound))
					runtime.Gosched()
				}
			}()
		} else {
			close(resized)
		}

		type want struct {
			f        *pool.Future[int]
			v        int
			canceled bool // its caller's ctx ended: either ran (started before) or failed with ctx's error
			panics   bool
			try      bool // TrySubmit: f nil if refused
		}
		wants := make([][]want, b.submitters)
		groups := make([]*pool.Group[int], b.submitters)
		groupWant := make([][]int, b.submitters)
		var subs sync.WaitGroup
		for s := range b.submitters {
			subs.Add(1)
			go func() {
				defer subs.Done()
				grp := pool.NewGroup[int](context.Background(), p)
				groups[s] = grp
				for i := range b.each {
					v := s*10000 + i
					key := fmt.Sprintf("k%d", i%3)
					plain := func(context.Context) (int, error) {
						g.in()
						defer g.out()
						return v, nil
					}
					switch i % 11 {
					case 0:
						wants[s] = append(wants[s], want{f: pool.Submit(p, plain), v: v})
					case 1:
						p.Go(func(context.Context) error { g.in(); g.out(); return nil })
					case 2:
						wants[s] = append(wants[s], want{f: pool.SubmitKey(p, key, func(context.Context) (int, error) {
							g.in()
							defer g.out()
							keys.start(key, s, i)
							defer keys.end(key)
							return v, nil
						}), v: v})
					case 3:
						p.GoKey(key, func(context.Context) error {
							g.in()
							defer g.out()
							keys.start(key, s, i)
							keys.end(key)
							return nil
						})
					case 4:
						f, ok := pool.TrySubmit(p, plain)
						if ok != (f != nil) {
							t.Errorf("TrySubmit returned %v, %v", f, ok)
						}
						wants[s] = append(wants[s], want{f: f, v: v, try: true})
					case 5:
						ctx, cancel := context.WithCancel(context.Background())
						f := pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
							g.in()
							defer g.out()
							return v, nil
						})
						cancel()
						wants[s] = append(wants[s], want{f: f, v: v, canceled: true})
					case 6:
						grp.Go(plain)
						groupWant[s] = append(groupWant[s], v)
					case 7:
						if grp.TryGo(plain) {
							groupWant[s] = append(groupWant[s], v)
						}
					case 8:
						wants[s] = append(wants[s], want{f: pool.Submit(p, func(context.Context) (int, error) {
							g.in()
							defer g.out()
							panic(v)
						}), panics: true})
					case 9:
						p.Go(func(context.Context) error {
							goexits.Add(1)
							runtime.Goexit()
							return nil
						})
					case 10:
						if !b.children {
							wants[s] = append(wants[s], want{f: pool.Submit(p, plain), v: v})
							continue
						}
						wants[s] = append(wants[s], want{f: pool.Submit(p, func(ctx context.Context) (int, error) {
							g.in()
							c1 := pool.SubmitContext(ctx, p, func(context.Context) (int, error) { g.in(); g.out(); return 1, nil })
							c2 := pool.SubmitContext(ctx, p, func(context.Context) (int, error) { g.in(); g.out(); return 2, nil })
							g.out() // lends its worker while it waits
							v1, err1 := c1.WaitContext(ctx)
							v2, err2 := c2.WaitContext(ctx)
							g.in()
							defer g.out()
							if err := errors.Join(err1, err2); err != nil {
								return 0, err
							}
							return v + v1 + v2, nil
						}), v: v + 3})
					}
				}
			}()
		}
		subs.Wait()
		close(stopResize)
		<-resized

		for s := range b.submitters {
			vals, err := groups[s].Wait()
			if err != nil {
				t.Errorf("Group.Wait: %v", err)
			} else if fmt.Sprint(vals) != fmt.Sprint(groupWant[s]) {
				t.Errorf("Group.Wait = %v, want %v", vals, groupWant[s])
			}
		}
		err := p.Wait()
		// Go's Goexit tasks each report ErrGoexit; nothing else fails.
		for _, e := range flatten(err) {
			if !errors.Is(e, errgroupx.ErrGoexit) {
				t.Errorf("Wait: unexpected error %v", e)
			}
		}
		if n := int64(len(flatten(err))); n != goexits.Load() {
			t.Errorf("Wait reported %d errors for %d Goexits", n, goexits.Load())
		}
		for s := range wants {
			for _, w := range wants[s] {
				if w.f == nil {
					if !w.try {
						t.Errorf("nil Future")
					}
					continue
				}
				if !done(w.f) {
					t.Errorf("Future of %d not complete after Wait", w.v)
					continue
				}
				v, err := w.f.Wait()
				var pe *errgroupx.PanicError
				switch {
				case w.panics:
					if !errors.As(err, &pe) {
						t.Errorf("panicking task: %v, want a *PanicError", err)
					}
				case w.canceled && err != nil:
					if !errors.Is(err, context.Canceled) || errors.Is(err, pool.ErrPoolEnded) {
						t.Errorf("task whose ctx ended: %v, want the caller's context.Canceled", err)
					}
				case err != nil || v != w.v:
					t.Errorf("task %d: %d, %v", w.v, v, err)
				}
			}
		}
		if peak := g.peak.Load(); peak > maxBound {
			t.Errorf("%d task functions ran at once, bound %d", peak, maxBound)
		}
		keys.check(t)
		s := p.Stats()
		checkInvariant(t, s)
		if s.Queued != 0 || s.Running != 0 || s.Blocked != 0 {
			t.Errorf("Stats after Wait: %+v", s)
		}
		if s.Workers > maxBound {
			t.Errorf("%d workers alive, bound %d", s.Workers, maxBound)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if s := p.Stats(); s.Workers != 0 {
			t.Errorf("%d workers alive after Close", s.Workers)
		}
	})
}

// Bursts of every kind of add, from many submitters and from tasks, at every
// queue size, finish: no task is left queued with no worker coming.
func TestReview3BurstsFinish(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		for _, b := range []burst{
			{bound: 1, size: 0, idle: time.Second},
			{bound: 1, size: 1, idle: 0},
			{bound: 2, size: 0, idle: 0},
			{bound: 2, size: 1, idle: time.Second},
			{bound: 3, size: 1, idle: 0},
			{bound: 4, size: 4, idle: time.Second},
			{bound: 4, size: 1000, idle: 0},
			{bound: 8, size: 2, idle: time.Second},
			{bound: 2, size: 1, idle: time.Second, children: true},
			{bound: 4, size: 0, idle: 0, children: true},
			{bound: 3, size: 1000, idle: time.Second, children: true},
			{bound: 2, size: 1, idle: 0, resize: true},
			{bound: 3, size: 100, idle: time.Second, resize: true, children: true},
		} {
			b.submitters, b.each = 4, 66
			t.Run(b.String(), func(t *testing.T) { runBurst(t, b) })
		}
	})
}

// barrier returns a task that waits until n tasks of it have started: they
// finish only if n run at once.
func barrier(n int) func(context.Context) (int, error) {
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	return func(context.Context) (int, error) {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		<-all
		return 1, nil
	}
}

// As many tasks as the bound, added at once however, all run at once: a
// worker comes for every queued task while fewer than the bound run, even
// when the tasks queued behind a waker whose own task waits for them. Each
// shape twice: with no worker alive, then with the workers idle. (Shapes run
// one after the other: tasks that wait for tasks added after them beyond the
// bound may wait forever, for a Group's task may pass a queued one.)
func TestReview3BoundTasksRunAtOnce(t *testing.T) {
	type task = func(context.Context) (int, error)
	// A shape adds bound tasks of task and returns a check of their results.
	shapes := []struct {
		name string
		add  func(p *pool.Pool, bound int, task task) func() error
	}{
		{"one submitter", func(p *pool.Pool, bound int, task task) func() error {
			var fs []*pool.Future[int]
			for range bound {
				fs = append(fs, pool.Submit(p, task))
			}
			return func() error { return allOne(fs) }
		}},
		{"keys", func(p *pool.Pool, bound int, task task) func() error {
			var fs []*pool.Future[int]
			for i := range bound {
				fs = append(fs, pool.SubmitKey(p, i, task))
			}
			return func() error { return allOne(fs) }
		}},
		{"group", func(p *pool.Pool, bound int, task task) func() error {
			grp := pool.NewGroup[int](context.Background(), p)
			for range bound {
				grp.Go(task)
			}
			return func() error {
				vals, err := grp.Wait()
				if err == nil && len(vals) != bound {
					err = fmt.Errorf("Group.Wait: %v", vals)
				}
				return err
			}
		}},
		{"go", func(p *pool.Pool, bound int, task task) func() error {
			for range bound {
				p.Go(func(ctx context.Context) error { _, err := task(ctx); return err })
			}
			return func() error { return nil }
		}},
		{"many submitters", func(p *pool.Pool, bound int, task task) func() error {
			var wg sync.WaitGroup
			var mu sync.Mutex
			var fs []*pool.Future[int]
			for range bound {
				wg.Go(func() {
					f := pool.Submit(p, task)
					mu.Lock()
					fs = append(fs, f)
					mu.Unlock()
				})
			}
			wg.Wait()
			return func() error { return allOne(fs) }
		}},
		{"children", func(p *pool.Pool, bound int, task task) func() error {
			f := pool.Submit(p, func(ctx context.Context) (int, error) {
				var fs []*pool.Future[int]
				for range bound - 1 {
					fs = append(fs, pool.SubmitContext(ctx, p, task))
				}
				if v, err := task(ctx); v != 1 || err != nil {
					return v, err
				}
				return 1, allOne(fs)
			})
			return func() error { return allOne([]*pool.Future[int]{f}) }
		}},
	}
	atProcs(t, func(t *testing.T) {
		for _, bound := range []int{2, 3, 8} {
			for _, size := range []int{0, 1, bound, 1000} {
				t.Run(fmt.Sprintf("bound=%d/size=%d", bound, size), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						p := pool.New(context.Background(), bound, pool.QueueSize(size))
						for round := range 2 {
							for _, sh := range shapes {
								check := sh.add(p, bound, barrier(bound))
								if err := errors.Join(check(), p.Wait()); err != nil {
									t.Errorf("round %d, %s: %v", round, sh.name, err)
								}
							}
						}
						p.Close()
					})
				})
			}
		}
	})
}

// allOne waits for fs and returns an error unless each returned 1, nil.
func allOne(fs []*pool.Future[int]) error {
	for _, f := range fs {
		if v, err := f.Wait(); v != 1 || err != nil {
			return fmt.Errorf("a task returned %d, %v", v, err)
		}
	}
	return nil
}

// While bursts run, every Stats read keeps Submitted = Queued + Running +
// Completed + Skipped, and never shows more queued than the queue's room
// (no task here is a child), more running or alive than the bound.
func TestReview3StatsEveryMoment(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		for _, size := range []int{0, 1, 3, 64} {
			t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
				const bound = 3
				p := pool.New(context.Background(), bound, pool.QueueSize(size), pool.IdleTimeout(0))
				stop := make(chan struct{})
				watched := make(chan int)
				go func() {
					reads := 0
					defer func() { watched <- reads }()
					for {
						select {
						case <-stop:
							return
						default:
						}
						s := p.Stats()
						reads++
						checkInvariant(t, s)
						if s.Queued > int64(size) || s.Running > bound || s.Workers > bound || s.Blocked < 0 {
							t.Errorf("Stats %+v: bound %d, queue %d", s, bound, size)
							return
						}
						runtime.Gosched()
					}
				}()
				var wg sync.WaitGroup
				var refused atomic.Int64
				for s := range 3 {
					wg.Go(func() {
						for i := range 300 {
							switch i % 4 {
							case 0:
								pool.Submit(p, returns(i))
							case 1:
								p.GoKey(i%5, func(context.Context) error { return nil })
							case 2:
								if _, ok := pool.TrySubmit(p, returns(i)); !ok {
									refused.Add(1)
								}
							case 3:
								ctx, cancel := context.WithCancel(context.Background())
								pool.SubmitContext(ctx, p, returns(s))
								cancel()
							}
						}
					})
				}
				wg.Wait()
				if err := p.Wait(); err != nil {
					t.Errorf("Wait: %v", err)
				}
				close(stop)
				if n := <-watched; n == 0 {
					t.Errorf("Stats never read")
				}
				s := p.Stats()
				checkInvariant(t, s)
				if s.Submitted != s.Completed+s.Skipped || s.Submitted != 900-refused.Load() {
					t.Errorf("Stats after Wait: %+v, want %d submitted (%d refused)", s, 900-refused.Load(), refused.Load())
				}
				p.Close()
			})
		}
	})
}

// TrySubmit reports false only when the queue is full and no worker is
// free: with every task blocked, exactly bound + size adds succeed, from one
// adder or several, and a refused add sees a full queue and the bound
// running. With GOMAXPROCS 1 the adds queue behind a waker that has not
// started.
func TestReview3TrySubmitFalseOnlyWhenFull(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		for _, bound := range []int{1, 2, 5} {
			for _, size := range []int{0, 1, 4} {
				for _, adders := range []int{1, 3} {
					t.Run(fmt.Sprintf("bound=%d/size=%d/adders=%d", bound, size, adders), func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) {
							p := pool.New(context.Background(), bound, pool.QueueSize(size))
							release := make(chan struct{})
							var ok atomic.Int64
							var wg sync.WaitGroup
							for range adders {
								wg.Go(func() {
									for range bound + size + 2 {
										if _, added := pool.TrySubmit(p, blocker(nil, release, 0)); added {
											ok.Add(1)
											continue
										}
										// Nothing has returned: a refusal sees the queue full and
										// the bound running, at once and for good.
										if s := p.Stats(); s.Queued != int64(size) || s.Running != int64(bound) {
											t.Errorf("TrySubmit refused at Stats %+v", s)
										}
									}
								})
							}
							wg.Wait()
							if n := ok.Load(); n != int64(bound+size) {
								t.Errorf("%d TrySubmits succeeded, want bound+size %d", n, bound+size)
							}
							close(release)
							p.Wait()
							p.Close()
						})
					})
				}
			}
		}
	})
}

// A task whose ctx ends after it was handed to a worker, or queued behind
// one, and before it started never runs (GUARANTEES: a task whose ctx ended
// never runs), whichever adder: handed to a new worker, to an idle one, or
// passed on by the relay. At GOMAXPROCS 1 with the GC off, the adding
// goroutine does not yield, so no worker starts before the cancel.
func TestReview3CtxEndedBeforeStartNeverRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	adders := []struct {
		name string
		add  func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error
	}{
		{"SubmitContext", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			f := pool.SubmitContext(ctx, p, fn)
			return func() error { _, err := f.Wait(); return err }
		}},
		{"TrySubmitContext", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			f, ok := pool.TrySubmitContext(ctx, p, fn)
			if !ok {
				return func() error { return errors.New("refused") }
			}
			return func() error { _, err := f.Wait(); return err }
		}},
		{"GoContext", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			p.GoContext(ctx, func(ctx context.Context) error { _, err := fn(ctx); return err })
			return func() error { return context.Canceled } // Wait's error, checked there
		}},
		{"Group.Go", func(ctx context.Context, p *pool.Pool, fn func(context.Context) (int, error)) func() error {
			grp := pool.NewGroup[int](ctx, p)
			grp.Go(fn)
			return func() error { _, err := grp.Wait(); return err }
		}},
	}
	for _, a := range adders {
		t.Run(a.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := pool.New(context.Background(), 3, pool.QueueSize(8))
				for round := range 3 { // new workers, then idle ones, twice
					var ran atomic.Int64
					fn := func(context.Context) (int, error) { ran.Add(1); return 0, nil }
					ctx, cancel := context.WithCancel(context.Background())
					var waits []func() error
					for range 6 { // the first handed to a worker, the rest queued behind it
						waits = append(waits, a.add(ctx, p, fn))
					}
					cancel()
					err := p.Wait()
					if a.name == "GoContext" && !errors.Is(err, context.Canceled) {
						t.Errorf("round %d: Wait: %v, want the caller's context.Canceled", round, err)
					}
					for _, w := range waits {
						if err := w(); !errors.Is(err, context.Canceled) {
							t.Errorf("round %d: %v, want context.Canceled", round, err)
						}
					}
					if n := ran.Load(); n != 0 {
						t.Errorf("round %d: %d tasks ran after their ctx ended", round, n)
					}
					if s := p.Stats(); s.Workers == 0 && round > 0 {
						t.Errorf("round %d: no worker idle: %+v", round, s)
					}
				}
				p.Close()
			})
		})
	}
}

// Close, and the end of the pool's ctx, racing bursts that queue behind
// wakers: Close returns once every accepted task has run, every Future is
// complete with its value, ErrClosed or the pool's end, and no goroutine is
// left (goleak); a task that ran after the end was seen never ran at all.
func TestReview3CloseAndEndRaceTheChain(t *testing.T) {
	atProcs(t, func(t *testing.T) {
		for _, end := range []bool{false, true} {
			for _, size := range []int{0, 1, 16} {
				t.Run(fmt.Sprintf("end=%v/size=%d", end, size), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						ctx, cancel := context.WithCancel(context.Background())
						defer cancel()
						p := pool.New(ctx, 3, pool.QueueSize(size), pool.IdleTimeout(0))
						var mu sync.Mutex
						var fs []*pool.Future[int]
						var wg sync.WaitGroup
						for s := range 3 {
							wg.Go(func() {
								for i := range 50 {
									var f *pool.Future[int]
									if i%2 == 0 {
										f = pool.Submit(p, returns(i))
									} else {
										f = pool.SubmitKey(p, s, returns(i))
									}
									mu.Lock()
									fs = append(fs, f)
									mu.Unlock()
								}
							})
						}
						runtime.Gosched()
						var closeErr error
						if end {
							cancel()
							closeErr = p.Close()
						} else {
							closeErr = p.Close()
						}
						wg.Wait()
						if s := p.Stats(); s.Workers != 0 || s.Queued != 0 || s.Running != 0 || s.Blocked != 0 {
							t.Errorf("Stats after Close: %+v", s)
						} else {
							checkInvariant(t, s)
						}
						if !end && closeErr != nil {
							t.Errorf("Close: %v", closeErr)
						}
						var ran, closed, ended int
						for _, f := range fs {
							if !done(f) {
								t.Errorf("a Future is not complete once Close and its Submit returned")
								continue
							}
							_, err := f.Wait()
							switch {
							case err == nil:
								ran++
							case errors.Is(err, pool.ErrClosed):
								closed++
							case end && errors.Is(err, pool.ErrPoolEnded):
								ended++
							default:
								t.Errorf("task: %v", err)
							}
						}
						if ran+closed+ended != 150 {
							t.Errorf("%d ran, %d refused, %d skipped: want 150 in all", ran, closed, ended)
						}
						if s := p.Stats(); s.Submitted != int64(ran+ended) {
							t.Errorf("Stats %+v: want %d submitted (%d ran, %d skipped)", s, ran+ended, ran, ended)
						}
					})
				})
			}
		}
	})
}

// The Groups' turns hold at the hand-off: with tasks queued behind a waker
// that has not started (GOMAXPROCS 1), a Group's first task starts before
// the fourth task of the group added ahead of it, with one worker per task
// of the first wave (bound 2: the waker and one it passes on to).
func TestReview3GroupTurnsBehindWaker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 2, pool.QueueSize(100))
		var mu sync.Mutex
		var order []string
		task := func(name string) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				return 0, nil
			}
		}
		big := pool.NewGroup[int](context.Background(), p)
		for i := range 20 {
			big.Go(task(fmt.Sprintf("big%d", i)))
		}
		small := pool.NewGroup[int](context.Background(), p)
		small.Go(task("small"))
		if _, err := big.Wait(); err != nil {
			t.Error(err)
		}
		if _, err := small.Wait(); err != nil {
			t.Error(err)
		}
		p.Close()
		for i, name := range order {
			if name == "small" {
				// Served in turns: small is next after the first of big's
				// queued tasks; two workers may start one more big before it.
				if i > 3 {
					t.Errorf("the small group's task started %dth: %v", i, order)
				}
				return
			}
		}
		t.Errorf("the small group's task never ran: %v", order)
	})
}

// The Groups' turns hold when a full queue hands its oldest task to a free
// worker (firstLocked): group A's tasks queued behind a waker that has not
// started fill the queue; then group B adds two. A's next task may wait
// behind one of B's, not two.
func TestReview3GroupTurnsAtFullQueue(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	synctest.Test(t, func(t *testing.T) {
		p := pool.New(context.Background(), 3, pool.QueueSize(2))
		release := make(chan struct{})
		started := make(chan int, 5)
		a := pool.NewGroup[int](context.Background(), p)
		b := pool.NewGroup[int](context.Background(), p)
		for i := range 3 {
			a.Go(blocker(started, release, i)) // A0 to a worker, A1 and A2 queued
		}
		b.Go(blocker(started, release, 10))
		b.Go(blocker(started, release, 11))
		synctest.Wait()
		running := map[int]bool{}
		for range 3 {
			running[<-started] = true
		}
		if !running[1] || running[11] {
			t.Errorf("running %v: A1 (1) should have started before B1 (11)", running)
		}
		close(release)
		a.Wait()
		b.Wait()
		p.Close()
	})
}
