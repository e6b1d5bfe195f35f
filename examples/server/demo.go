package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fanout-go/fanout/mapx"
)

// demo is the built-in client of -demo: it sends n requests for 1 to 4
// pages to the server at base, clients at once, and checks each answer. A
// request refused with 503 is sent again once its Retry-After has passed, as
// a polite client does. demo prints what it saw, then the server's /stats,
// and returns 0, or 1 if an answer was wrong.
func demo(ctx context.Context, base string, n, clients int, w io.Writer) int {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = clients
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	var refusals atomic.Int64
	reqs := make([]int, n)
	for i := range reqs {
		reqs[i] = i
	}
	start := time.Now()
	err := mapx.ForEach(ctx, reqs, clients, func(ctx context.Context, i int) error {
		ids := make([]string, 1+i%4)
		for j := range ids {
			ids[j] = strconv.Itoa(i + j)
		}
		for {
			pages, retryAfter, err := getPages(ctx, client, base+"/pages?ids="+strings.Join(ids, ","))
			switch {
			case err != nil:
				return err
			case retryAfter > 0:
				refusals.Add(1)
				if !sleep(ctx, retryAfter) {
					return context.Cause(ctx)
				}
				continue
			case len(pages) != len(ids):
				return fmt.Errorf("request %d: %d pages, want %d", i, len(pages), len(ids))
			}
			for j, pg := range pages {
				if strconv.Itoa(pg.ID) != ids[j] || len(pg.Sections) == 0 {
					return fmt.Errorf("request %d: page %d is %+v, want page %s with its sections", i, j, pg, ids[j])
				}
			}
			return nil
		}
	})
	if ctx.Err() != nil {
		return 0 // Ctrl-C: the server's summary says the rest
	}
	if err != nil {
		fmt.Fprintln(w, "demo:", err)
		return 1
	}
	fmt.Fprintf(w, "demo: %d requests from %d clients answered in %v, after %d refusals with 503 each retried after its Retry-After\n",
		n, clients, time.Since(start).Round(time.Millisecond), refusals.Load())
	body, err := get(ctx, client, base+"/stats")
	if err != nil {
		fmt.Fprintln(w, "demo:", err)
		return 1
	}
	fmt.Fprintf(w, "GET /stats: %s", body)
	return 0
}

// getPages gets the pages at url. A 503 gives the time its Retry-After asks
// the client to wait, and no error.
func getPages(ctx context.Context, client *http.Client, url string) ([]Page, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var pages []Page
		err := json.NewDecoder(resp.Body).Decode(&pages)
		return pages, 0, err
	case http.StatusServiceUnavailable:
		_, _ = io.Copy(io.Discard, resp.Body) // so that the connection is reused
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || secs < 1 {
			return nil, 0, fmt.Errorf("503 with Retry-After %q, want whole seconds", resp.Header.Get("Retry-After"))
		}
		return nil, time.Duration(secs) * time.Second, nil
	}
	return nil, 0, errors.New(resp.Status)
}

// get gets the body at url.
func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// sleep waits for d, and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
