package bench

import (
	"context"
	"fmt"
	"time"
)

// The trees: node v has the children 10v+1, ..., 10v+10, those below the
// tree's size; node 0 is the root. A visit finds its node's children: work
// that finds more work as it goes, like a crawler or a directory walk.
const (
	treeFanout  = 10
	treeIOLimit = 50 // visits at once in the I/O tree
)

// treeTrial walks the tree of n nodes with a contender's Tree, at most limit
// visits at once, each sleeping for nap first if nap > 0, and checks that
// every node was visited once in each operation. With a nap its metric is
// x-ideal: the naps shared by limit visits at once, or one nap per level
// where the tree is deeper than that.
func treeTrial(c *Contender, n, limit int, nap time.Duration) *trial {
	visits := make([]int32, n) // visits[v] is written by v's visit alone
	ops := 0
	var err error
	visit := func(_ context.Context, v int) (lo, hi int, err error) {
		if nap > 0 {
			time.Sleep(nap)
		}
		visits[v]++
		lo = min(treeFanout*v+1, n)
		return lo, min(lo+treeFanout, n), nil
	}
	t := &trial{
		run: func() {
			ops++
			if e := c.Tree(context.Background(), []int{0}, limit, visit); e != nil {
				err = e
			}
		},
		check: func() error {
			if err != nil {
				return fmt.Errorf("no visit fails, but Tree returned %v", err)
			}
			return ranOncePerOp(visits, ops)
		},
	}
	if nap > 0 {
		t.metric = overIdeal(max(waves(n, limit), time.Duration(treeDepth(n))) * nap)
	}
	return t
}

// treeDepth returns how many levels the tree of n nodes has.
func treeDepth(n int) int {
	depth := 0
	for level, below := 1, 0; below < n; level *= treeFanout {
		below += level
		depth++
	}
	return depth
}
