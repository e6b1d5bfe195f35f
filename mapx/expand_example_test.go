package mapx_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fanout-go/fanout/mapx"
)

func ExampleExpand() {
	// A site whose pages link to each other, in cycles.
	links := map[string][]string{
		"/":       {"/about", "/blog"},
		"/about":  {"/"},
		"/blog":   {"/blog/1", "/blog/2", "/"},
		"/blog/1": {"/blog/2"},
		"/blog/2": {"/blog/1", "/about"},
	}
	// Expand does not deduplicate: fn adds only the pages that no call has
	// added before, or the cycles would never end.
	var mu sync.Mutex
	seen := map[string]bool{"/": true}
	err := mapx.Expand(context.Background(), []string{"/"}, 4, func(_ context.Context, page string, more mapx.Adder[string]) error {
		for _, link := range links[page] { // a real crawl fetches page here
			mu.Lock()
			isNew := !seen[link]
			seen[link] = true
			mu.Unlock()
			if isNew {
				more.Add(link)
			}
		}
		return nil
	})
	fmt.Println(slices.Sorted(maps.Keys(seen)), err)
	// Output: [/ /about /blog /blog/1 /blog/2] <nil>
}

func ExampleAdder() {
	// A directory tree: each directory's subdirectories, and the sizes of
	// its files.
	subdirs := map[string][]string{"/": {"/src", "/doc"}, "/src": {"/src/lib"}}
	sizes := map[string][]int64{"/": {10}, "/src": {200, 300}, "/src/lib": {4000}, "/doc": {50}}
	// fn collects what it finds: here, in counters safe for concurrent use.
	var total, files atomic.Int64
	err := mapx.Expand(context.Background(), []string{"/"}, 16, func(_ context.Context, dir string, more mapx.Adder[string]) error {
		for _, sub := range subdirs[dir] {
			more.Add(sub) // listed in parallel with this one's files
		}
		for _, size := range sizes[dir] {
			total.Add(size)
			files.Add(1)
		}
		return nil
	})
	fmt.Println(total.Load(), "bytes in", files.Load(), "files", err)
	// Output: 4560 bytes in 5 files <nil>
}

func ExampleAdder_Add() {
	tree := map[string][]string{"a": {"b", "e"}, "b": {"c", "d"}, "e": {"f"}}
	// At limit 1 the items run in the order of a recursive walk: each, then
	// what it added, in the order added.
	err := mapx.Expand(context.Background(), []string{"a", "g"}, 1, func(_ context.Context, node string, more mapx.Adder[string]) error {
		fmt.Print(node, " ")
		for _, child := range tree[node] {
			more.Add(child)
		}
		return nil
	})
	fmt.Println(err)
	// Output: a b c d e f g <nil>
}
