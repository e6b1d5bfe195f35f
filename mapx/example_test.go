package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/fanout-go/fanout/mapx"
)

func ExampleMap() {
	words := []string{"fan", "out", "map"}
	upper, err := mapx.Map(context.Background(), words, 2, func(_ context.Context, w string) (string, error) {
		return strings.ToUpper(w), nil
	})
	fmt.Println(upper, err)
	// Output: [FAN OUT MAP] <nil>
}

func ExampleMap_firstError() {
	errNotFound := errors.New("not found")
	ids := []int{1, 2, 3, 4}
	_, err := mapx.Map(context.Background(), ids, 1, func(_ context.Context, id int) (string, error) {
		if id == 3 {
			return "", fmt.Errorf("user %d: %w", id, errNotFound)
		}
		return fmt.Sprintf("user-%d", id), nil
	})
	// The first error cancels the rest. It says which element failed, and
	// errors.Is reaches fn's own error through it.
	var ie *mapx.ItemError
	if errors.As(err, &ie) {
		fmt.Println("failed:", ids[ie.Index])
	}
	fmt.Println(err, errors.Is(err, errNotFound))
	// Output:
	// failed: 3
	// item 2: user 3: not found true
}

func ExampleForEach() {
	sizes := map[string]int{"a.txt": 10, "b.txt": 20}
	names := []string{"a.txt", "b.txt"}
	err := mapx.ForEach(context.Background(), names, 0, func(_ context.Context, name string) error {
		if sizes[name] == 0 {
			return fmt.Errorf("%s: empty", name)
		}
		return nil
	})
	fmt.Println(err)
	// Output: <nil>
}

func ExampleMapSeq() {
	lines := slices.Values([]string{"alpha", "beta", "gamma"})
	lengths := mapx.MapSeq(context.Background(), lines, 2, func(_ context.Context, s string) (int, error) {
		return len(s), nil
	})
	for n, err := range lengths {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(n)
	}
	// Output:
	// 5
	// 4
	// 5
}

func ExampleItemError() {
	fields := []string{"1", "2", "x", "4"}
	_, err := mapx.Map(context.Background(), fields, 1, func(_ context.Context, f string) (int, error) {
		return strconv.Atoi(f)
	})
	var ie *mapx.ItemError
	if errors.As(err, &ie) {
		fmt.Printf("field %d (%q) failed: %v\n", ie.Index, fields[ie.Index], ie.Err)
	}
	fmt.Println(errors.Is(err, strconv.ErrSyntax))
	// Output:
	// field 2 ("x") failed: strconv.Atoi: parsing "x": invalid syntax
	// true
}

func ExampleSettle() {
	paths := []string{"a.txt", "missing.txt", "b.txt"}
	sizes, errs := mapx.Settle(context.Background(), paths, 2, func(_ context.Context, p string) (int, error) {
		if p == "missing.txt" {
			return 0, fmt.Errorf("open %s: %w", p, fs.ErrNotExist)
		}
		return 10 * len(p), nil
	})
	// Every element has its outcome at its own index: errs[i] is nil where
	// the call succeeded.
	for i, err := range errs {
		if err != nil {
			fmt.Println("failed:", paths[i], "-", err)
		}
	}
	fmt.Println(sizes, errs[0])
	// Output:
	// failed: missing.txt - open missing.txt: file does not exist
	// [50 0 50] <nil>
}

// One check tells the elements that ctx's end cut short, left uncalled or
// failed once it had ended, from those whose call failed on its own.
func ExampleErrCutShort() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	paths := []string{"a.txt", "missing.txt", "b.txt", "c.txt"}
	_, errs := mapx.Settle(ctx, paths, 1, func(ctx context.Context, p string) (int, error) {
		switch p {
		case "missing.txt":
			return 0, fs.ErrNotExist
		case "b.txt":
			cancel(errors.New("shutting down"))
			return 0, ctx.Err()
		}
		return len(p), nil
	})
	for i, err := range errs {
		switch {
		case errors.Is(err, mapx.ErrCutShort):
			fmt.Println(paths[i], "cut short:", err)
		case err != nil:
			fmt.Println(paths[i], "failed:", err)
		}
	}
	// Output:
	// missing.txt failed: file does not exist
	// b.txt cut short: mapx: cut short (shutting down): context canceled
	// c.txt cut short: mapx: cut short: shutting down
}

func ExampleSettleSeq() {
	words := slices.Values([]string{"fan", "", "out", "map"})
	total := 0
	for o := range mapx.SettleSeq(context.Background(), words, 2, func(_ context.Context, w string) (int, error) {
		if w == "" {
			return 0, errors.New("empty word")
		}
		return len(w), nil
	}) {
		// Outcomes come as the calls finish; o.Index says whose each is. A
		// failed call does not end the sequence.
		if o.Err != nil {
			fmt.Printf("word %d: %v\n", o.Index, o.Err)
			continue
		}
		total += o.Value
	}
	fmt.Println("letters:", total)
	// Output:
	// word 1: empty word
	// letters: 9
}

// To stop at the first error, break out of the loop: the calls in flight
// are canceled, and the loop statement ends once they have returned.
func ExampleSettleSeq_firstError() {
	errNotFound := errors.New("not found")
	ids := slices.Values([]int{1, 2, 3, 4, 5})
	fetch := func(_ context.Context, id int) (string, error) {
		if id == 3 {
			return "", fmt.Errorf("user %d: %w", id, errNotFound)
		}
		return fmt.Sprintf("user-%d", id), nil
	}
	// One call at a time, so that the output is always the same.
	for o := range mapx.SettleSeq(context.Background(), ids, 1, fetch) {
		if o.Err != nil {
			fmt.Println("stop:", o.Err)
			break
		}
		fmt.Println(o.Value)
	}
	// Output:
	// user-1
	// user-2
	// stop: user 3: not found
}

// When ctx ends before the sequence does, the outcomes of the calls made
// come first, then the outcome of index -1, which is no element's: it says
// why the sequence ended early, marked with ErrCutShort.
func ExampleOutcome() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	in := slices.Values([]int{1, 2, 3, 4})
	for o := range mapx.SettleSeq(ctx, in, 1, func(_ context.Context, v int) (int, error) {
		if v == 2 {
			cancel(errors.New("shutting down"))
		}
		return 10 * v, nil
	}) {
		if o.Index == -1 {
			fmt.Println("ended early:", errors.Is(o.Err, mapx.ErrCutShort), context.Cause(ctx))
			break
		}
		fmt.Println(o.Index, o.Value, o.Err)
	}
	// Output:
	// 0 10 <nil>
	// 1 20 <nil>
	// ended early: true shutting down
}
