package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// A fault is how the local test server mistreats a document.
type fault int

const (
	healthy     fault = iota
	serverError       // 500 Internal Server Error
	reset             // the connection is reset in the middle of the body
	stall             // half the body, then nothing until the client gives up
	gone              // 404 Not Found, every time
)

// faultOf returns the fault of the attempt-th request (from 1) for document
// i: 3 documents in 100 fail their first attempt, one of each kind, and, if
// broken > 0, every broken-th document is gone for good. It depends on i and
// attempt alone, so that a test knows which fail.
func faultOf(i, attempt, broken int) fault {
	switch {
	case broken > 0 && i%broken == broken-1:
		return gone
	case attempt > 1:
		return healthy
	}
	switch i % 100 {
	case 13:
		return serverError
	case 42:
		return reset
	case 77:
		return stall
	}
	return healthy
}

// document returns the body of document i: a few KiB of text.
func document(i int) string {
	line := fmt.Sprintf("document %d: all work and no play makes a dull goroutine\n", i)
	return strings.Repeat(line, 20+i%80)
}

// A server is a loopback HTTP server of generated documents.
type server struct {
	*httptest.Server
	urls []string // of its documents, in order
}

// newServer starts a server of n documents at /doc/0 .. /doc/{n-1}. Each
// answers after a random delay of up to maxDelay, and faultOf decides which
// fail, and when. A stalled document holds its connection for up to
// stallFor, or until the client hangs up.
func newServer(n, broken int, maxDelay, stallFor time.Duration) *server {
	attempts := make([]atomic.Int64, n)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /doc/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		attempt := int(attempts[i].Add(1))
		if !sleep(r.Context(), rand.N(maxDelay+1)) {
			return // the client left
		}
		body, f := document(i), faultOf(i, attempt, broken)
		switch f {
		case gone:
			http.NotFound(w, r)
			return
		case serverError:
			http.Error(w, "injected fault", http.StatusInternalServerError)
			return
		}
		// With a Content-Length the client can tell a cut body from a whole one.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		switch f {
		case reset:
			// Half the body, then RST. (A reset before any response would be
			// retried: Go's transport retries a GET that fails so early.)
			w.Write([]byte(body[:len(body)/2]))
			http.NewResponseController(w).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0) // close with RST, not FIN
				conn.Close()
			}
		case stall:
			w.Write([]byte(body[:len(body)/2]))
			http.NewResponseController(w).Flush()
			if sleep(r.Context(), stallFor) {
				w.Write([]byte(body[len(body)/2:]))
			}
		default:
			w.Write([]byte(body))
		}
	})
	srv := &server{Server: httptest.NewServer(mux)}
	for i := range n {
		srv.urls = append(srv.urls, fmt.Sprintf("%s/doc/%d", srv.URL, i))
	}
	return srv
}
