package model

import (
	"runtime"
	"testing"
)

// Bytes matches what New allocates (the slabs and activation buffers; the
// small slice headers and tensor tables aside).
func TestBytesMatchesAllocation(t *testing.T) {
	for _, c := range []Config{
		{Layers: 2, Dim: 32, Heads: 2, Seq: 16, Vocab: 256, Batch: 4},
		{Layers: 6, Dim: 128, Heads: 4, Seq: 64, Vocab: 256, Batch: 8},
		{Layers: 3, Dim: 64, Heads: 8, Seq: 128, Vocab: 1000, Batch: 2, MaxDepth: 7},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m, err := New(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(m)
		got := float64(after.TotalAlloc - before.TotalAlloc)
		want := c.Bytes()
		if got < want || got > want*1.02+64<<10 {
			t.Errorf("%+v: New allocated %.0f bytes, Bytes says %.0f", c, got, want)
		}
	}
	huge := Config{Layers: 6, Dim: 1000000, Heads: 8, Seq: 128, Vocab: 256, Batch: 16}
	if b := huge.Bytes(); b < 6*12e12*8 {
		t.Errorf("dim 1e6: %g bytes, want at least the weights and gradients", b)
	}
}
