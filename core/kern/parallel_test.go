package kern

import (
	"sync/atomic"
	"testing"
	"time"
)

type sumRanger struct {
	hits []atomic.Int64
}

func (s *sumRanger) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		s.hits[i].Add(1)
	}
}

// nestRanger calls Parallel from inside a Ranger.
type nestRanger struct{ inner *sumRanger }

func (n *nestRanger) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		Parallel(len(n.inner.hits), n.inner)
	}
}

func TestParallelCoversRangeOnce(t *testing.T) {
	defer SetThreads(Threads())
	for _, th := range []int{1, 2, 3, 8} {
		SetThreads(th)
		for _, n := range []int{0, 1, 2, 5, 100} {
			s := &sumRanger{hits: make([]atomic.Int64, n)}
			Parallel(n, s)
			for i := range s.hits {
				if got := s.hits[i].Load(); got != 1 {
					t.Fatalf("threads=%d n=%d: index %d ran %d times", th, n, i, got)
				}
			}
		}
	}
}

func TestParallelNested(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(3)
	inner := &sumRanger{hits: make([]atomic.Int64, 10)}
	Parallel(4, &nestRanger{inner})
	for i := range inner.hits {
		if got := inner.hits[i].Load(); got != 4 {
			t.Fatalf("inner index %d ran %d times, want 4", i, got)
		}
	}
}

func TestParallelNoAllocs(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	s := &sumRanger{hits: make([]atomic.Int64, 16)}
	if n := testing.AllocsPerRun(100, func() { Parallel(16, s) }); n > 0 {
		t.Errorf("Parallel: %v allocations per call, want 0", n)
	}
}

type noopRanger struct{}

func (noopRanger) Range(lo, hi int) {}

// BenchmarkParallelDispatch measures the cost of starting and joining
// parallel work.
func BenchmarkParallelDispatch(b *testing.B) {
	defer SetThreads(Threads())
	SetThreads(2)
	for b.Loop() {
		Parallel(2, noopRanger{})
	}
}

// busyRanger spins for a fixed time in every chunk.
type busyRanger struct{ d time.Duration }

func (b busyRanger) Range(lo, hi int) {
	for t0 := time.Now(); time.Since(t0) < b.d; {
	}
}

// BenchmarkParallelGap measures a parallel call of two 20 µs chunks that
// follows 100 µs of serial work, the pattern of a training step.
func BenchmarkParallelGap(b *testing.B) {
	defer SetThreads(Threads())
	SetThreads(2)
	for b.Loop() {
		busyRanger{100 * time.Microsecond}.Range(0, 1)
		Parallel(2, busyRanger{20 * time.Microsecond})
	}
}

func TestFreeListRecycles(t *testing.T) {
	var l FreeList[[4]int]
	a := l.Get()
	a[0] = 7
	l.Put(a)
	if b := l.Get(); b != a || b[0] != 7 {
		t.Fatalf("Get after Put returned %p %v, want the recycled %p", b, *b, a)
	}
	if c := l.Get(); c == a {
		t.Fatal("Get returned a value that is in use")
	}
	l.Put(a)
	if n := testing.AllocsPerRun(100, func() { l.Put(l.Get()) }); n > 0 {
		t.Fatalf("Get and Put allocate %v times once the list holds a value", n)
	}
}
