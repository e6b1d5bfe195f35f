package errgroupx_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/fanout-go/fanout/errgroupx"
)

func ExampleGroup() {
	var g errgroupx.Group
	g.SetLimit(2)
	results := make([]int, 5)
	for i := range results {
		g.Go(func() error {
			results[i] = i * 10
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println("error:", err)
	}
	fmt.Println(results)
	// Output: [0 10 20 30 40]
}

func ExampleWithContext() {
	g, ctx := errgroupx.WithContext(context.Background())
	g.Go(func() error { return errors.New("disk full") })
	g.Go(func() error {
		<-ctx.Done() // the first error cancels the others
		return ctx.Err()
	})
	fmt.Println(g.Wait())
	// Output: disk full
}

func ExampleGroup_Wait_panic() {
	defer func() {
		pe := recover().(*errgroupx.PanicError)
		fmt.Println("recovered:", pe.Value)
	}()
	var g errgroupx.Group
	g.Go(func() error { panic("index out of range") })
	g.Wait() // panics here, in the caller's goroutine
	// Output: recovered: index out of range
}

func ExampleGroup_SetLimit() {
	var g errgroupx.Group
	g.SetLimit(1) // one at a time: the tasks run in the order they were added
	for _, s := range []string{"a", "b", "c"} {
		g.Go(func() error {
			fmt.Print(s)
			return nil
		})
	}
	g.Wait()
	fmt.Println()
	// Output: abc
}

func ExampleGroup_TryGo() {
	var g errgroupx.Group
	g.SetLimit(1)
	release := make(chan struct{})
	fmt.Println(g.TryGo(func() error { <-release; return nil }))
	fmt.Println(g.TryGo(func() error { return nil })) // the only slot is taken
	close(release)
	g.Wait()
	// Output:
	// true
	// false
}

func ExamplePanicError() {
	var g errgroupx.Group
	g.Go(func() error { panic(errors.New("corrupt header")) })
	func() {
		defer func() {
			err := recover().(error)
			var pe *errgroupx.PanicError
			fmt.Println(errors.As(err, &pe), pe.Value)
		}()
		g.Wait()
	}()
	// Output: true corrupt header
}

func ExampleErrGoexit() {
	var g errgroupx.Group
	g.Go(func() error {
		runtime.Goexit() // what t.FailNow does inside a task
		return nil
	})
	fmt.Println(errors.Is(g.Wait(), errgroupx.ErrGoexit))
	// Output: true
}

func ExampleRecover() {
	err := errgroupx.Recover(func() error { panic("bad input") }, nil)
	var pe *errgroupx.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	// Output: true bad input
}

func ExampleResultGroup() {
	g, _ := errgroupx.ResultGroupWithContext[string](context.Background())
	for _, name := range []string{"ada", "grace", "linus"} {
		g.Go(func() (string, error) { return fmt.Sprintf("hello, %s", name), nil })
	}
	greetings, err := g.Wait() // in the order of Go, whatever order they finished in
	fmt.Println(greetings, err)
	// Output: [hello, ada hello, grace hello, linus] <nil>
}

func ExampleGroup_Go() {
	var g errgroupx.Group
	var sizes [3]int
	for i, name := range []string{"a.txt", "bb.txt", "ccc.txt"} {
		g.Go(func() error {
			sizes[i] = len(name) // each goroutine writes its own element
			return nil
		})
	}
	fmt.Println(g.Wait(), sizes)
	// Output: <nil> [5 6 7]
}

func ExamplePanicError_Error() {
	var g errgroupx.Group
	g.Go(func() error { panic("out of range") })
	defer func() {
		msg := recover().(error).Error()
		// The message holds the value, then the stack where it panicked.
		fmt.Println(strings.SplitN(msg, "\n", 2)[0])
		fmt.Println(strings.Contains(msg, "ExamplePanicError_Error"))
	}()
	g.Wait()
	// Output:
	// out of range [recovered]
	// true
}

func ExamplePanicError_Unwrap() {
	errCorrupt := errors.New("corrupt")
	pe := &errgroupx.PanicError{Value: fmt.Errorf("block 7: %w", errCorrupt)}
	fmt.Println(errors.Is(pe, errCorrupt))
	// Output: true
}

func ExampleResultGroupWithContext() {
	g, ctx := errgroupx.ResultGroupWithContext[int](context.Background())
	g.SetLimit(2)
	g.Go(func() (int, error) { return 0, errors.New("quota exceeded") })
	g.Go(func() (int, error) {
		<-ctx.Done() // canceled by the other task's error
		return 0, ctx.Err()
	})
	sums, err := g.Wait()
	fmt.Println(sums, err)
	// Output: [] quota exceeded
}

func ExampleResultGroup_SetLimit() {
	var g errgroupx.ResultGroup[string]
	g.SetLimit(1)
	for _, s := range []string{"x", "y"} {
		g.Go(func() (string, error) { return s + s, nil })
	}
	fmt.Println(g.Wait())
	// Output: [xx yy] <nil>
}

func ExampleResultGroup_Go() {
	var g errgroupx.ResultGroup[int]
	for _, n := range []int{3, 1, 2} {
		g.Go(func() (int, error) { return n * n, nil })
	}
	squares, err := g.Wait()
	fmt.Println(squares, err)
	// Output: [9 1 4] <nil>
}

func ExampleResultGroup_TryGo() {
	var g errgroupx.ResultGroup[string]
	g.SetLimit(1)
	release := make(chan struct{})
	g.TryGo(func() (string, error) { <-release; return "first", nil })
	ok := g.TryGo(func() (string, error) { return "second", nil }) // refused: no value kept
	close(release)
	values, _ := g.Wait()
	fmt.Println(ok, values)
	// Output: false [first]
}

func ExampleResultGroup_Wait() {
	var g errgroupx.ResultGroup[string]
	g.Go(func() (string, error) { return "ok", nil })
	g.Go(func() (string, error) { return "", errors.New("timeout") })
	values, err := g.Wait() // on error, no values
	fmt.Println(values == nil, err)
	// Output: true timeout
}
