// Crawl visits the pages of a web site that lie within -depth links of its
// home page, -limit fetches at once, each page once, and stops at the first
// fatal error: a task (fetch a page) that spawns sub-tasks (fetch its links),
// on an errgroupx.Group with a limit.
//
//	go run ./examples/crawl                    # a generated site of 1000 pages
//	go run ./examples/crawl -depth 2 -url http://localhost:6060/
//
// By default it crawls a site served on the loopback (server.go). A link to a
// missing page (404) is reported, not fatal; any other failure (a 500, a
// refused connection, a timeout) stops the crawl. Exit status: 0 done, 1 a
// fatal error, 130 interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/fanout-go/fanout/errgroupx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C, give the signal back: a second one kills at once.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program but for the process, so that main_test.go can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("crawl", flag.ContinueOnError)
	flags.SetOutput(stderr)
	n := flags.Int("n", 1000, "pages of the generated site")
	home := flags.String("url", "", "crawl the site of this home page `URL` instead")
	maxDepth := flags.Int("depth", 6, "links to follow from the home page")
	limit := flags.Int("limit", 20, "pages fetched at once")
	if flags.Parse(args) != nil {
		return 2
	}
	if *home == "" {
		srv := newSite(*n)
		defer srv.Close()
		*home = srv.URL + "/p/0"
	}
	homeURL, err := url.Parse(*home)
	if err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 2
	}
	if homeURL.Path == "" {
		homeURL.Path = "/" // as its links will name it
	}
	start := time.Now()
	c, err := crawl(ctx, homeURL, *maxDepth, max(*limit, 1))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stdout, "interrupted after %d pages\n", len(c.links))
		return 130
	case err != nil:
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	perDepth := make([]int, *maxDepth+1)
	for u, d := range c.depth {
		if c.links[u] != nil { // not a missing page
			perDepth[d]++
		}
	}
	fmt.Fprintf(stdout, "%d pages in %v; at each depth: %v\n", len(c.depth)-len(c.broken),
		time.Since(start).Round(time.Millisecond), perDepth)
	slices.Sort(c.broken)
	for i, u := range c.broken {
		if i == 10 {
			fmt.Fprintf(stdout, "... and %d more missing\n", len(c.broken)-i)
			break
		}
		fmt.Fprintln(stdout, "missing:", u)
	}
	return 0
}

type crawler struct {
	client   *http.Client
	home     *url.URL
	maxDepth int
	g        *errgroupx.Group
	ctx      context.Context // g's, canceled at the first fatal error

	mu     sync.Mutex
	depth  map[string]int      // the shallowest depth each page was reached at
	links  map[string][]string // the links of each page fetched (none if missing)
	broken []string            // the missing pages
}

// crawl visits the site of home and returns what it found, also when it
// stopped early.
func crawl(ctx context.Context, home *url.URL, maxDepth, limit int) (*crawler, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = limit
	defer transport.CloseIdleConnections()
	g, gctx := errgroupx.WithContext(ctx)
	g.SetLimit(limit)
	c := &crawler{
		client: &http.Client{Transport: transport, Timeout: 10 * time.Second},
		home:   home, maxDepth: maxDepth, g: g, ctx: gctx,
		depth: map[string]int{}, links: map[string][]string{},
	}
	g.Go(func() error { return c.visit(home.String(), 0) })
	return c, g.Wait()
}

// visit records that page u was reached at depth d, and sees to it that u is
// fetched once and its links followed from the shallowest depth u is
// reached at. Tasks run in no particular order, so a page may be reached by
// a long path first and by a shorter one later: then its links are followed
// again, further, from the links kept, without fetching it again.
func (c *crawler) visit(u string, d int) error {
	c.mu.Lock()
	old, reached := c.depth[u]
	if reached && old <= d {
		c.mu.Unlock()
		return nil
	}
	c.depth[u] = d
	links, fetched := c.links[u]
	c.mu.Unlock()
	switch {
	case fetched:
		return c.follow(links, d)
	case reached:
		return nil // being fetched: fetch follows its links from the new depth
	case c.ctx.Err() != nil:
		return c.ctx.Err() // the crawl failed or was interrupted: start nothing
	}
	fetch := func() error { return c.fetch(u) }
	// Not g.Go, which waits while limit goroutines run: visit is called by
	// those goroutines, and once every one of them waits to add a child,
	// none will ever finish to make room. So: a new goroutine if there is
	// room, and if not, this one, which holds a place in the limit already
	// (it recurses no deeper than -depth). Also sound: a goroutine per page
	// with a semaphore around the fetch alone; or mapx.Map over one depth
	// at a time, which waits for the slowest page of each depth.
	if c.g.TryGo(fetch) {
		return nil
	}
	return fetch()
}

// fetch gets page u and follows its links from u's depth at that moment;
// a later, shallower visit of u follows them from its own.
func (c *crawler) fetch(u string) error {
	links, err := c.get(u)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if links == nil {
		c.broken = append(c.broken, u)
	}
	c.links[u] = links
	d := c.depth[u]
	c.mu.Unlock()
	return c.follow(links, d)
}

func (c *crawler) follow(links []string, d int) error {
	if d == c.maxDepth {
		return nil
	}
	for _, link := range links {
		if err := c.visit(link, d+1); err != nil {
			return err
		}
	}
	return nil
}

// href finds links. Real HTML wants a parser (golang.org/x/net/html); a
// regular expression does for the generated site.
var href = regexp.MustCompile(`href="([^"]*)"`)

// get fetches page u and returns the links it holds to pages of the same
// site, or nil, with no error, for a missing page.
func (c *crawler) get(u string) ([]string, error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil
	default:
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	links := []string{} // not nil: the page exists
	for _, m := range href.FindAllSubmatch(body, -1) {
		link, err := resp.Request.URL.Parse(string(m[1])) // relative to the page
		if err != nil || link.Host != c.home.Host || (link.Scheme != "http" && link.Scheme != "https") {
			continue // elsewhere, or not a web page
		}
		link.Fragment = ""
		links = append(links, link.String())
	}
	return links, nil
}
