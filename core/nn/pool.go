package nn

import (
	"sync"

	"workbench/core/kern"
)

// task is a parallel work item that is recycled through a sync.Pool so that
// starting parallel work does not allocate.
type task[T any] interface {
	*T
	kern.Ranger
}

// parallel runs the task v over [0, n) on the kernel worker pool. v is
// copied into a pooled value, so the call does not allocate in steady state.
func parallel[T any, P task[T]](pool *sync.Pool, n int, v T) {
	p := pool.Get().(P)
	*p = v
	kern.Parallel(n, p)
	var zero T
	*p = zero // drop references to caller buffers
	pool.Put(p)
}

func newPool[T any]() *sync.Pool {
	return &sync.Pool{New: func() any { return new(T) }}
}
