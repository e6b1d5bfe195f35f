//go:build soak

package pool_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-go/fanout/pool"
)

// The soak test runs only with the soak build tag, which CI does not set:
//
//	go test -tags soak -run TestSoak -v ./pool
var soakTasks = flag.Int("soak.tasks", 1_000_000, "tasks TestSoak runs")

// soakGen is one pool of the soak test and the tally of its tasks, kept by
// the tasks and their submitters, to check its Stats and errors against once
// it is closed and no submitter uses it any more.
type soakGen struct {
	p      *pool.Pool
	cancel context.CancelFunc
	users  sync.WaitGroup // submitters holding the generation

	ran, failed atomic.Int64 // tasks that ran, and those that failed
	goFailed    atomic.Int64 // Go tasks that ran and failed: their errors go to Wait
	goCalls     atomic.Int64
	goRan       atomic.Int64
	skipped     atomic.Int64 // Futures failed with the pool's ctx's error
	contextLost atomic.Int64 // SubmitContext's Futures that failed with ctx's error
}

func newSoakGen(workers, queue int) *soakGen {
	ctx, cancel := context.WithCancel(context.Background())
	return &soakGen{p: pool.New(ctx, workers, pool.QueueSize(queue)), cancel: cancel}
}

// TestSoak serves a million mixed tasks from 32 submitters while the pool is
// replaced by a new one every few thousand tasks: the old one canceled then
// closed, or closed and drained. Every task must be accounted for once, each
// pool's counters and errors must match its tasks, and the heap must come
// back to where it started: nothing of the tasks, their Futures or contexts,
// or the pools, may be retained.
func TestSoak(t *testing.T) {
	const submitters, batch = 32, 64
	total := *soakTasks
	ran := make([]atomic.Int32, total)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d tasks", seed, total)
	// The callers' ctx of SubmitContext outlives the measure at the end: an
	// AfterFunc the pool left on it would keep its task, Future and pool.
	lasting, stopLasting := context.WithCancel(context.Background())
	defer stopLasting()

	start := heapAfterGC()
	var peak atomic.Uint64
	sampled := make(chan struct{})
	stopSampling := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	var mu sync.RWMutex
	cur := newSoakGen(8, 64)
	rotate := make(chan struct{}, 1)
	rotated := make(chan int)
	go func() { // the chaos: replace the pool when a submitter asks
		r := rand.New(rand.NewPCG(seed, 0))
		n := 0
		for range rotate {
			queue := r.IntN(16) // or room for every submitter's batch
			if r.IntN(2) == 0 {
				queue = r.IntN(submitters * batch)
			}
			next := newSoakGen(1+r.IntN(16), queue)
			mu.Lock()
			old := cur
			cur = next
			mu.Unlock()
			if r.IntN(2) == 0 {
				old.cancel()
			}
			errs := flatten(old.p.Close())
			old.users.Wait()
			errs = append(errs, flatten(old.p.Wait())...)
			checkSoakGen(t, old, errs)
			old.cancel()
			n++
		}
		rotated <- n
	}()

	var next atomic.Int64
	var wg sync.WaitGroup
	for s := range submitters {
		r := rand.New(rand.NewPCG(seed, uint64(s)+1))
		wg.Go(func() {
			futures := make([]*pool.Future[int], batch)
			ids := make([]int, batch)
			ctxCalls := make([]bool, batch)
			for {
				mu.RLock()
				g := cur
				g.users.Add(1)
				mu.RUnlock()
				k := 0
				for ; k < batch; k++ {
					id := int(next.Add(1) - 1)
					if id >= total {
						break
					}
					if id%2048 == 0 && r.IntN(4) == 0 {
						select {
						case rotate <- struct{}{}:
						default:
						}
					}
					ids[k] = id
					futures[k], ctxCalls[k] = soakCall(lasting, r, g, id, &ran[id])
				}
				for i, f := range futures[:k] {
					if f != nil {
						checkSoakFuture(t, g, ids[i], f, &ran[ids[i]], ctxCalls[i])
					}
					futures[i] = nil
				}
				g.users.Done()
				if k < batch {
					return
				}
			}
		})
	}
	wg.Wait()
	close(rotate)
	pools := <-rotated
	last := cur
	cur = nil
	errs := flatten(last.p.Close())
	checkSoakGen(t, last, errs)
	last.cancel()
	last = nil
	close(stopSampling)
	<-sampled

	for id := range ran {
		if n := ran[id].Load(); n > 1 {
			t.Fatalf("task %d ran %d times", id, n)
		}
	}
	end := heapAfterGC()
	t.Logf("%d pools; heap: start %d KiB, peak %d KiB, end %d KiB (%+d KiB)",
		pools+1, start>>10, peak.Load()>>10, end>>10, (int64(end)-int64(start))>>10)
	if end > start+1<<20 {
		t.Errorf("heap %d KiB at the end, %d KiB at the start: more than 1 MiB retained", end>>10, start>>10)
	}
	runtime.KeepAlive(ran)
}

// heapAfterGC returns the bytes of live heap objects, after a collection.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC() // what a finalizer or cleanup keeps goes in the second
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// soakCall adds task id to g by a call chosen at random, and returns its
// Future, or nil for Go and TrySubmit's false, and whether it was added with
// SubmitContext.
func soakCall(ctx context.Context, r *rand.Rand, g *soakGen, id int, ran *atomic.Int32) (*pool.Future[int], bool) {
	fails := stressKind(id) != 0 || id%1000 == 999
	fn := func(ctx context.Context) (int, error) {
		ran.Add(1)
		g.ran.Add(1)
		if fails {
			g.failed.Add(1)
		}
		switch stressKind(id) {
		case 1:
			return 0, taskErr(id)
		case 2:
			panic(id)
		}
		switch {
		case id%1000 == 999:
			runtime.Goexit()
		case id%16 == 0: // a longer task, which gives up when ctx ends
			for i := 0; i < 100 && ctx.Err() == nil; i++ {
				runtime.Gosched()
			}
		}
		return id, nil
	}
	switch n := r.IntN(20); {
	case n < 8:
		return pool.Submit(g.p, fn), false
	case n < 11:
		f, _ := pool.TrySubmit(g.p, fn)
		return f, false
	case n < 17:
		g.goCalls.Add(1)
		g.p.Go(func(ctx context.Context) error {
			g.goRan.Add(1)
			if fails {
				g.goFailed.Add(1) // before fn, which may call Goexit
			}
			_, err := fn(ctx)
			return err
		})
		return nil, false
	case n < 19:
		return pool.SubmitContext(ctx, g.p, fn), true
	default: // a caller that leaves at once
		ctx, cancel := context.WithCancel(ctx)
		f := pool.SubmitContext(ctx, g.p, fn)
		cancel()
		return f, true
	}
}
