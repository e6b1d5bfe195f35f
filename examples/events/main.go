// Command events applies an event log to bank accounts on a pool, each
// account's events with pool.Pool.GoKey so that they apply one at a time, in
// the order they came, and different accounts in parallel; then it replays
// the log sequentially and checks that both give the same balances and the
// same refused withdrawals.
//
//	go run ./examples/events
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"sync"

	"github.com/fanout-go/fanout/pool"
)

func main() {
	n := flag.Int("events", 100_000, "events in the log")
	accounts := flag.Int("accounts", 1_000, "accounts")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *n, *accounts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// An event moves amount into account, or out of it if negative; a
// withdrawal beyond the balance is refused.
type event struct {
	account int
	amount  int
}

// ledger is the state events apply to.
type ledger struct {
	balance map[int]int
	refused map[int]int // per account
}

func newLedger() *ledger { return &ledger{balance: map[int]int{}, refused: map[int]int{}} }

// apply applies e; it touches e.account's entries alone.
func (l *ledger) apply(e event) {
	if l.balance[e.account]+e.amount < 0 {
		l.refused[e.account]++
		return
	}
	l.balance[e.account] += e.amount
}

func run(ctx context.Context, out io.Writer, n, accounts int) error {
	r := rand.New(rand.NewPCG(1, 2))
	log := make([]event, n)
	for i := range log {
		log[i] = event{account: r.IntN(accounts), amount: r.IntN(200) - 100}
	}

	// Per account, in parallel: one ledger per account, touched by that
	// account's tasks alone, which GoKey runs one at a time.
	p := pool.New(ctx, 8, pool.QueueSize(1024))
	parts := make([]*ledger, accounts)
	for i := range parts {
		parts[i] = newLedger()
	}
	var mu sync.Mutex
	applied := 0
	for _, e := range log {
		p.GoKey(e.account, func(context.Context) error {
			parts[e.account].apply(e)
			mu.Lock()
			applied++
			mu.Unlock()
			return nil
		})
	}
	if err := p.Close(); err != nil {
		return err
	}
	got := newLedger()
	for _, l := range parts {
		maps.Copy(got.balance, l.balance)
		maps.Copy(got.refused, l.refused)
	}

	want := newLedger() // the sequential replay
	for _, e := range log {
		want.apply(e)
	}
	refused := 0
	for _, c := range want.refused {
		refused += c
	}
	fmt.Fprintf(out, "%d events over %d accounts applied per account on 8 workers: %d\n", n, accounts, applied)
	fmt.Fprintf(out, "withdrawals refused: %d\n", refused)
	if !maps.Equal(got.balance, want.balance) || !maps.Equal(got.refused, want.refused) {
		return fmt.Errorf("the pool's ledger differs from the sequential replay")
	}
	fmt.Fprintln(out, "same balances and refusals as the sequential replay")
	return nil
}
