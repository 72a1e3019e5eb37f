package data

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"
)

// Tokens is a read-only sequence of token ids: a slice in the Go heap, or
// a memory-mapped token file of uint16 or uint32 values that the kernel
// pages in as windows are read.
type Tokens struct {
	i32 []int32
	u16 []uint16
	u32 []uint32
	m   *mapped
}

// Int32Tokens wraps ids held in memory.
func Int32Tokens(ids []int32) Tokens { return Tokens{i32: ids} }

// Len is the number of tokens.
func (t Tokens) Len() int {
	switch {
	case t.u16 != nil:
		return len(t.u16)
	case t.u32 != nil:
		return len(t.u32)
	}
	return len(t.i32)
}

// Read copies the len(dst) tokens starting at start into dst.
func (t Tokens) Read(dst []int32, start int) {
	if t.m != nil {
		defer t.m.touched(len(dst))
	}
	switch {
	case t.u16 != nil:
		for i, v := range t.u16[start : start+len(dst)] {
			dst[i] = int32(v)
		}
	case t.u32 != nil:
		for i, v := range t.u32[start : start+len(dst)] {
			dst[i] = int32(v)
		}
	default:
		copy(dst, t.i32[start:start+len(dst)])
	}
}

// Slice returns tokens [lo, hi) without copying.
func (t Tokens) Slice(lo, hi int) Tokens {
	switch {
	case t.u16 != nil:
		return Tokens{u16: t.u16[lo:hi], m: t.m}
	case t.u32 != nil:
		return Tokens{u32: t.u32[lo:hi], m: t.m}
	}
	return Tokens{i32: t.i32[lo:hi]}
}

// Int32s returns the tokens as a slice: the slice itself for in-memory
// tokens, a copy for mapped ones.
func (t Tokens) Int32s() []int32 {
	if t.u16 == nil && t.u32 == nil {
		return t.i32
	}
	out := make([]int32, t.Len())
	t.Read(out, 0)
	return out
}

// mapped is a memory-mapped token file. Pages read through a mapping
// count towards the process's resident set, so once reads may have touched
// dropBytes of pages the mapping tells the kernel it may drop them (they
// stay in the page cache): reading a file of any size, in order or in
// random windows, raises RSS by a few MB at most.
type mapped struct {
	mem    []byte
	width  int
	tokens Tokens
	read   atomic.Int64 // bytes of pages touched since the last drop, at most
}

// dropBytes bounds the pages a mapping may hold before it drops them;
// perRead is what one read is counted as mapping besides its own bytes: a
// fault maps neighbouring pages already in the page cache (fault-around)
// and whole large folios (on Linux 6.18 and ext4 random 256-token windows
// were measured to map about 0.5 MB each), so the mapping drops its pages
// every few reads. Dropping costs a system call and later faults, tens of
// microseconds per read, little beside a training step.
const (
	dropBytes = 4 << 20
	perRead   = 1 << 20
)

// touched accounts for a read of n tokens.
func (m *mapped) touched(n int) {
	if m.read.Add(int64(n*m.width+perRead)) >= dropBytes {
		m.read.Store(0)
		dropPages(m.mem)
	}
}

// mapTokens maps path read-only as little-endian tokens of width bytes
// (2 or 4); want is the token count the file must hold.
func mapTokens(path string, width, want int) (*mapped, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("token file %s: %v", path, err)
	}
	if st.Size() != int64(want)*int64(width) {
		return nil, fmt.Errorf("token file %s has %d bytes, meta.json says %d tokens of %d bytes (%d): truncated or from another encoding",
			path, st.Size(), want, width, int64(want)*int64(width))
	}
	if want == 0 {
		return &mapped{}, nil
	}
	if !littleEndian {
		return nil, fmt.Errorf("token file %s: memory-mapped token files need a little-endian machine", path)
	}
	mem, err := mapFile(f, int(st.Size()))
	if err != nil {
		return nil, fmt.Errorf("token file %s: %v", path, err)
	}
	m := &mapped{mem: mem, width: width}
	m.tokens.m = m
	if width == 2 {
		m.tokens.u16 = unsafe.Slice((*uint16)(unsafe.Pointer(&mem[0])), want)
	} else {
		m.tokens.u32 = unsafe.Slice((*uint32)(unsafe.Pointer(&mem[0])), want)
	}
	return m, nil
}

func (m *mapped) close() error {
	if m.mem == nil {
		return nil
	}
	err := unmapFile(m.mem)
	m.mem, m.tokens = nil, Tokens{}
	return err
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
