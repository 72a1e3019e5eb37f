package ckpt

import (
	"bytes"
	"math"
	"testing"

	"github.com/klauspost/compress/zstd"

	"workbench/core/model"
	"workbench/core/safetensors"
)

// fuzzCheckpoint returns a checkpoint small enough to fuzz quickly.
func fuzzCheckpoint(t testing.TB) *Checkpoint {
	return testCheckpoint(t, model.Config{Layers: 1, Dim: 4, Heads: 2, Seq: 2, Vocab: 3, Batch: 1})
}

// checkAccepted fails unless a checkpoint that Read accepted is valid and
// survives a Write/Read/Write round trip unchanged, byte for byte (NaN
// weights included).
func checkAccepted(t *testing.T, c *Checkpoint) {
	if err := c.check(); err != nil {
		t.Fatalf("accepted an invalid checkpoint: %v", err)
	}
	for _, compress := range []bool{false, true} {
		var b, b2 bytes.Buffer
		sum := c.Checksum
		if err := Write(&b, c, Options{Compress: compress}); err != nil {
			t.Fatalf("Write of an accepted checkpoint: %v", err)
		}
		if c.Checksum != sum {
			t.Fatalf("rewriting changed the checksum from %08x to %08x", sum, c.Checksum)
		}
		again, err := Read(b.Bytes())
		if err != nil {
			t.Fatalf("Read of the rewritten checkpoint: %v", err)
		}
		if err := Write(&b2, again, Options{Compress: compress}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), b2.Bytes()) || again.Checksum != sum {
			t.Fatal("the round trip changed the checkpoint")
		}
	}
}

// FuzzRead checks that Read never panics on any file, plain or zstd
// (seeds in testdata/fuzz/FuzzRead hold hostile headers and zstd frames),
// and that whatever it accepts is a valid checkpoint.
func FuzzRead(f *testing.F) {
	c := fuzzCheckpoint(f)
	for _, compress := range []bool{false, true} {
		var b bytes.Buffer
		if err := Write(&b, c, Options{Compress: compress}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := Read(data); err == nil {
			checkAccepted(t, c)
		}
	})
}

// FuzzReadZstd fuzzes the decoding of compressed checkpoints: the input
// is the decompressed stream (header and byte-shuffled data), compressed
// here, so that mutations reach the checkpoint decoder rather than stop
// at zstd's own checks.
func FuzzReadZstd(f *testing.F) {
	var b bytes.Buffer
	if err := Write(&b, fuzzCheckpoint(f), Options{Compress: true}); err != nil {
		f.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		f.Fatal(err)
	}
	plain, err := dec.DecodeAll(b.Bytes(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(plain)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := Read(enc.EncodeAll(data, nil)); err == nil {
			checkAccepted(t, c)
		}
	})
}

// FuzzImportHF checks that inferring a shape from Hugging Face weights
// and importing them never panics, and that an imported model holds the
// file's weights.
func FuzzImportHF(f *testing.F) {
	m, err := model.New(model.Config{Layers: 2, Dim: 4, Heads: 2, Seq: 2, Vocab: 3, Batch: 1}, 1)
	if err != nil {
		f.Fatal(err)
	}
	for _, extra := range [][]safetensors.Tensor{nil, {safetensors.NewF32("transformer.h.99999999.x", []int{1}, []float32{1})}} {
		var b bytes.Buffer
		if err := safetensors.Write(&b, append(m.Tensors(), extra...), map[string]string{"format": "pt"}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes(), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, heads uint8) {
		sf, err := safetensors.Read(data)
		if err != nil {
			return
		}
		c, err := HFShape(sf, int(heads))
		if err != nil {
			return
		}
		if err := CheckShape(c); err != nil {
			t.Fatalf("HFShape returned %+v outside the bounds: %v", c, err)
		}
		got, err := ImportHF(sf, c)
		if err != nil {
			return
		}
		n, err := model.New(c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := LoadHF(sf, n); err != nil {
			t.Fatalf("ImportHF accepted what LoadHF refuses: %v", err)
		}
		for i, v := range got.Params.Data {
			if math.Float32bits(v) != math.Float32bits(n.Params.Data[i]) {
				t.Fatalf("parameter %d: ImportHF loads %v, LoadHF %v", i, v, n.Params.Data[i])
			}
		}
	})
}
