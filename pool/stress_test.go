package pool_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
	"github.com/fanout-go/fanout/pool"
)

var stressSeed = flag.Uint64("stress.seed", 0, "seed for TestStress; 0 picks one")

// taskErr is the error a stress task returns; its panics carry its id too.
type taskErr int

func (e taskErr) Error() string { return fmt.Sprintf("task %d failed", int(e)) }

// stressKind says what the stress task id does: returns id, returns
// taskErr(id), or panics with id. A multiplicative hash spreads the kinds.
func stressKind(id int) int {
	switch h := uint32(id) * 2654435761 >> 24; {
	case h < 26:
		return 1 // ~10%: an error
	case h < 39:
		return 2 // ~5%: a panic
	}
	return 0
}

// TestStress runs 16 submitters that mix Submit, TrySubmit and Go with errors
// and panics, while the pool's ctx is canceled or the pool closed, or both,
// at a random moment. Every accepted task must be accounted for exactly
// once: it ran, or it never ran and its Future says why; the counters must
// agree; no goroutine may leak (TestMain).
func TestStress(t *testing.T) {
	const submitters = 16
	perSubmitter := 10_000
	if testing.Short() {
		perSubmitter = 1_000
	}
	total := submitters * perSubmitter
	seed := *stressSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	workers, queue := 1+rng.IntN(8), rng.IntN(16)
	stopAt := int64(rng.IntN(total))
	doCancel, doClose := true, true
	switch rng.IntN(5) {
	case 0, 1:
		doClose = false
	case 2, 3:
		doCancel = false
	}
	t.Logf("-stress.seed=%d: %d workers, QueueSize(%d), at call %d: cancel %v, Close %v",
		seed, workers, queue, stopAt, doCancel, doClose)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := pool.New(ctx, workers, pool.QueueSize(queue))
	ran := make([]atomic.Int32, total)
	task := func(id int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			ran[id].Add(1)
			switch stressKind(id) {
			case 1:
				return 0, taskErr(id)
			case 2:
				panic(id)
			}
			return id, nil
		}
	}

	var calls atomic.Int64
	closed := make(chan error, 1)
	futures := make([]*pool.Future[int], total) // nil for Go, and for TrySubmit's false
	isGo := make([]bool, total)
	var wg sync.WaitGroup
	for s := range submitters {
		r := rand.New(rand.NewPCG(seed, uint64(s)+1))
		wg.Go(func() {
			for j := range perSubmitter {
				id := s*perSubmitter + j
				if calls.Add(1) == stopAt {
					if doCancel {
						cancel()
					}
					if doClose {
						go func() { closed <- p.Close() }()
					}
				}
				switch r.IntN(3) {
				case 0:
					futures[id] = pool.Submit(p, task(id))
				case 1:
					futures[id], _ = pool.TrySubmit(p, task(id))
				case 2:
					isGo[id] = true
					fn := task(id)
					p.Go(func(ctx context.Context) error { _, err := fn(ctx); return err })
				}
			}
		})
	}
	wg.Wait()
	var errs []error
	if doClose {
		errs = append(errs, flatten(<-closed)...)
		errs = append(errs, flatten(p.Wait())...)
	} else {
		errs = append(errs, flatten(p.Close())...)
	}

	// Futures: complete, with the task's own outcome if it ran, or else with
	// the reason it did not.
	var ranN, failedN, skippedFutures, goRan, goCalls int64
	for id := range total {
		n := ran[id].Load()
		if n > 1 {
			t.Fatalf("task %d ran %d times", id, n)
		}
		ranN += int64(n)
		if n == 1 && stressKind(id) != 0 {
			failedN++
		}
		if isGo[id] {
			goCalls++
			goRan += int64(n)
			continue
		}
		f := futures[id]
		if f == nil {
			if n != 0 {
				t.Fatalf("task %d ran after TrySubmit reported false", id)
			}
			continue
		}
		v, ok, err := f.TryWait()
		if !ok {
			t.Fatalf("task %d: Future not complete after Close", id)
		}
		if n == 0 {
			switch {
			case err == pool.ErrClosed && doClose:
			case err != nil && err.Error() == poolCanceled && doCancel:
				skippedFutures++
			default:
				t.Fatalf("task %d never ran, and its Future says %d, %v", id, v, err)
			}
			continue
		}
		checkOutcome(t, id, v, err)
	}

	// Go: each failure of a Go task that ran is in Wait's errors exactly
	// once; besides them, at most ctx's error and ErrClosed, once per Wait.
	seen := make(map[int]bool)
	var ctxErrs, closedErrs int
	for _, err := range errs {
		var pe *errgroupx.PanicError
		var te taskErr
		id := -1
		switch {
		case errors.As(err, &pe):
			id = pe.Value.(int)
		case errors.As(err, &te):
			id = int(te)
		case err.Error() == poolCanceled && doCancel:
			ctxErrs++
		case err == pool.ErrClosed && doClose:
			closedErrs++
		default:
			t.Fatalf("Wait returned an unexpected %v", err)
		}
		if id >= 0 && (!isGo[id] || ran[id].Load() != 1 || seen[id]) {
			t.Fatalf("Wait returned %v: not a Go task that failed, or twice", err)
		}
		seen[id] = true
	}
	for id := range total {
		if isGo[id] && ran[id].Load() == 1 && stressKind(id) != 0 && !seen[id] {
			t.Fatalf("Go task %d failed, but no Wait returned its error", id)
		}
	}
	if ctxErrs > 2 || closedErrs > 2 {
		t.Errorf("ctx's error %d times, ErrClosed %d times; want at most once per Wait", ctxErrs, closedErrs)
	}

	s := p.Stats()
	checkInvariant(t, s)
	if s.Queued != 0 || s.Running != 0 || s.Completed != ranN || s.Failed != failedN {
		t.Errorf("Stats %+v: want none queued or running, %d completed, %d failed", s, ranN, failedN)
	}
	// Skipped Go tasks are known only in number: the skips beyond the
	// Futures' must fit in the Go calls that did not run.
	if goSkipped := s.Skipped - skippedFutures; goSkipped < 0 || goSkipped > goCalls-goRan {
		t.Errorf("Stats %+v: %d skipped Futures, %d of %d Go tasks ran", s, skippedFutures, goRan, goCalls)
	}
	if !doCancel && s.Skipped != 0 {
		t.Errorf("Stats %+v: skipped tasks without a cancel", s)
	}
}

