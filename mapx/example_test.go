package mapx_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// The first error cancels the rest; errors.Is reaches it.
	fmt.Println(err, errors.Is(err, errNotFound))
	// Output: user 3: not found true
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
