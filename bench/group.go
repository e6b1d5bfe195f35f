package bench

// groupWorkers is the size of the pool that the groups share.
const groupWorkers = 8

// groupTrial starts a contender's shared pool, outside the timed part, and
// has each operation run a group of n tiny tasks on it and wait for them.
// It checks that each task ran once in every operation, and ends the pool
// after the last check.
func groupTrial(c *Contender, n int) *trial {
	group, closePool := c.SharedPool(groupWorkers)
	runs := make([]int32, n) // runs[i] is written by task i's call alone
	ops := 0
	return &trial{
		run: func() {
			ops++
			group(n, func(i int) { runs[i]++ })
		},
		check: func() error { return ranOncePerOp(runs, ops) },
		close: closePool,
	}
}
