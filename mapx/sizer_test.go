package mapx

import (
	"testing"
	"time"
)

// The sizer alone, with made-up timings: the adaptive size that Map's
// claims and MapSeq's batches share.
func TestSizer(t *testing.T) {
	const fast, fine, slow = targetChunk / 4, targetChunk, 4 * targetChunk
	tests := []struct {
		name  string
		start int             // runs of fast calls first, to reach a size
		runs  []time.Duration // then runs of the current size taking these
		want  int
	}{
		{"starts at one", 0, nil, 1},
		{"doubles while fast", 0, []time.Duration{fast, fast, fast}, 8},
		{"stops at max", 0, []time.Duration{fast, fast, fast, fast, fast, fast, fast}, 64},
		{"holds within the target", 3, []time.Duration{fine, targetChunk / 2, 2 * targetChunk}, 8},
		{"halves while slow", 5, []time.Duration{slow, slow}, 8},
		{"not below one", 0, []time.Duration{slow, slow}, 1},
		{"grows back", 4, []time.Duration{slow, slow, fast}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := newSizer(64)
			for range tt.start {
				z.adapt(z.n, fast)
			}
			for _, took := range tt.runs {
				z.adapt(z.n, took)
				if z.n < 1 || z.n > 64 {
					t.Fatalf("size %d, out of [1, 64]", z.n)
				}
			}
			if z.n != tt.want {
				t.Errorf("size %d, want %d", z.n, tt.want)
			}
		})
	}
}

// A fast run shorter than the current size (handed out before the size
// grew, or cut short at the end of the input) does not grow it; a slow one
// shrinks it all the same.
func TestSizerShortRuns(t *testing.T) {
	z := newSizer(256)
	z.adapt(1, time.Microsecond)
	z.adapt(2, time.Microsecond) // size 4
	for range 10 {
		z.adapt(1, time.Microsecond) // batches of the old size come back
	}
	if z.n != 4 {
		t.Fatalf("size %d after fast runs of 1, want 4", z.n)
	}
	z.adapt(1, time.Millisecond)
	if z.n != 2 {
		t.Errorf("size %d after a slow run of 1, want 2", z.n)
	}
}

// A worker's cursor sizes its claims with the sizer: fast calls reach
// maxChunk, and the chunks never overlap nor leave an index out.
func TestCursorCoversEachIndexOnce(t *testing.T) {
	const n = 1 << 20
	c := newClaimer(n, 1)
	w := c.cursor()
	next, biggest := 0, 0
	for w.claim() {
		lo, hi := unpack(w.word.Load())
		if lo != next || hi <= lo || w.lo != lo {
			t.Fatalf("chunk [%d, %d) after %d", lo, hi, next)
		}
		// As the worker leaves it: every index taken, and one add more.
		w.word.Store(pack(hi+1, hi))
		c.took(hi-1, hi)
		next, biggest = hi, max(biggest, hi-lo)
	}
	if next != n || c.claimed() != n {
		t.Errorf("claimed up to %d (%d), want %d", next, c.claimed(), n)
	}
	if biggest != maxChunk {
		t.Errorf("largest chunk %d, want %d", biggest, maxChunk)
	}
}
