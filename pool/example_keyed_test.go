package pool_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/fanout-go/fanout/pool"
)

// Events of one account apply in the order they came, one at a time; the
// accounts apply in parallel.
func ExampleSubmitKey() {
	p := pool.New(context.Background(), 4)
	var mu sync.Mutex
	balance := map[string]int{}
	apply := func(account string, amount int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			if balance[account]+amount < 0 {
				return balance[account], fmt.Errorf("%s: overdrawn by %d", account, -amount)
			}
			balance[account] += amount
			return balance[account], nil
		}
	}
	var last []*pool.Future[int]
	for _, e := range []struct {
		account string
		amount  int
	}{{"ann", 10}, {"bob", 5}, {"ann", -15}, {"ann", 20}, {"bob", -5}, {"ann", -30}} {
		last = append(last, pool.SubmitKey(p, e.account, apply(e.account, e.amount)))
	}
	for _, f := range last {
		fmt.Println(f.Wait())
	}
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 10 <nil>
	// 5 <nil>
	// 10 ann: overdrawn by 15
	// 30 <nil>
	// 0 <nil>
	// 0 <nil>
}

// GoKey's errors go to Wait, and a failed task does not stop its key.
func ExamplePool_GoKey() {
	p := pool.New(context.Background(), 2)
	var mu sync.Mutex
	var log []string
	for i := range 4 {
		p.GoKey("file.txt", func(context.Context) error {
			if i == 1 {
				return fmt.Errorf("write %d failed", i)
			}
			mu.Lock()
			log = append(log, fmt.Sprint("write ", i))
			mu.Unlock()
			return nil
		})
	}
	fmt.Println(p.Wait())
	fmt.Println(log)
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// write 1 failed
	// [write 0 write 2 write 3]
}

// A request's keyed tasks: each user's updates in order, the group's values
// in the order added.
func ExampleGroup_GoKey() {
	p := pool.New(context.Background(), 4)
	g := pool.NewGroup[string](context.Background(), p)
	for i, user := range []string{"ann", "bob", "ann", "bob"} {
		g.GoKey(user, func(context.Context) (string, error) {
			return fmt.Sprint(user, " update ", i), nil
		})
	}
	fmt.Println(g.Wait())
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [ann update 0 bob update 1 ann update 2 bob update 3] <nil>
}
