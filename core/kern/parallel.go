package kern

import (
	"runtime"
	"sync"
)

// Ranger is a unit of parallel work over the index range [lo, hi). Callers
// keep a Ranger in a preallocated struct so that starting parallel work does
// not allocate.
type Ranger interface {
	Range(lo, hi int)
}

var pool = newWorkers(runtime.GOMAXPROCS(0))

// SetThreads sets how many goroutines kernels use (at least 1). It is not
// safe to call while kernels run.
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	if n == pool.n {
		return
	}
	pool.stop()
	pool = newWorkers(n)
}

// Threads reports how many goroutines kernels use.
func Threads() int { return pool.n }

// Parallel runs r over [0, n), split into Threads() contiguous chunks of
// nearly equal size. The split depends only on n and the thread count, so
// results are deterministic for a given thread count.
func Parallel(n int, r Ranger) {
	pool.run(n, r)
}

type job struct {
	r      Ranger
	lo, hi int
}

type workers struct {
	n    int
	jobs []chan job
	wg   sync.WaitGroup
	mu   sync.Mutex
}

func newWorkers(n int) *workers {
	w := &workers{n: n}
	for i := 1; i < n; i++ {
		ch := make(chan job)
		w.jobs = append(w.jobs, ch)
		go func() {
			for j := range ch {
				j.r.Range(j.lo, j.hi)
				w.wg.Done()
			}
		}()
	}
	return w
}

func (w *workers) stop() {
	for _, ch := range w.jobs {
		close(ch)
	}
}

func (w *workers) run(n int, r Ranger) {
	if n <= 0 {
		return
	}
	t := w.n
	if t > n {
		t = n
	}
	if t == 1 {
		r.Range(0, n)
		return
	}
	// Nested calls (a Ranger that itself calls Parallel) run serially
	// instead of deadlocking on busy workers.
	if !w.mu.TryLock() {
		r.Range(0, n)
		return
	}
	defer w.mu.Unlock()
	w.wg.Add(t - 1)
	for i := 1; i < t; i++ {
		w.jobs[i-1] <- job{r, i * n / t, (i + 1) * n / t}
	}
	r.Range(0, n/t)
	w.wg.Wait()
}
