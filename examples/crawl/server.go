package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// linksOf returns the links on page i of a site of n pages, /p/0 to
// /p/{n-1}: to its three children in a tree (3i+1 .. 3i+3), across to
// another page, back home, and from one page in 100 to a missing one. The
// cross links make many pages reachable by paths of different lengths.
func linksOf(i, n int) []string {
	var links []string
	for c := 3*i + 1; c <= 3*i+3 && c < n; c++ {
		links = append(links, fmt.Sprintf("/p/%d", c))
	}
	links = append(links, fmt.Sprintf("/p/%d", (7*i+5)%n), "/p/0")
	if i%100 == 99 {
		links = append(links, fmt.Sprintf("/missing/%d", i))
	}
	return links
}

// newSite starts a loopback server of the site of n pages that linksOf
// describes.
func newSite(n int) *httptest.Server {
	return httptest.NewServer(siteHandler(n))
}

// siteHandler serves the site of n pages that linksOf describes, each page
// after a random delay of up to 2 ms, so that the crawler's fetches finish
// in a different order on every run.
func siteHandler(n int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		time.Sleep(rand.N(2 * time.Millisecond))
		var b strings.Builder
		fmt.Fprintf(&b, "<html><body><h1>Page %d</h1>\n", i)
		for _, link := range linksOf(i, n) {
			fmt.Fprintf(&b, "<a href=\"%s\">%s</a>\n", link, link)
		}
		b.WriteString("</body></html>\n")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	})
	return mux
}
