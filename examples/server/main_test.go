package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/fanout-go/fanout/pool"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// instant is a backend that answers at once.
func instant(_ context.Context, page, section int) (string, error) {
	return fmt.Sprintf("page %d, section %d", page, section), nil
}

// gate is a backend whose fetches report their start on started, then wait
// until open is closed, or their ctx ends.
type gate struct {
	started chan struct{}
	open    chan struct{}
}

func newGate() *gate {
	return &gate{started: make(chan struct{}, 100), open: make(chan struct{})}
}

func (g *gate) fetch(ctx context.Context, page, section int) (string, error) {
	g.started <- struct{}{}
	select {
	case <-g.open:
		return instant(ctx, page, section)
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// newAPI serves an api on a pool of workers and queue on a loopback
// server; its log goes to logged. All are closed when the test ends.
func newAPI(t *testing.T, workers, queue, sections int, fetch fetchFunc, logged io.Writer) (*api, string, *http.Client) {
	t.Helper()
	p := pool.New(context.Background(), workers, pool.QueueSize(queue))
	a := &api{pool: p, sections: sections, fetch: fetch, log: log.New(logged, "", 0)}
	srv := httptest.NewServer(a.routes())
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
		if err := p.Close(); err != nil {
			t.Errorf("pool.Close: %v", err)
		}
	})
	return a, srv.URL, client
}

// response is what a GET got.
type response struct {
	code       int
	retryAfter string
	body       string
	err        error
}

func getURL(client *http.Client, url string) response {
	resp, err := client.Get(url)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header.Get("Retry-After"), string(body), err}
}

// wantPages checks that r is a 200 with the pages of ids, each of sections
// sections, in order.
func wantPages(t *testing.T, r response, ids []int, sections int) {
	t.Helper()
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("got %d %q, %v; want 200", r.code, r.body, r.err)
	}
	var got []Page
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	want := make([]Page, len(ids))
	for i, id := range ids {
		want[i] = Page{ID: id}
		for s := range sections {
			want[i].Sections = append(want[i].Sections, fmt.Sprintf("page %d, section %d", id, s))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

// statsOf gets and decodes /stats.
func statsOf(t *testing.T, client *http.Client, base string) statsReply {
	t.Helper()
	r := getURL(client, base+"/stats")
	var s statsReply
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("GET /stats: %d %q, %v", r.code, r.body, r.err)
	}
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		t.Fatalf("GET /stats: %q: %v", r.body, err)
	}
	return s
}

