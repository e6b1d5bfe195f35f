package pool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
//
// keys, if not 0, gives the program 1 to 4 keys: bit 7 of a byte whose task
// is not nested then makes its call keyed (SubmitKey for the Submit calls,
// Pool.GoKey for Go and TryGo, Group.GoKey for the others), with key
// (id + keys>>2) % nkeys. Each keyed task records its key's sequence number
// when it starts; check wants them increasing, one task of a key at a time.
// Then checkTurns runs prog's first bytes as tasks of 2 to 5 groups (by
// keys>>4) queued behind held workers and checks the order they start in,
// and checkKeyOrder runs them as keyed tasks of those groups, all queued
// before any starts, and wants each key's to start in the order added, one
// at a time. Runs that hang fail after runDeadline, saying where.
func FuzzPool(f *testing.F) {
	f.Add(uint8(0), uint8(0), []byte{}, uint16(0), uint16(0), uint8(0))
	f.Add(uint8(3), uint8(4), []byte{0, 8, 2, 16, 24, 32, 40, 56, 7, 1, 3, 4, 5, 6}, uint16(99), uint16(99), uint8(0))
	f.Add(uint8(1), uint8(0), []byte{40, 40, 0, 1, 2, 3, 7, 0, 1, 2, 3}, uint16(5), uint16(99), uint8(0))
	f.Add(uint8(2), uint8(8), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, uint16(99), uint16(6), uint8(0))
	f.Add(uint8(4), uint8(16), []byte("every kind of call and task, canceled and closed"), uint16(20), uint16(30), uint8(0))
	f.Add(uint8(2), uint8(1), []byte{32, 34, 35, 32, 34, 36, 37, 39, 33, 32, 34}, uint16(7), uint16(7), uint8(0))
	f.Add(uint8(8), uint8(2), []byte{60, 61, 62, 63, 56, 57, 58, 59, 56, 60, 7, 56}, uint16(10), uint16(3), uint8(0))
	f.Add(uint8(3), uint8(6), []byte{0x80, 0x82, 0x84, 0x90, 0x98, 0xa0, 0x80, 0x82, 0x86, 0x81, 0x83, 0x85, 0x87, 0x80}, uint16(99), uint16(99), uint8(2))
	f.Add(uint8(1), uint8(2), []byte{0xa8, 0x80, 0x82, 0x84, 0xa8, 0x80, 0x82, 0x84, 0x90, 0x80, 0x07, 0x80}, uint16(9), uint16(99), uint8(0x11))
	f.Add(uint8(7), uint8(16), []byte{0xa8, 0xa8, 0x80, 0x98, 0x82, 0x84, 0xa8, 0x85, 0x81, 0x80, 0x82}, uint16(99), uint16(8), uint8(0x37))
	f.Fuzz(fuzzPool)
}

// fuzzPool is FuzzPool's body. It runs the program on a goroutine of its
// own (within), so that a run that hangs fails with where it hangs rather
// than hold the fuzzer until the test's timeout; the checks come after.
func fuzzPool(t *testing.T, workers, queue uint8, prog []byte, cancelAt, closeAt uint16, keys uint8) {
	if len(prog) > 400 {
		prog = prog[:400]
	}
	s := newFuzzRun(int(workers%8)+1, int(queue%17), len(prog))
	if keys != 0 {
		s.setKeys(1+int(keys&3), int(keys>>2))
	}
	defer s.cancel()
	deadline := time.Now().Add(runDeadline)
	within(t, deadline, func() string { return s.where(prog) }, func() { s.run(prog, int(cancelAt), int(closeAt)) })
	for _, st := range s.stats {
		checkInvariant(t, st)
	}
	s.check(t)
	checkTurns(t, deadline, int(workers%8)+1, 2+int(keys>>4&3), prog)
	checkKeyOrder(t, deadline, int(workers%8)+1, 1+int(keys&3), 2+int(keys>>4&3), prog)
}

// run makes prog's calls, cancels the pool's ctx before call cancelAt and
// launches Close before call closeAt, then closes the pool and waits for
// it. It does not use t: it may go on after within has failed t.
func (s *fuzzRun) run(prog []byte, cancelAt, closeAt int) {
	for i, b := range prog {
		s.at.Store(int32(i))
		if i == cancelAt {
			s.cancel()
			s.canceled = true
		}
		if i == closeAt {
			s.releaseAll()
			go func() { s.closed <- s.p.Close() }()
			s.closing = true
		}
		s.do(i, b)
		s.stats = append(s.stats, s.p.Stats())
	}
	s.at.Store(atClose)
	s.releaseAll()
	if s.closing {
		s.errs = append(s.errs, flatten(<-s.closed)...)
	} else {
		s.errs = append(s.errs, flatten(s.p.Close())...)
	}
	s.at.Store(atWait)
	s.errs = append(s.errs, flatten(s.p.Wait())...)
	s.waits += 2
	for _, cancel := range s.cancels {
		cancel()
	}
	s.at.Store(atGroups)
	s.waitGroups()
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

	// With bit 7 set, the task not nested, and keys in the program:
	cSubmitKey  // for cSubmit, cTrySubmit and the SubmitContext calls
	cGoKey      // Pool.GoKey, for cGo and cTryGo
	cGroupGoKey // Group.GoKey on a Group of its own, for cGo2 and cGoContext
)

