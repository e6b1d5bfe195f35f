package pool_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-go/fanout/pool"
)

// begin records that task id, number seq of key k, starts, and whether
// another of k's runs.
func (k *fuzzKey) begin(id, seq int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := k.running.Add(1); n != 1 {
		k.overlap = append(k.overlap, fmt.Sprintf("task %d (number %d) started with %d of its key running", id, seq, n-1))
	}
	k.started = append(k.started, seq)
}

// end records that a task of k returned, panicked or called Goexit.
func (k *fuzzKey) end() { k.running.Add(-1) }

// checkKeyOrder queues prog's first 64 bytes as keyed tasks behind workers
// held by a gate: byte b's with key b % keys, added by Group.GoKey on group
// b>>2 % (groups+1), or by Pool.GoKey for the last; then frees every worker
// and checks that each key's tasks all ran, one at a time, in the order
// added. All are queued before any starts, so each key's later tasks wait
// in the queue behind its first, whatever the submitter's pace: FuzzPool's
// programs let a key's held task go before they add another of its key.
func checkKeyOrder(t *testing.T, deadline time.Time, workers, keys, groups int, prog []byte) {
	t.Helper()
	if len(prog) > 64 {
		prog = prog[:64]
	}
	ks := make([]fuzzKey, keys)
	var started sync.WaitGroup
	var n atomic.Int32 // tasks started
	var errs []error   // the Groups' Wait's, the Pool's Wait's and Close's
	where := func() string {
		return fmt.Sprintf("in checkKeyOrder (prog %x), %d of %d tasks started%s", prog, n.Load(), len(prog), brokenSoFar(ks))
	}
	within(t, deadline, where, func() {
		p := pool.New(context.Background(), workers, pool.QueueSize(len(prog)))
		gate := make(chan struct{})
		var up sync.WaitGroup
		up.Add(workers)
		for range workers {
			p.Go(func(context.Context) error { up.Done(); <-gate; return nil })
		}
		up.Wait()
		gs := make([]*pool.Group[int], groups)
		for i := range gs {
			gs[i] = pool.NewGroup[int](context.Background(), p)
		}
		started.Add(len(prog))
		for i, b := range prog {
			k := &ks[int(b)%keys]
			seq := k.added
			k.added++
			fn := func(context.Context) (int, error) {
				k.begin(i, seq)
				defer k.end()
				n.Add(1)
				started.Done()
				return i, nil
			}
			if g := int(b>>2) % (groups + 1); g < groups {
				gs[g].GoKey(int(b)%keys, fn)
			} else {
				p.GoKey(int(b)%keys, func(ctx context.Context) error { _, err := fn(ctx); return err })
			}
		}
		close(gate)
		started.Wait()
		for i, g := range gs {
			if _, err := g.Wait(); err != nil {
				errs = append(errs, fmt.Errorf("group %d: Wait returned %w", i, err))
			}
		}
		if err := p.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("Wait returned %w", err))
		}
		if err := p.Close(); err != nil {
			errs = append(errs, fmt.Errorf("Close returned %w", err))
		}
	})
	for _, err := range errs {
		t.Error(err)
	}
	for i := range ks {
		k := &ks[i]
		for _, o := range k.overlap {
			t.Errorf("checkKeyOrder: key %d: %s", i, o)
		}
		var want []int // 0 to added-1
		for j := range k.added {
			want = append(want, j)
		}
		if diff := cmp.Diff(want, k.started); diff != "" {
			t.Errorf("checkKeyOrder: key %d: its tasks started in the order %v, not the order added (-want +got):\n%s", i, k.started, diff)
		}
	}
}
