package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/pool"
)

// maxPages is the most pages one request may ask for.
const maxPages = 16

// A Page is one page of the made-up site, assembled from its sections.
type Page struct {
	ID       int      `json:"id"`
	Sections []string `json:"sections"`
}

// fetchFunc gets one section of a page from the backend.
type fetchFunc func(ctx context.Context, page, section int) (string, error)

// slowBackend stands in for a database or another service: each section
// takes latency to arrive, unless ctx ends first.
func slowBackend(latency time.Duration) fetchFunc {
	return func(ctx context.Context, page, section int) (string, error) {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
			return fmt.Sprintf("page %d, section %d", page, section), nil
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}
}

// An api serves the pages of the site, each request on the one pool that all
// of them share, and the pool's counters.
type api struct {
	pool     *pool.Pool
	sections int // sections a page is assembled from
	fetch    fetchFunc
	log      *log.Logger

	served, refused atomic.Int64 // requests for pages answered 200, and 503
	inFlight        atomic.Int64 // requests being handled now
	handlers        sync.WaitGroup
}

// routes returns the api's handler:
//
//	GET /pages?ids=1,2,3  the pages, as JSON; 503 and Retry-After when busy
//	GET /stats            the pool's counters and the requests', as JSON
func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pages", a.pages)
	mux.HandleFunc("GET /stats", a.stats)
	return a.tracked(mux)
}

// pages answers GET /pages?ids=1,2,3 with the pages of those ids, in order.
func (a *api) pages(w http.ResponseWriter, r *http.Request) {
	ids, err := parseIDs(r.URL.Query().Get("ids"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The request is admitted whole or not at all: its work enters the
	// shared queue as one task, which fans out inside the pool. TryGo never
	// blocks: a full queue is answered at once with 503, which tells the
	// client when to come back, rather than holding its connection while
	// the backlog grows. The group's tasks end with r.Context(), when the
	// client goes away.
	g := pool.NewGroup[[]Page](r.Context(), a.pool)
	if !g.TryGo(func(ctx context.Context) ([]Page, error) { return a.render(ctx, ids) }) {
		_, _ = g.Wait() // nothing to wait for: it lets the group go
		a.refused.Add(1)
		w.Header().Set("Retry-After", "1") // seconds
		http.Error(w, "busy: retry in a second", http.StatusServiceUnavailable)
		return
	}
	// Wait panics with the first panic of any task under this one, however
	// deep, as its own *errgroupx.PanicError: see tracked.
	out, err := g.Wait() // out[0]: the group's one task's pages
	switch {
	case r.Context().Err() != nil:
		return // the client is gone: nobody reads an answer
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	a.served.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out[0])
}

// render assembles the pages of ids, all at once. It runs as a task of the
// pool, and so do the pages and their sections: a Group made with a task's
// ctx holds that task's children, which Go adds without ever blocking on the
// full queue, and its Wait lends the task's worker to them. However deep the
// nesting, no more task functions run at once than the pool has workers.
func (a *api) render(ctx context.Context, ids []int) ([]Page, error) {
	g := pool.NewGroup[Page](ctx, a.pool)
	for _, id := range ids {
		g.Go(func(ctx context.Context) (Page, error) { return a.page(ctx, id) })
	}
	return g.Wait()
}

// page assembles one page from its sections, fetched at once. The first
// section that fails cancels the others' ctx.
func (a *api) page(ctx context.Context, id int) (Page, error) {
	g := pool.NewGroup[string](ctx, a.pool)
	for s := range a.sections {
		g.Go(func(ctx context.Context) (string, error) { return a.fetch(ctx, id, s) })
	}
	sections, err := g.Wait()
	if err != nil {
		return Page{}, fmt.Errorf("page %d: %w", id, err)
	}
	return Page{ID: id, Sections: sections}, nil
}

// statsReply is the body of GET /stats.
type statsReply struct {
	Served   int64      `json:"served"`   // requests for pages answered 200
	Refused  int64      `json:"refused"`  // and 503, the queue being full
	InFlight int64      `json:"inFlight"` // requests being handled now, this one too
	Pool     pool.Stats `json:"pool"`
}

// stats answers GET /stats with the counters, as JSON.
func (a *api) stats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(statsReply{
		Served:   a.served.Load(),
		Refused:  a.refused.Load(),
		InFlight: a.inFlight.Load(),
		Pool:     a.pool.Stats(),
	})
}

// tracked counts the requests in flight, so that a shutdown whose grace
// period ran out can still wait for their handlers, and answers a panic
// with 500 and a log line. The panic of a task comes from Wait as the
// *errgroupx.PanicError of the task that panicked, whichever Group of
// whichever task it was in, and its text holds that task's stack.
func (a *api) tracked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.handlers.Add(1)
		a.inFlight.Add(1)
		defer func() {
			a.inFlight.Add(-1)
			a.handlers.Done()
		}()
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http's own way to cut a reply short
				panic(v)
			}
			a.log.Printf("%s %s: panic: %v", r.Method, r.URL, v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}()
		h.ServeHTTP(w, r)
	})
}

// parseIDs parses "1,2,3" into 1 to maxPages page ids.
func parseIDs(s string) ([]int, error) {
	if s == "" {
		return nil, errors.New("ids: want ?ids=1,2,3")
	}
	fields := strings.Split(s, ",")
	if len(fields) > maxPages {
		return nil, fmt.Errorf("ids: %d pages, want at most %d", len(fields), maxPages)
	}
	ids := make([]int, len(fields))
	for i, f := range fields {
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("ids: %q is not a page id", f)
		}
		ids[i] = id
	}
	return ids, nil
}
