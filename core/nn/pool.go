package nn

import "workbench/core/kern"

// task is a parallel work item that is recycled through a kern.FreeList so
// that starting parallel work does not allocate.
type task[T any] interface {
	*T
	kern.Ranger
}

// parallel runs the task v over [0, n) on the kernel worker pool. v is
// copied into a recycled value, so the call does not allocate in steady
// state.
func parallel[T any, P task[T]](pool *kern.FreeList[T], n int, v T) {
	t := pool.Get()
	*t = v
	kern.Parallel(n, P(t))
	var zero T
	*t = zero // drop references to caller buffers
	pool.Put(t)
}

func newPool[T any]() *kern.FreeList[T] { return &kern.FreeList[T]{} }