// callOf returns the call that b says, in a program with keyed calls or not.
func callOf(b byte, keyed bool) int {
	call := int(b & 7)
	if keyed && b&(1<<7) != 0 && kinds[b>>3&7] != kNested && call != cWait {
		switch call {
		case cGo:
			return cGoKey
		case cGo2:
			return cGroupGoKey
		}
		return cSubmitKey
	}
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
	key, seq   int               // a keyed task's key and its number in it; key -1 if none
	group      *pool.Group[int]  // Group.GoKey's, of this task alone
	groupGave  string            // what its Wait gave
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
	errs              []error      // Wait's and Close's, flattened
	waits             int          // calls of Wait and Close
	stats             []pool.Stats // after each call

	at atomic.Int32 // the call run makes, or atClose, atWait, atGroups

	// The keys, if the program has any: keys[k] is key k's.
	keys     []fuzzKey
	keyShift int          // a task's key is (id + keyShift) % len(keys)
	heldKeys map[int]bool // the keys of the held tasks added since the last release
}

// fuzzKey is what a program knows of one of its keys.
type fuzzKey struct {
	added   int          // tasks added with it
	running atomic.Int32 // its tasks running
	mu      sync.Mutex
	started []int    // the sequence numbers of its tasks, as they started
	overlap []string // a task started while another of the key ran
}

// setKeys gives the program n keys.
func (s *fuzzRun) setKeys(n, shift int) {
	s.keys, s.keyShift = make([]fuzzKey, n), shift
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
	clear(s.heldKeys)
}

// do makes the call that b says, as call id.
func (s *fuzzRun) do(id int, b byte) {
	tk := &s.tasks[id]
	tk.call, tk.kind, tk.inGroup = callOf(b, s.keys != nil), kinds[b>>3&7], b&(1<<7) != 0
	tk.afterCancel, tk.afterClose = s.canceled, s.closing
	tk.key = -1
	if keyed(tk.call) {
		tk.key = (id + s.keyShift) % len(s.keys)
		k := &s.keys[tk.key]
		tk.seq = k.added
		k.added++
	}
	if tk.call == cWait {
		s.releaseAll()
		s.errs = append(s.errs, flatten(s.p.Wait())...)
		s.waits++
		return
	}
	if !tries(tk.call) && (s.held >= s.workers || tk.key >= 0 && s.heldKeys[tk.key]) {
		// Every worker may be held, or the key's tasks wait for a held
		// one: a call that blocks on a full queue would wait for ever. Let
		// them go first.
		s.releaseAll()
	}
	if tk.kind == kHeld {
		s.held++
		if tk.key >= 0 {
			if s.heldKeys == nil {
				s.heldKeys = make(map[int]bool)
			}
			s.heldKeys[tk.key] = true
		}
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
	case cSubmitKey:
		tk.future = pool.SubmitKey(s.p, fuzzKeyID(tk.key), fn)
	case cGoKey:
		s.p.GoKey(fuzzKeyID(tk.key), func(ctx context.Context) error { _, err := fn(ctx); return err })
	case cGroupGoKey:
		tk.group = pool.NewGroup[int](context.Background(), s.p)
		tk.group.GoKey(fuzzKeyID(tk.key), fn)
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

// fuzzKeyID is the key the pool sees for a program's key k.
type fuzzKeyID int

// keyed reports whether call adds a task with a key.
func keyed(call int) bool {
	return call == cSubmitKey || call == cGoKey || call == cGroupGoKey
}

// waitGroups waits for the Groups of Group.GoKey, once the pool is closed.
func (s *fuzzRun) waitGroups() {
	for id := range s.tasks {
		tk := &s.tasks[id]
		if tk.group == nil {
			continue
		}
		tk.groupGave = groupGave(tk.group)
	}
}

// groupGave says what g's Wait gave for its one task: Wait panics with a
// task's panic.
func groupGave(g *pool.Group[int]) (gave string) {
	defer func() {
		if r := recover(); r != nil {
			err, _ := r.(error)
			gave = describe(0, err)
		}
	}()
	if vs, err := g.Wait(); err != nil {
		return describe(0, err)
	} else {
		return describe(vs[0], nil)
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
		if tk.key >= 0 {
			k := &s.keys[tk.key]
			k.begin(id, tk.seq)
			defer k.end() // as it returns, panics or calls Goexit
		}
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
