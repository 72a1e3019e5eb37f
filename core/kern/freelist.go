package kern

import "sync"

// FreeList recycles values of type T. Unlike sync.Pool it is never emptied
// by the garbage collector and does not grow per-processor buffers, so Get
// and Put do not allocate once the list holds as many values as are in use
// at the same time.
type FreeList[T any] struct {
	mu   sync.Mutex
	free []*T
}

// Get returns a recycled value, or a new zero value if none is free.
func (l *FreeList[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		p := l.free[n-1]
		l.free = l.free[:n-1]
		return p
	}
	return new(T)
}

// Put returns p to the list for reuse.
func (l *FreeList[T]) Put(p *T) {
	l.mu.Lock()
	l.free = append(l.free, p)
	l.mu.Unlock()
}
