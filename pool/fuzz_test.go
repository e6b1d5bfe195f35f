package pool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/fanout-go/fanout/pool"
)

// FuzzPool runs a program of calls on a pool, from one submitter, and checks
// every task against a sequential oracle (see fuzz_oracle_test.go):
//
//	go test -run '^$' -fuzz FuzzPool ./pool
//
// Each byte of prog is a call (its low 3 bits: Submit, TrySubmit, Go twice,
// SubmitContext with a caller's ctx that lives, ends after the call or has
// ended before it, or Wait) of a task of some kind (the next 3 bits: returns
// its id twice, returns an error, panics, calls runtime.Goexit, waits for a
// release or its ctx's end twice, or submits a child with its ctx and waits
// for it). Bit 6 turns TrySubmit into TrySubmitContext and the Go calls
// into TryGo and GoContext; bit 7 has a nested task run its child in a
// Group made with its ctx. The pool's ctx is canceled before call cancelAt
// and Close begins, on a goroutine of its own, before call closeAt, if prog
// is that long.
func FuzzPool(f *testing.F) {
	f.Add(uint8(0), uint8(0), []byte{}, uint16(0), uint16(0))
	f.Add(uint8(3), uint8(4), []byte{0, 8, 2, 16, 24, 32, 40, 56, 7, 1, 3, 4, 5, 6}, uint16(99), uint16(99))
	f.Add(uint8(1), uint8(0), []byte{40, 40, 0, 1, 2, 3, 7, 0, 1, 2, 3}, uint16(5), uint16(99))
	f.Add(uint8(2), uint8(8), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, uint16(99), uint16(6))
	f.Add(uint8(4), uint8(16), []byte("every kind of call and task, canceled and closed"), uint16(20), uint16(30))
	f.Add(uint8(2), uint8(1), []byte{32, 34, 35, 32, 34, 36, 37, 39, 33, 32, 34}, uint16(7), uint16(7))
	f.Add(uint8(8), uint8(2), []byte{60, 61, 62, 63, 56, 57, 58, 59, 56, 60, 7, 56}, uint16(10), uint16(3))
	f.Fuzz(func(t *testing.T, workers, queue uint8, prog []byte, cancelAt, closeAt uint16) {
		if len(prog) > 400 {
			prog = prog[:400]
		}
		s := newFuzzRun(int(workers%8)+1, int(queue%17), len(prog))
		defer s.cancel()
		for i, b := range prog {
			if i == int(cancelAt) {
				s.cancel()
				s.canceled = true
			}
			if i == int(closeAt) {
				s.releaseAll()
				go func() { s.closed <- s.p.Close() }()
				s.closing = true
			}
			s.do(i, b)
			checkInvariant(t, s.p.Stats())
		}
		s.releaseAll()
		if s.closing {
			s.errs = append(s.errs, flatten(<-s.closed)...)
		} else {
			s.errs = append(s.errs, flatten(s.p.Close())...)
		}
		s.errs = append(s.errs, flatten(s.p.Wait())...)
		s.waits += 2
		for _, cancel := range s.cancels {
			cancel()
		}
		s.check(t)
	})
}

// Task kinds, from bits 3 to 5 of a program's byte.
const (
	kValue  = iota // returns its id
	kError         // returns fuzzErr{id, nil}
	kPanic         // panics with its id
	kGoexit        // calls runtime.Goexit
	kHeld          // returns its id at its release, or fuzzErr{id, ctx.Err()}
	kNested        // submits a child with its ctx, waits for it, returns its id
)

var kinds = [8]int{kValue, kValue, kError, kPanic, kGoexit, kHeld, kHeld, kNested}

// Calls, from the low 3 bits of a program's byte.
const (
	cSubmit = iota
	cTrySubmit
	cGo
	cGo2
	cContext      // SubmitContext with a caller's ctx that lives
	cContextEnds  // SubmitContext with a ctx canceled after the call
	cContextEnded // SubmitContext with a ctx canceled before the call
	cWait         // Pool.Wait; no task

	// With bit 6 of the byte set:
	cTrySubmitContext // for cTrySubmit, with a caller's ctx that lives
	cTryGo            // for cGo
	cGoContext        // for cGo2, with a caller's ctx that lives
)

// callOf returns the call that b says.
func callOf(b byte) int {
	call := int(b & 7)
	if b&(1<<6) != 0 {
		switch call {
		case cTrySubmit:
			return cTrySubmitContext
		case cGo:
			return cTryGo
		case cGo2:
			return cGoContext
		}
	}
	return call
}

// fuzzErr is the error of a fuzz task: its id and, for a held or nested
// task, what ended its wait.
type fuzzErr struct {
	id    int
	cause error
}

func (e fuzzErr) Error() string { return fmt.Sprintf("task %d: %v", e.id, e.cause) }
func (e fuzzErr) Unwrap() error { return e.cause }

