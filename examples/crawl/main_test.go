package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// bfs returns the depth of every page of the site of n pages within
// maxDepth links of home, found one page after another, breadth first.
func bfs(n, maxDepth int) map[string]int {
	depth := map[string]int{"/p/0": 0}
	frontier := []string{"/p/0"}
	for d := 1; d <= maxDepth; d++ {
		var next []string
		for _, page := range frontier {
			var i int
			if _, err := fmt.Sscanf(page, "/p/%d", &i); err != nil {
				continue // a missing page has no links
			}
			for _, link := range linksOf(i, n) {
				if _, ok := depth[link]; !ok {
					depth[link] = d
					next = append(next, link)
				}
			}
		}
		frontier = next
	}
	return depth
}

// counting serves the site and counts the requests for each path.
type counting struct {
	http.Handler
	mu   sync.Mutex
	hits map[string]int
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hits[r.URL.Path]++
	c.mu.Unlock()
	c.Handler.ServeHTTP(w, r)
}

// The crawl finds every page within the depth at its shortest distance, as
// a breadth-first walk does, however its concurrent fetches interleave, and
// fetches each page once. A limit of 1 walks depth first, one page at a
// time: most pages are reached by a long path first.
func TestCrawlIsBreadthFirst(t *testing.T) {
	const n = 250
	tests := []struct{ limit, maxDepth int }{
		// A limit of 1 fetches one page after another: kept shallow, for speed.
		{1, 0}, {1, 1}, {1, 3},
		{3, 0}, {3, 2}, {3, 6},
		{20, 1}, {20, 4}, {20, 6},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("limit=%d/depth=%d", tt.limit, tt.maxDepth), func(t *testing.T) {
			site := &counting{Handler: siteHandler(n), hits: map[string]int{}}
			srv := httptest.NewServer(site)
			defer srv.Close()
			c, err := crawl(t.Context(), srv.URL+"/p/0", tt.maxDepth, tt.limit)
			if err != nil {
				t.Fatal(err)
			}

			want := bfs(n, tt.maxDepth)
			got := map[string]int{}
			for u, d := range c.depth {
				got[strings.TrimPrefix(u, srv.URL)] = d
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("depth of each page (-want +got):\n%s", diff)
			}
			var wantBroken []string
			for page := range want {
				if strings.HasPrefix(page, "/missing/") {
					wantBroken = append(wantBroken, srv.URL+page)
				}
			}
			slices.Sort(wantBroken)
			slices.Sort(c.broken)
			if diff := cmp.Diff(wantBroken, c.broken); diff != "" {
				t.Errorf("missing pages (-want +got):\n%s", diff)
			}
			for page, hits := range site.hits {
				if hits != 1 {
					t.Errorf("%s fetched %d times, want once", page, hits)
				}
			}
			if len(site.hits) != len(want) {
				t.Errorf("%d pages fetched, want %d", len(site.hits), len(want))
			}
		})
	}
}

// run prints the count of pages and of missing ones, then the missing ones.
func TestRun(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-n", "300", "-depth", "6"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	var pages, missing []string
	for page := range bfs(300, 6) {
		if strings.HasPrefix(page, "/p/") {
			pages = append(pages, page)
		} else {
			missing = append(missing, page)
		}
	}
	slices.Sort(missing)
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if want := fmt.Sprintf("%d pages, %d missing, in ", len(pages), len(missing)); !strings.HasPrefix(lines[0], want) {
		t.Errorf("summary %q, want it to begin %q", lines[0], want)
	}
	if len(lines)-1 != len(missing) {
		t.Fatalf("output %q, want the %d missing pages %v", &stdout, len(missing), missing)
	}
	for i, page := range missing {
		if line := lines[i+1]; !strings.HasPrefix(line, "missing: http://") || !strings.HasSuffix(line, page) {
			t.Errorf("line %q, want missing: %s", line, page)
		}
	}
}

// A redirect is a link: its target is fetched once however many paths lead
// to it, and a redirect to another site is not followed. A home URL without
// a path is the page that links to "/" name.
func TestRedirect(t *testing.T) {
	mux := http.NewServeMux()
	page := func(links ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for _, link := range links {
				fmt.Fprintf(w, "<a href=\"%s\">x</a>\n", link)
			}
		}
	}
	mux.Handle("GET /{$}", page("/a", "/b/", "/away"))
	mux.Handle("GET /a", http.RedirectHandler("/b/", http.StatusMovedPermanently))
	mux.Handle("GET /b/", page("/", "/a"))
	mux.Handle("GET /away", http.RedirectHandler("http://elsewhere.invalid/", http.StatusFound))
	site := &counting{Handler: mux, hits: map[string]int{}}
	srv := httptest.NewServer(site)
	defer srv.Close()

	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-url", srv.URL}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, &stderr)
	}
	if want := "4 pages, 0 missing, in "; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("output %q, want it to begin %q", &stdout, want)
	}
	want := map[string]int{"/": 1, "/a": 1, "/b/": 1, "/away": 1}
	site.mu.Lock()
	defer site.mu.Unlock()
	if diff := cmp.Diff(want, site.hits); diff != "" {
		t.Errorf("requests for each path (-want +got):\n%s", diff)
	}
}

// A page that fails with a 500 stops the crawl, with exit status 2.
func TestFatalError(t *testing.T) {
	site := siteHandler(1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/p/40" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-url", srv.URL + "/p/0"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit status %d, want 2; stdout:\n%s", code, &stdout)
	}
	if want := "crawl: " + srv.URL + "/p/40: 500 Internal Server Error\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", &stderr, want)
	}
}

// Ctrl-C in the middle of the crawl: exit status 130.
func TestInterrupt(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	site := siteHandler(1000)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 30 {
			interrupt()
		}
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var stdout, stderr strings.Builder
	if code := run(ctx, []string{"-url", srv.URL + "/p/0"}, &stdout, &stderr); code != 130 {
		t.Fatalf("exit status %d, want 130; stdout:\n%s", code, &stdout)
	}
	if !strings.HasPrefix(stdout.String(), "interrupted after ") {
		t.Errorf("stdout %q, want it to say interrupted", &stdout)
	}
}
