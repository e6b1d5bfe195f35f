package bench

import (
	"github.com/alitto/pond/v2"
	"golang.org/x/sync/errgroup"
)

// errgroupHash and pondHash keep the tasks of a key in order the way users
// do without a keyed pool: a worker per key, picked by key % workers, each
// worker a goroutine of the library that runs the tasks sent on its own
// channel (a buffer of keyedHashBuf) in order. A slow task stalls every key
// of its worker, and the adding goroutine once that worker's channel is
// full. They do the keyed workloads alone; their unkeyed runs are errgroup's
// and pond's Go.
var (
	errgroupHash = &Contender{
		Name:   "errgroup-hash",
		Module: "golang.org/x/sync",
		Note:   "worker per key: key % 8 picks a channel, each drained by one errgroup goroutine",
		Keyed: func(workers int) (func(int, func()), func()) {
			var g errgroup.Group
			return hashKeyed(workers, func(f func()) { g.Go(func() error { f(); return nil }) },
				func() { _ = g.Wait() })
		},
		goOf: errgroupC,
	}
	pondHash = &Contender{
		Name:   "pond-hash",
		Module: "github.com/alitto/pond/v2",
		Note:   "worker per key: key % 8 picks a channel, each drained by one task of a pond pool",
		Keyed: func(workers int) (func(int, func()), func()) {
			p := pond.NewPool(workers)
			return hashKeyed(workers, func(f func()) {
				if err := p.Go(f); err != nil {
					panic(err) // a running pool accepts every task
				}
			}, p.StopAndWait)
		},
		goOf: pondC,
	}
)
