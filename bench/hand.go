package bench

import (
	"context"
	"iter"
	"slices"
	"sync"
)

// handUnordered is the stream of results as they finish that Go users write
// by hand: a goroutine feeds the items to limit workers through a channel,
// and the workers send their results to the caller through another.
func handUnordered(in iter.Seq[int], limit int, fn func(int) int, emit func(int)) {
	items, results := make(chan int), make(chan int)
	go func() {
		for v := range in {
			items <- v
		}
		close(items)
	}()
	var wg sync.WaitGroup
	for range limit {
		wg.Go(func() {
			for v := range items {
				results <- fn(v)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		emit(r)
	}
}

// unorderedOn is the stream of results as they finish built on a library
// that runs functions, at most limit at once: a goroutine reads in and
// submits a call per item, which sends its result on a channel that the
// caller reads, and then waits for the calls. submit blocks while limit
// calls run, so that few items are held.
func unorderedOn(in iter.Seq[int], fn func(int) int, emit func(int), submit func(func()), wait func()) {
	results := make(chan int)
	go func() {
		for v := range in {
			submit(func() { results <- fn(v) })
		}
		wait()
		close(results)
	}()
	for r := range results {
		emit(r)
	}
}

// handTree walks a tree by hand: limit goroutines, the caller's among them,
// take values from a shared stack, visit them, and push what each visit
// found, all at once after it. A goroutine that finds the stack empty while
// visits still run waits for them to push more. After a failure the stack is
// dropped and nothing more is pushed.
func handTree(ctx context.Context, start []int, limit int,
	visit func(context.Context, int) (int, int, error)) error {
	var (
		mu    sync.Mutex
		more  = sync.NewCond(&mu) // signaled when the stack grows or the walk ends
		stack = slices.Clone(start)
		// pending counts the values pushed and not yet visited to the end:
		// those on the stack and those being visited. The walk is over
		// when it is 0.
		pending = len(stack)
		first   error
	)
	work := func() {
		mu.Lock()
		defer mu.Unlock()
		for {
			for len(stack) == 0 && pending > 0 {
				more.Wait()
			}
			if pending == 0 {
				return
			}
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			mu.Unlock()
			lo, hi, err := visit(ctx, v)
			mu.Lock()
			if err != nil && first == nil {
				first = err
				pending -= len(stack)
				stack = nil
			}
			if err != nil || first != nil {
				hi = lo // a failed visit found nothing; after a failure nothing is pushed
			}
			for k := lo; k < hi; k++ {
				stack = append(stack, k)
			}
			if pending += hi - lo - 1; pending == 0 || hi > lo {
				more.Broadcast()
			}
		}
	}
	var wg sync.WaitGroup
	for range max(1, limit) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return first
}

// handPool is the shared pool Go users write by hand: workers goroutines
// that run the tasks sent on a channel, and a WaitGroup per group.
func handPool(workers int) (func(int, func(int)), func()) {
	tasks, stop := handWorkers(workers, 0)
	group := func(n int, task func(int)) {
		var done sync.WaitGroup
		done.Add(n)
		for i := range n {
			tasks <- func() {
				task(i)
				done.Done()
			}
		}
		done.Wait()
	}
	return group, stop
}

// handWorkers starts workers goroutines that run the tasks sent on a
// channel with room for buf, and returns it and a stop that closes it and
// waits for them.
func handWorkers(workers, buf int) (chan<- func(), func()) {
	tasks := make(chan func(), buf)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				t()
			}
		})
	}
	return tasks, func() {
		close(tasks)
		wg.Wait()
	}
}

// handGroups is [handPool] with a group per caller: workers goroutines on
// an unbuffered channel of tasks, so that an add blocks until a worker takes
// its task, and a WaitGroup per group.
func handGroups(workers int) (func() (func(func()), func()), func()) {
	tasks, stop := handWorkers(workers, 0)
	return func() (func(func()), func()) {
		var done sync.WaitGroup
		return func(task func()) {
			done.Add(1)
			tasks <- func() {
				task()
				done.Done()
			}
		}, done.Wait
	}, stop
}