// A request gets its pages in order, each assembled from its sections, and
// /stats counts it and its tasks: one for the request, one a page, one a
// section. A bad request gets 400 and no task.
func TestPages(t *testing.T) {
	_, base, client := newAPI(t, 2, 2, 3, instant, io.Discard)
	wantPages(t, getURL(client, base+"/pages?ids=4,1,7"), []int{4, 1, 7}, 3)

	many := strings.TrimSuffix(strings.Repeat("1,", maxPages+1), ",")
	for _, ids := range []string{"", "x", "-1", "1,,2", many} {
		if r := getURL(client, base+"/pages?ids="+ids); r.code != http.StatusBadRequest {
			t.Errorf("ids=%s: got %d %q, %v; want 400", ids, r.code, r.body, r.err)
		}
	}
	s := statsOf(t, client, base)
	want := statsReply{Served: 1, InFlight: 1, Pool: s.Pool}
	want.Pool.Submitted, want.Pool.Queued, want.Pool.Failed, want.Pool.Skipped = 1+3+3*3, 0, 0, 0
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// With the one worker busy and the one place in the queue taken, a request
// is refused at once with 503 and Retry-After; the ones admitted are served
// once the backend answers. /stats says so in the meantime and after.
func TestBusyIs503WithRetryAfter(t *testing.T) {
	g := newGate()
	_, base, client := newAPI(t, 1, 1, 1, g.fetch, io.Discard)
	responses := make(chan response, 6)
	go func() { responses <- getURL(client, base+"/pages?ids=1") }()
	<-g.started // its section holds the worker; nothing is queued
	for range 5 {
		go func() { responses <- getURL(client, base+"/pages?ids=2") }()
	}
	// One of the five takes the place in the queue and waits; the other
	// four are refused without waiting for anything.
	for range 4 {
		r := <-responses
		if r.err != nil || r.code != http.StatusServiceUnavailable || r.retryAfter != "1" {
			t.Errorf("got %d with Retry-After %q, %v; want 503 with Retry-After 1", r.code, r.retryAfter, r.err)
		}
	}
	s := statsOf(t, client, base)
	if s.Served != 0 || s.Refused != 4 || s.InFlight != 3 || s.Pool.Queued != 1 {
		t.Errorf("stats while busy %+v; want 4 refused, 3 in flight (2 and this), 1 queued", s)
	}

	close(g.open)
	for range 2 {
		r := <-responses
		var pages []Page
		_ = json.Unmarshal([]byte(r.body), &pages)
		if len(pages) != 1 {
			t.Fatalf("got %d %q, %v; want a page", r.code, r.body, r.err)
		}
		wantPages(t, r, []int{pages[0].ID}, 1)
	}
	if s := statsOf(t, client, base); s.Served != 2 || s.Refused != 4 || s.Pool.Queued != 0 || s.Pool.Failed != 0 {
		t.Errorf("stats after %+v; want 2 served, 4 refused, none queued or failed", s)
	}
}

// panickingFetch panics for page 2.
func panickingFetch(ctx context.Context, page, section int) (string, error) {
	if page == 2 {
		panic("no page 2")
	}
	return instant(ctx, page, section)
}

// A panic in a section, three tasks deep, is answered with 500 and logged
// once with the stack of the function that panicked.
func TestPanicIs500(t *testing.T) {
	var logged lockedBuffer
	_, base, client := newAPI(t, 2, 2, 2, panickingFetch, &logged)
	if r := getURL(client, base+"/pages?ids=1,2,3"); r.code != http.StatusInternalServerError {
		t.Errorf("got %d %q, %v; want 500", r.code, r.body, r.err)
	}
	text := logged.String()
	if !strings.Contains(text, "panic: no page 2 [recovered]") || strings.Count(text, "[recovered]") != 1 ||
		!strings.Contains(text, ".panickingFetch(") {
		t.Errorf("log %q; want the panic once, with the stack of panickingFetch", text)
	}
	wantPages(t, getURL(client, base+"/pages?ids=1"), []int{1}, 2) // the pool goes on
}

// lines is the output of serve or run: goroutine-safe, and each line is
// sent on c as it is written (serve writes a line at a time).
type lines struct {
	mu  sync.Mutex
	all strings.Builder
	c   chan string
}

func newLines() *lines { return &lines{c: make(chan string, 100)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c <- strings.TrimSuffix(string(p), "\n")
	return l.all.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// next returns the next line written, which must start with prefix.
func (l *lines) next(t *testing.T, prefix string) string {
	t.Helper()
	line := <-l.c
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("line %q, want one that starts with %q", line, prefix)
	}
	return line
}

// address returns the address in serve's first line.
func (l *lines) address(t *testing.T) string {
	t.Helper()
	var addr string
	line := l.next(t, "listening on http://")
	if _, err := fmt.Sscanf(line, "listening on http://%s (Ctrl-C to stop)", &addr); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return addr
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Ctrl-C with a request in flight: the server stops listening at once, the
// request gets its whole answer, then the server exits 0 with its summary.
func TestShutdownLetsRequestsFinish(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	g := newGate()
	out, errOut := newLines(), &lockedBuffer{}
	exit := make(chan int, 1)
	c := config{addr: "127.0.0.1:0", workers: 2, queue: 2, sections: 2, fetch: g.fetch, grace: time.Hour}
	go func() { exit <- serve(ctx, c, out, errOut) }()
	addr := out.address(t)

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	inFlight := make(chan response, 1)
	go func() { inFlight <- getURL(client, "http://"+addr+"/pages?ids=5,6") }()
	<-g.started
	interrupt()
	out.next(t, "shutting down: 1 requests in flight")
	// The listener is closed before the line is written.
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("a new connection was accepted during the shutdown")
	}
	close(g.open)
	wantPages(t, <-inFlight, []int{5, 6}, 2)
	if code := <-exit; code != 0 {
		t.Errorf("exit status %d, want 0; stderr: %s", code, errOut)
	}
	summary := out.next(t, "shut down gracefully in ")
	if !strings.Contains(summary, ": 1 requests served, 0 refused with 503; 7 tasks on 2 workers, 0 failed") {
		t.Errorf("summary %q, want 1 request served and its 7 tasks", summary)
	}
}

// A request that does not finish within the grace period is cut short: its
// tasks see their ctx canceled, and the server exits 1.
func TestShutdownGraceRunsOut(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	g := newGate() // never opened: only a canceled ctx ends a fetch
	out, errOut := newLines(), &lockedBuffer{}
	exit := make(chan int, 1)
	c := config{addr: "127.0.0.1:0", workers: 2, queue: 2, sections: 1, fetch: g.fetch, grace: 50 * time.Millisecond}
	go func() { exit <- serve(ctx, c, out, errOut) }()
	addr := out.address(t)

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	inFlight := make(chan response, 1)
	go func() { inFlight <- getURL(client, "http://"+addr+"/pages?ids=1") }()
	<-g.started
	interrupt()
	if code := <-exit; code != 1 {
		t.Errorf("exit status %d, want 1; stderr: %s", code, errOut)
	}
	if r := <-inFlight; r.code == http.StatusOK {
		t.Errorf("the request cut short got 200 %q", r.body)
	}
	out.next(t, "shutting down: 1 requests in flight")
	summary := out.next(t, "shut down at the end of -grace, cutting requests short in ")
	if !strings.Contains(summary, ": 0 requests served, 0 refused with 503; 3 tasks on 2 workers, 3 failed") {
		t.Errorf("summary %q, want the request's 3 tasks failed", summary)
	}
}

// run serves until Ctrl-C, on the address of -addr, with the backend of
// -latency, then exits 0.
func TestRun(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	out, errOut := newLines(), &lockedBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0", "-latency", "1ms", "-sections", "4"}, out, errOut)
	}()
	base := "http://" + out.address(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	wantPages(t, getURL(client, base+"/pages?ids=3,2"), []int{3, 2}, 4)
	if s := statsOf(t, client, base); s.Served != 1 || s.Pool.Submitted != 1+2+2*4 {
		t.Errorf("stats %+v, want 1 served and 11 tasks", s)
	}
	interrupt()
	if code := <-exit; code != 0 {
		t.Errorf("exit status %d, want 0; stderr: %s", code, errOut)
	}
	out.next(t, "shutting down: 0 requests in flight")
	out.next(t, "shut down gracefully in ")
}

// -demo serves its own client's requests, some refused with 503 and sent
// again after their Retry-After, prints /stats and ends on its own with 0.
func TestRunDemo(t *testing.T) {
	out, errOut := newLines(), &lockedBuffer{}
	args := []string{"-demo", "40", "-latency", "1ms", "-workers", "2", "-queue", "2"}
	if code := run(t.Context(), args, out, errOut); code != 0 {
		t.Fatalf("exit status %d, want 0; stdout:\n%sstderr: %s", code, out, errOut)
	}
	out.address(t)
	out.next(t, "demo: 40 requests from 4 clients answered in ")
	var s statsReply
	if err := json.Unmarshal([]byte(strings.TrimPrefix(out.next(t, "GET /stats: "), "GET /stats: ")), &s); err != nil {
		t.Fatal(err)
	}
	// Each request is one task, one a page (1 to 4) and 3 a page.
	if s.Served != 40 || s.Pool.Submitted != 40+4*(10*(1+2+3+4)) || s.Pool.Failed != 0 {
		t.Errorf("stats %+v, want 40 served, 440 tasks, none failed", s)
	}
	out.next(t, "shutting down: 0 requests in flight")
	summary := out.next(t, "shut down gracefully in ")
	if !strings.Contains(summary, fmt.Sprintf(": 40 requests served, %d refused with 503; 440 tasks on 2 workers, 0 failed", s.Refused)) {
		t.Errorf("summary %q, want 40 requests served and 440 tasks", summary)
	}
}

// A flag that makes no sense, or an address taken, is refused with exit
// status 2, not a panic.
func TestBadFlags(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, args := range [][]string{
		{"-workers", "0"}, {"-queue", "-1"}, {"-sections", "0"}, {"-latency", "-1s"},
		{"-grace", "0s"}, {"-demo", "-1"}, {"-workers", "many"}, {"serve"},
		{"-addr", taken.Addr().String()},
	} {
		out, errOut := newLines(), &lockedBuffer{}
		if code := run(t.Context(), args, out, errOut); code != 2 || errOut.String() == "" {
			t.Errorf("run(%q) = %d with stderr %q, want 2 and a message", args, code, errOut)
		}
	}
}
