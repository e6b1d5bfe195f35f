package pool_test

import (
	"context"
	"testing"

	"github.com/fanout-go/fanout/internal/nest"
	"github.com/fanout-go/fanout/mapx"
	"github.com/fanout-go/fanout/pool"
)

// The waits of the goroutines a task hands its ctx to (mapx's fn, waiting
// for a child with WaitContext while the task waits in Map) read no
// goroutine id: their ctx tells them apart from the task's goroutine.
func TestNestedWaitContextReadsNoGoroutineID(t *testing.T) {
	const items = 400
	p := pool.New(context.Background(), 2)
	defer p.Close()
	var reads int64
	f := pool.Submit(p, func(ctx context.Context) (int, error) {
		before := nest.Reads()
		out, err := mapx.Map(ctx, make([]int, items), 4, func(ctx context.Context, _ int) (int, error) {
			return pool.SubmitContext(ctx, p, returns(1)).WaitContext(ctx)
		})
		reads = nest.Reads() - before
		return len(out), err
	})
	if n, err := f.Wait(); n != items || err != nil {
		t.Fatalf("%d, %v", n, err)
	}
	// Map's own wait reads it once; a worker or helper goroutine started
	// meanwhile, once each (2 workers, one helper a level).
	if reads > 8 {
		t.Errorf("Map over %d items, each waiting for a child, read the goroutine id %d times", items, reads)
	}
}
