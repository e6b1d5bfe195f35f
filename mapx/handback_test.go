package mapx_test

import (
	"context"
	"testing"

	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// The tests of the streams' hand-back: a result is yielded once its call
// and, for MapSeq, every call before it have returned, whatever the calls
// after it do.

// TestMapSeqYieldsBeforeABlockedCall ranges over an endless input whose
// calls from element k on block until the consumer breaks out, which it does
// after the k-th result: every result before the blocked calls must come.
func TestMapSeqYieldsBeforeABlockedCall(t *testing.T) {
	const k = 1000
	for _, limit := range []int{1, 4, 50} {
		broke := make(chan struct{})
		got := 0
		for v, err := range mapx.MapSeq(context.Background(), count(-1, nil), limit,
			func(ctx context.Context, v int) (int, error) {
				if v >= k {
					<-broke // the break cancels ctx too; wait for the consumer alone
				}
				return v, nil
			}) {
			if err != nil {
				t.Fatalf("limit %d: %v after %d results", limit, err, got)
			}
			if v != got {
				t.Fatalf("limit %d: result %d at position %d", limit, v, got)
			}
			if got++; got == k {
				close(broke)
				break
			}
		}
		if got != k {
			t.Fatalf("limit %d: %d results, want %d", limit, got, k)
		}
	}
}

// TestSettleSeqYieldsBesideABlockedCall blocks the call of one element until
// the consumer has the outcome of every element before it: those must come
// while it blocks, the ones handed out with it included.
func TestSettleSeqYieldsBesideABlockedCall(t *testing.T) {
	const n = 5000
	for _, limit := range []int{2, 8, 50} {
		for _, blocked := range []int{5, 300} {
			release := make(chan struct{})
			got, before := 0, 0
			for o := range mapx.SettleSeq(context.Background(), count(n, nil), limit,
				func(ctx context.Context, v int) (int, error) {
					if v == blocked {
						<-release
					}
					return v, nil
				}) {
				if o.Err != nil {
					t.Fatalf("limit %d: outcome %+v", limit, o)
				}
				got++
				if o.Index < blocked {
					if before++; before == blocked {
						close(release)
					}
				}
			}
			if got != n {
				t.Fatalf("limit %d, blocked %d: %d outcomes, want %d", limit, blocked, got, n)
			}
		}
	}
}

// TestSeqLendsThePoolWorker ranges over MapSeq and SettleSeq inside the task
// of a pool of one worker, with a fn that waits for a task of its own on that
// pool: the ranging goroutine must lend the task's worker while it waits, as
// Map does, or the child never runs.
func TestSeqLendsThePoolWorker(t *testing.T) {
	seqs := map[string]func(ctx context.Context, fn func(context.Context, int) (int, error)) int{
		"MapSeq": func(ctx context.Context, fn func(context.Context, int) (int, error)) int {
			n := 0
			for _, err := range mapx.MapSeq(ctx, count(20, nil), 2, fn) {
				if err != nil {
					t.Error(err)
				}
				n++
			}
			return n
		},
		"SettleSeq": func(ctx context.Context, fn func(context.Context, int) (int, error)) int {
			n := 0
			for o := range mapx.SettleSeq(ctx, count(20, nil), 2, fn) {
				if o.Err != nil {
					t.Error(o.Err)
				}
				n++
			}
			return n
		},
	}
	for name, seq := range seqs {
		t.Run(name, func(t *testing.T) {
			p := pool.New(context.Background(), 1)
			defer p.Close()
			n, err := pool.Submit(p, func(ctx context.Context) (int, error) {
				return seq(ctx, func(ctx context.Context, v int) (int, error) {
					return pool.SubmitContext(ctx, p, func(context.Context) (int, error) {
						return v, nil
					}).WaitContext(ctx)
				}), nil
			}).Wait()
			if err != nil || n != 20 {
				t.Fatalf("%d results, error %v; want 20, nil", n, err)
			}
		})
	}
}
