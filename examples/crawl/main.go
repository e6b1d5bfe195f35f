// Crawl visits the pages of a web site within -depth links of its home page,
// -limit fetches at once, each page once: work that finds more work, on
// mapx.Expand, where each fetch adds the links it finds.
//
//	go run ./examples/crawl                    # a generated site of 1000 pages
//	go run ./examples/crawl -depth 2 -url http://localhost:6060/
//
// A missing page (404) is reported; any other failure stops the crawl. A
// redirect counts as a link. Exit status: 0 done, 2 a fatal error or a bad
// flag, 130 interrupted.
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

	"github.com/fanout-go/fanout/mapx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C kills at once
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
	if u, err := url.Parse(*home); err == nil && u.Path == "" {
		u.Path = "/" // as links to it will name it
		*home = u.String()
	}
	start := time.Now()
	c, err := crawl(ctx, *home, *maxDepth, max(*limit, 1))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stdout, "interrupted after %d pages\n", len(c.links))
		return 130
	case err != nil:
		fmt.Fprintln(stderr, "crawl:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%d pages, %d missing, in %v\n", len(c.depth)-len(c.broken), len(c.broken),
		time.Since(start).Round(time.Millisecond))
	slices.Sort(c.broken)
	for _, u := range c.broken {
		fmt.Fprintln(stdout, "missing:", u)
	}
	return 0
}

// A crawler is one crawl's state, shared by its calls.
type crawler struct {
	client   *http.Client
	maxDepth int

	mu     sync.Mutex
	depth  map[string]int      // the shallowest depth each page was reached at
	links  map[string][]string // the links of each page fetched (none if missing)
	broken []string            // the missing pages
}

// A page is a URL reached at a depth: an item of the crawl.
type page struct {
	url   string
	depth int
}

// crawl visits the site of home and returns what it found, also when it
// stopped early.
func crawl(ctx context.Context, home string, maxDepth, limit int) (*crawler, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = limit
	defer transport.CloseIdleConnections()
	c := &crawler{
		client: &http.Client{Transport: transport, Timeout: 10 * time.Second,
			// A redirect is not followed but read as a page with one link,
			// so that every URL is fetched once and only on the site.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		maxDepth: maxDepth,
		depth:    map[string]int{}, links: map[string][]string{},
	}
	// At most limit fetches at once; the first fatal error cancels the rest.
	err := mapx.Expand(ctx, []page{{home, 0}}, limit, c.visit)
	return c, err
}

// visit records that p was reached at its depth, fetches it if it is new,
// and adds its links one level deeper. Calls run in no set order, so a page
// may be reached by a long path first and by a shorter one later: then its
// links, kept from the one fetch, are added again from the shorter depth.
func (c *crawler) visit(ctx context.Context, p page, more mapx.Adder[page]) error {
	c.mu.Lock()
	old, reached := c.depth[p.url]
	if reached && old <= p.depth {
		c.mu.Unlock()
		return nil
	}
	c.depth[p.url] = p.depth
	links, fetched := c.links[p.url]
	c.mu.Unlock()
	switch {
	case reached && !fetched:
		return nil // being fetched: its links will be added from the new depth
	case !fetched:
		var err error
		if links, err = c.get(ctx, p.url); err != nil {
			return err
		}
		c.mu.Lock()
		if links == nil {
			c.broken = append(c.broken, p.url)
		}
		c.links[p.url] = links
		p.depth = c.depth[p.url] // less if a shorter path reached it meanwhile
		c.mu.Unlock()
	}
	if p.depth < c.maxDepth {
		for _, link := range links {
			more.Add(page{link, p.depth + 1})
		}
	}
	return nil
}

// href finds links. Real HTML wants a parser (golang.org/x/net/html); a
// regular expression does for the generated site.
var href = regexp.MustCompile(`href="([^"]*)"`)

// get fetches page u and returns its links to pages of the same site, or
// nil, with no error, for a missing page.
func (c *crawler) get(ctx context.Context, u string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var refs []string
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil
	case resp.StatusCode/100 == 3 && resp.Header.Get("Location") != "":
		refs = []string{resp.Header.Get("Location")}
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	default:
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // the first MiB
		if err != nil {
			return nil, fmt.Errorf("%s: %w", u, err)
		}
		for _, m := range href.FindAllSubmatch(body, -1) {
			refs = append(refs, string(m[1]))
		}
	}
	links := []string{} // not nil: the page exists
	for _, ref := range refs {
		link, err := req.URL.Parse(ref) // relative to the page
		if err != nil || link.Host != req.URL.Host || link.Scheme != req.URL.Scheme {
			continue // another site, or not a web page (mailto:)
		}
		link.Fragment = ""
		links = append(links, link.String())
	}
	return links, nil
}
