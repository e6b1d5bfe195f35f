package pool

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestInternalPanicCrashes checks "never a hang" for the pool's own bugs: a
// panic raised in the pool's code under its mu, on a worker's goroutine,
// crashes the program with its message rather than leave it hung on mu. The
// bug is staged by a keyed task that takes its own key out of the queue, so
// that the queue panics when the worker reports the task done. The program
// is this test binary, run again in a child process.
func TestInternalPanicCrashes(t *testing.T) {
	if os.Getenv("POOL_CRASH_CHILD") == "1" {
		p := New(context.Background(), 1)
		f := SubmitKey(p, "k", func(context.Context) (int, error) {
			p.mu.Lock()
			p.queue = taskQueue{} // the key's task is out no more
			p.mu.Unlock()
			return 0, nil
		})
		f.Wait() // never returns: the worker crashes the program first
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestInternalPanicCrashes$", "-test.timeout=20s")
	cmd.Env = append(os.Environ(), "POOL_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child exited 0; want a crash. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "panic: sched: Done with a key that has no task out") {
		t.Fatalf("the child did not crash with the queue's panic (a hang ends with the test timeout). Output:\n%s", out)
	}
}