// fuzzTask is what the submitter knows of the task of the call at its index.
type fuzzTask struct {
	call, kind int
	inGroup    bool // a nested task runs its child in a Group
	ran        atomic.Int32
	childRan   atomic.Int32      // whether a nested task's child ran
	future     *pool.Future[int] // nil for Go and Wait, and for TrySubmit's false
	refused    bool              // TrySubmit reported false
	// Whether the pool's ctx had been canceled, or Close launched, before
	// the call.
	afterCancel, afterClose bool
}

// fuzzRun is one run of a program.
type fuzzRun struct {
	p       *pool.Pool
	cancel  context.CancelFunc
	workers int
	tasks   []fuzzTask
	cancels []context.CancelFunc // of SubmitContext's ctxs, for the end

	release chan struct{} // closed to release the held tasks added since the last release
	held    int           // held tasks added since then

	canceled, closing bool
	closed            chan error
	errs              []error // Wait's and Close's, flattened
	waits             int     // calls of Wait and Close
}

func newFuzzRun(workers, queue, n int) *fuzzRun {
	ctx, cancel := context.WithCancel(context.Background())
	return &fuzzRun{
		p:       pool.New(ctx, workers, pool.QueueSize(queue)),
		cancel:  cancel,
		workers: workers,
		tasks:   make([]fuzzTask, n),
		release: make(chan struct{}),
		closed:  make(chan error, 1),
	}
}

// releaseAll lets every held task return.
func (s *fuzzRun) releaseAll() {
	close(s.release)
	s.release, s.held = make(chan struct{}), 0
}

// do makes the call that b says, as call id.
func (s *fuzzRun) do(id int, b byte) {
	tk := &s.tasks[id]
	tk.call, tk.kind, tk.inGroup = callOf(b), kinds[b>>3&7], b&(1<<7) != 0
	tk.afterCancel, tk.afterClose = s.canceled, s.closing
	if tk.call == cWait {
		s.releaseAll()
		s.errs = append(s.errs, flatten(s.p.Wait())...)
		s.waits++
		return
	}
	if !tries(tk.call) && s.held >= s.workers {
		// Every worker may be held: a call that blocks on a full queue
		// would wait for ever. Let them go first.
		s.releaseAll()
	}
	if tk.kind == kHeld {
		s.held++
	}
	fn := s.task(id)
	switch tk.call {
	case cSubmit:
		tk.future = pool.Submit(s.p, fn)
	case cTrySubmit:
		tk.future, _ = pool.TrySubmit(s.p, fn)
		tk.refused = tk.future == nil
	case cGo, cGo2:
		s.p.Go(func(ctx context.Context) error { _, err := fn(ctx); return err })
	case cTryGo:
		tk.refused = !s.p.TryGo(func(ctx context.Context) error { _, err := fn(ctx); return err })
	case cGoContext:
		s.p.GoContext(context.Background(), func(ctx context.Context) error { _, err := fn(ctx); return err })
	case cTrySubmitContext:
		tk.future, _ = pool.TrySubmitContext(context.Background(), s.p, fn)
		tk.refused = tk.future == nil
	default:
		ctx, cancel := context.WithCancel(context.Background())
		if tk.call == cContextEnded {
			cancel()
		}
		tk.future = pool.SubmitContext(ctx, s.p, fn)
		if tk.call == cContextEnds {
			cancel()
		}
		s.cancels = append(s.cancels, cancel) // cContext's lives on
	}
}

// tries reports whether call never blocks.
func tries(call int) bool {
	return call == cTrySubmit || call == cTrySubmitContext || call == cTryGo
}

// task returns the function of task id, of the kind the program gave it.
func (s *fuzzRun) task(id int) func(context.Context) (int, error) {
	tk := &s.tasks[id]
	release := s.release
	return func(ctx context.Context) (int, error) {
		tk.ran.Add(1)
		switch tk.kind {
		case kError:
			return 0, fuzzErr{id, nil}
		case kPanic:
			panic(id)
		case kGoexit:
			runtime.Goexit()
		case kHeld:
			select {
			case <-release:
			case <-ctx.Done():
				return 0, fuzzErr{id, ctx.Err()}
			}
		case kNested:
			child := func(context.Context) (int, error) {
				tk.childRan.Add(1)
				return -1, nil
			}
			var v int
			var err error
			if tk.inGroup {
				g := pool.NewGroup[int](ctx, s.p)
				g.Go(child)
				var vs []int
				if vs, err = g.Wait(); err == nil {
					v = vs[0]
				}
			} else {
				v, err = pool.SubmitContext(ctx, s.p, child).WaitContext(ctx)
			}
			switch {
			case err != nil:
				return 0, fuzzErr{id, err}
			case v != -1:
				return 0, fuzzErr{id, fmt.Errorf("child returned %d", v)}
			}
		}
		return id, nil
	}
}