// checkOutcome fails t unless a stress task id that ran gave what its kind
// says.
func checkOutcome(t *testing.T, id, v int, err error) {
	t.Helper()
	var pe *errgroupx.PanicError
	switch stressKind(id) {
	case 0:
		if v != id || err != nil {
			t.Fatalf("task %d: got %d, %v; want %d, nil", id, v, err, id)
		}
	case 1:
		if err != taskErr(id) {
			t.Fatalf("task %d: got %v, want its error", id, err)
		}
	case 2:
		if !errors.As(err, &pe) || pe.Value != id {
			t.Fatalf("task %d: got %v, want its panic", id, err)
		}
	}
}

// TestStressSubmitContext has submitters whose own contexts end at random
// moments, while their tasks wait for room, wait in the queue or run, and
// tasks that submit children to their own pool and wait for them. Every
// Future must complete once, with the task's result if it ran and with its
// ctx's error if not.
func TestStressSubmitContext(t *testing.T) {
	const submitters = 8
	perSubmitter := 2_000
	if testing.Short() {
		perSubmitter = 200
	}
	seed := *stressSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	workers, queue := 1+rng.IntN(4), rng.IntN(4)
	t.Logf("-stress.seed=%d: %d workers, QueueSize(%d)", seed, workers, queue)
	p := pool.New(context.Background(), workers, pool.QueueSize(queue))

	total := submitters * perSubmitter
	ran := make([]atomic.Int32, total)
	futures := make([]*pool.Future[int], total)
	var wg sync.WaitGroup
	for s := range submitters {
		r := rand.New(rand.NewPCG(seed, uint64(s)+1))
		wg.Go(func() {
			for j := range perSubmitter {
				id := s*perSubmitter + j
				ctx, cancel := context.WithCancel(context.Background())
				nested := r.IntN(4) == 0
				futures[id] = pool.SubmitContext(ctx, p, func(ctx context.Context) (int, error) {
					ran[id].Add(1)
					if !nested {
						return id, nil
					}
					child := pool.SubmitContext(ctx, p, func(context.Context) (int, error) { return 1, nil })
					// The child gives its result, or gives up with its
					// parent's ctx.
					switch v, err := child.WaitContext(ctx); {
					case err == nil && v != 1:
						return 0, fmt.Errorf("child returned %d", v)
					case err != nil && !errors.Is(err, context.Canceled):
						return 0, err
					}
					return id, nil
				})
				// Cancel now, later from another goroutine, or never.
				switch r.IntN(3) {
				case 0:
					cancel()
				case 1:
					go cancel()
				default:
					defer cancel()
				}
			}
		})
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	var ranN int64
	for id, f := range futures {
		n := ran[id].Load()
		ranN += int64(n)
		v, ok, err := f.TryWait()
		switch {
		case !ok:
			t.Fatalf("task %d: Future not complete after Close", id)
		case n > 1:
			t.Fatalf("task %d ran %d times", id, n)
		case n == 1 && (v != id || err != nil):
			t.Fatalf("task %d ran, and its Future says %d, %v", id, v, err)
		case n == 0 && (err == nil || err.Error() != callerCanceled):
			t.Fatalf("task %d never ran, and its Future says %d, %v", id, v, err)
		}
	}
	s := p.Stats()
	checkInvariant(t, s)
	// Children count too, so the tasks of the table are a lower bound.
	if s.Queued != 0 || s.Running != 0 || s.Completed < ranN {
		t.Errorf("Stats %+v: want none queued or running, at least %d completed", s, ranN)
	}
}
