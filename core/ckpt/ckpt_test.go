package ckpt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/safetensors"
)

// tinyCheckpoint returns a checkpoint of a 2-layer model with random
// moments and distinct step counts.
func tinyCheckpoint(t testing.TB) *Checkpoint {
	return testCheckpoint(t, model.Config{Layers: 2, Dim: 32, Heads: 2, Seq: 16, Vocab: 256, Batch: 1})
}

// testCheckpoint returns a checkpoint of shape mc with random moments,
// state, configuration and hashes; every group has taken 5 steps but the
// last block's, which has taken none.
func testCheckpoint(t testing.TB, mc model.Config) *Checkpoint {
	t.Helper()
	m, err := model.New(mc, 7)
	if err != nil {
		t.Fatal(err)
	}
	o := optim.NewAdamW(m.Layout, 0.01)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range o.M {
		o.M[i] = float32(rng.NormFloat64() * 1e-3)
		o.V[i] = float32(rng.Float64() * 1e-6)
	}
	for i := range o.Steps {
		o.Steps[i] = 5
	}
	o.Steps[len(o.Steps)-2] = 0
	c := FromTraining(m, o)
	c.State = []byte(`{"step":5,"tokens":320}`)
	c.Config = []byte(`{"lr":0.001}`)
	c.SourceHash, c.DataHash = "abc", "def"
	return c
}

func encode(t testing.TB, c *Checkpoint, compress bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, c, Options{Compress: compress}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		c := tinyCheckpoint(t)
		b := encode(t, c, compress)
		got, err := Read(b)
		if err != nil {
			t.Fatalf("compress %v: %v", compress, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("compress %v: read back a different checkpoint", compress)
		}
		if compress {
			plain := encode(t, c, false)
			if len(b) >= len(plain) {
				t.Errorf("compressed %d bytes, uncompressed %d", len(b), len(plain))
			}
			if _, err := safetensors.Read(plain); err != nil {
				t.Fatalf("an uncompressed checkpoint is not a valid safetensors file: %v", err)
			}
		}
	}
}

func TestChecksumIgnoresEncoding(t *testing.T) {
	c := tinyCheckpoint(t)
	encode(t, c, false)
	a := c.Checksum
	encode(t, c, true)
	if c.Checksum != a {
		t.Fatalf("checksum %08x uncompressed, %08x compressed", a, c.Checksum)
	}
	c.M[3]++
	encode(t, c, false)
	if c.Checksum == a {
		t.Fatal("checksum unchanged after a moment changed")
	}
}

func TestShuffle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, blockValues, blockValues + 5, 3*blockValues - 1} {
		src := make([]byte, 4*n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		var b bytes.Buffer
		sw := newShuffleWriter(&b)
		// Odd write sizes exercise the buffering.
		for p := src; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(70000))
			sw.Write(p[:k])
			p = p[k:]
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		if n > 0 && bytes.Equal(b.Bytes(), src) && n > 1 {
			t.Fatalf("%d values: shuffling changed nothing", n)
		}
		got, err := io.ReadAll(newUnshuffleReader(&b, int64(n)))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%d values: round trip failed (%v)", n, err)
		}
	}
}

// TestCorruption damages a checkpoint in many ways; each must fail with
// a *CorruptError naming the problem.
func TestCorruption(t *testing.T) {
	c := tinyCheckpoint(t)
	plain := encode(t, c, false)
	packed := encode(t, c, true)
	hlen := 8 + int(binary.LittleEndian.Uint64(plain))
	edit := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	flip := func(b []byte, i int) []byte {
		return edit(b, func(b []byte) []byte { b[i] ^= 0x10; return b })
	}
	replace := func(old, new string) []byte {
		return edit(plain, func(b []byte) []byte {
			if len(old) != len(new) || !bytes.Contains(b, []byte(old)) {
				t.Fatalf("cannot replace %q", old)
			}
			return bytes.Replace(b, []byte(old), []byte(new), 1)
		})
	}
	hf := func() []byte {
		m, _ := model.New(model.Config{Layers: 1, Dim: 8, Heads: 1, Seq: 4, Vocab: 16, Batch: 1}, 1)
		var b bytes.Buffer
		safetensors.Write(&b, m.Tensors(), nil)
		return b.Bytes()
	}()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated: the file ends inside the 8-byte header length"},
		{"truncated in the header", plain[:hlen-10], fmt.Sprintf("truncated: the file ends inside the %d-byte header", hlen-8)},
		{"truncated in the data", plain[:hlen+1000], fmt.Sprintf("truncated: the header describes a file of %d bytes, the file has %d", len(plain), hlen+1000)},
		{"one byte short", plain[:len(plain)-1], "truncated"},
		{"trailing bytes", append(bytes.Clone(plain), 0), "data after the last tensor"},
		{"bit flip in the weights", flip(plain, hlen+100), "checksum mismatch"},
		{"bit flip in the moments", flip(plain, len(plain)-5), "checksum mismatch"},
		{"changed state", replace(`\"step\":5`, `\"step\":6`), "checksum mismatch"},
		{"changed step count", replace(`"group_steps\":[5,5,0,5]`, `"group_steps\":[5,5,1,5]`), "tensor transformer.h.1.ln_1.weight has step 0, its group 1"},
		{"wrong header length", edit(plain, func(b []byte) []byte { b[7] = 0x7f; return b }), "header length"},
		{"header not JSON", edit(plain, func(b []byte) []byte { b[8] = '['; return b }), "header is not a JSON object"},
		{"wrong tensor shape", replace(`"shape":[16,32]`, `"shape":[32,16]`), `tensor "transformer.wpe.weight" is F32 [32 16], want F32 [16 32]`},
		{"wrong dtype", replace(`"transformer.wpe.weight":{"dtype":"F32"`, `"transformer.wpe.weight":{"dtype":"I32"`), "is I32"},
		{"unknown version", replace(`"workbench.ckpt":"1"`, `"workbench.ckpt":"9"`), `format version "9"`},
		{"Hugging Face weights", hf, "not a workbench checkpoint"},
		{"compressed, truncated", packed[:len(packed)/2], ""},
		{"compressed, bit flip", flip(packed, len(packed)/2), ""},
		{"compressed, trailing garbage", append(bytes.Clone(packed), 1, 2, 3, 4, 5, 6, 7, 8), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.data)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CorruptError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, Name(12, false))
	c := tinyCheckpoint(t)
	if err := WriteFile(p, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)/2], 0o644)
	_, err := ReadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": truncated") {
		t.Fatalf("got %v, want an error starting with %q", err, p+": truncated")
	}
	h, compressed, err := ReadHeader(p)
	if err != nil || compressed || len(h.Tensors) != 3*len(model.NewLayout(c.Model).Tensors) {
		t.Fatalf("ReadHeader of a truncated file: %v, %v, %v", h, compressed, err)
	}
}

func TestRestoreChecksShape(t *testing.T) {
	c := tinyCheckpoint(t)
	m, _ := model.New(model.Config{Layers: 3, Dim: 32, Heads: 2, Seq: 16, Vocab: 256, Batch: 1}, 1)
	err := c.Restore(m, optim.NewAdamW(m.Layout, 0))
	if err == nil || !strings.Contains(err.Error(), "layers 2 vs 3") {
		t.Fatalf("got %v", err)
	}
}

func TestListAndPrune(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"step-000010.safetensors", "step-000002.safetensors.zst", "step-000100.safetensors",
		"step-x.safetensors", "step-000003.safetensors.bad", ".step-000004.safetensors.tmp-123", "model.safetensors"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	es, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, e := range es {
		steps = append(steps, e.Step)
	}
	if !reflect.DeepEqual(steps, []int{100, 10, 2}) {
		t.Fatalf("steps %v, want [100 10 2]", steps)
	}
	if err := Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	if err := fsutil.CleanTemp(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, d := range left {
		names = append(names, d.Name())
	}
	want := []string{"model.safetensors", "step-000003.safetensors.bad", "step-000010.safetensors", "step-000100.safetensors", "step-x.safetensors"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("left %v, want %v", names, want)
	}
	if es, err := List(filepath.Join(dir, "missing")); err != nil || es != nil {
		t.Fatalf("missing directory: %v, %v", es, err)
	}
}

func TestHFNames(t *testing.T) {
	m, _ := model.New(model.Config{Layers: 2, Dim: 8, Heads: 2, Seq: 4, Vocab: 16, Batch: 1}, 1)
	var bare []safetensors.Tensor
	for _, tn := range m.Tensors() {
		tn.Name = strings.TrimPrefix(tn.Name, "transformer.")
		bare = append(bare, tn)
	}
	bare = append(bare, safetensors.NewF32("h.0.attn.bias", []int{1, 1, 4, 4}, make([]float32, 16)))
	for name, f := range map[string]*safetensors.File{
		"GPT2LMHeadModel": {Tensors: m.Tensors()},
		"GPT2Model":       {Tensors: bare},
	} {
		c, err := HFShape(f, 2)
		if err != nil || SameShape(c, m.Config) != nil {
			t.Fatalf("%s: shape %+v, %v", name, c, err)
		}
		n, _ := model.New(c, 99)
		if err := LoadHF(f, n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(n.Params.Data, m.Params.Data) {
			t.Fatalf("%s: weights differ after loading", name)
		}
	}
	if err := LoadHF(&safetensors.File{}, m); err == nil || !strings.Contains(err.Error(), "not a GPT-2 weights file") {
		t.Fatalf("empty file: %v", err)
	}
}

// withHeader returns file (an uncompressed checkpoint) with its JSON
// header replaced by edit's result.
func withHeader(t *testing.T, file []byte, edit func(string) string) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(file)
	h := edit(string(file[8 : 8+n]))
	if h == string(file[8:8+n]) {
		t.Fatal("the edit changed nothing")
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(out, h...)
	return append(out, file[8+n:]...)
}

// compress returns b as one zstd stream.
func compress(t *testing.T, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(b, nil)
}

// headerOnly returns the header of a checkpoint of shape mc without its
// data: a file that claims far more than it holds.
func headerOnly(t *testing.T, mc model.Config) []byte {
	t.Helper()
	l := model.NewLayout(mc)
	c := &Checkpoint{Model: mc, Optim: Optim{Steps: make([]int, len(l.Groups))}}
	meta, err := c.metadata()
	if err != nil {
		t.Fatal(err)
	}
	meta[keyCRC] = "00000000"
	h, err := encodeHeader(l, meta)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHostileFiles reads files whose headers claim more than they hold:
// each is rejected as corrupt without allocating what the header claims.
func TestHostileFiles(t *testing.T) {
	c := tinyCheckpoint(t)
	plain := encode(t, c, false)
	big := model.Config{Layers: 2, Dim: 1024, Heads: 8, Seq: 64, Vocab: 256} // 300 MB of slabs
	replace := func(old, new string) func(string) string {
		return func(h string) string { return strings.Replace(h, old, new, 1) }
	}
	// zstd frames of 11 bytes that declare a window of 240 MiB, and
	// single-segment frames that declare 241 MB of content.
	window := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x8f, 0x01, 0x00, 0x00, 0x00, 0x00}
	single := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x40, 0x77, 0x5d, 0x0e, 0x01, 0x00}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"n_embd 65536", withHeader(t, plain, replace(`\"n_embd\":32`, `\"n_embd\":65536`)), "n_embd 65536 exceeds the limit of 32768"},
		{"n_layer 100000", withHeader(t, plain, replace(`\"n_layer\":2`, `\"n_layer\":100000`)), "n_layer 100000 exceeds the limit of 1024"},
		{"too many parameters", withHeader(t, plain, replace(`\"n_embd\":32`, `\"n_embd\":32000`)), "more than the limit of 4294967296"},
		{"plausible shape, wrong tensors", withHeader(t, plain, replace(`\"n_embd\":32`, `\"n_embd\":1024`)), `tensor "transformer.wte.weight" is F32 [256 32], want F32 [256 1024]`},
		{"header without data", headerOnly(t, big), "truncated: the header describes a file of 306276592 bytes, the file has 10480"},
		{"compressed header without data", compress(t, headerOnly(t, big)), "truncated: the file ends inside the tensor data"},
		{"zstd window of 240 MiB", window, "damaged compressed data near the header"},
		{"zstd single segment of 241 MB", single, "damaged compressed data near the header"},
		{"header length beyond the file", binary.LittleEndian.AppendUint64(nil, 99_000_000), "truncated: the file ends inside the 99000000-byte header"},
		{"duplicate tensor entry", withHeader(t, plain, func(h string) string {
			i := strings.Index(h, `,"adam.m.`)
			j := i + strings.Index(h[i:], "}")
			return h[:j+1] + h[i:j+1] + h[j+1:]
		}), `duplicate header entry "adam.m.`},
		{"duplicate metadata key", withHeader(t, plain, replace(`"format":"pt"`, `"format":"pt","format":"pt"`)), `__metadata__: duplicate key "format"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(tc.data)
			runtime.ReadMemStats(&after)
			var ce *CorruptError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a *CorruptError containing %q", err, tc.want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
				t.Fatalf("reading a %d-byte file allocated %d MB", len(tc.data), n>>20)
			}
		})
	}
}

// TestReadIntoChecksBeforeShape damages the shape in a checkpoint's
// header so that it still describes a valid model: reading it in place
// reports the damage, not a different shape.
func TestReadIntoChecksBeforeShape(t *testing.T) {
	c := tinyCheckpoint(t)
	path := filepath.Join(t.TempDir(), Name(5, false))
	os.WriteFile(path, withHeader(t, encode(t, c, false), func(h string) string {
		return strings.Replace(h, `\"n_head\":2`, `\"n_head\":4`, 1)
	}), 0o644)
	m, _ := model.New(model.Config{Layers: 2, Dim: 32, Heads: 2, Seq: 16, Vocab: 256, Batch: 1}, 1)
	_, err := ReadFileInto(path, m, optim.NewAdamW(m.Layout, 0))
	var ce *CorruptError
	if !errors.As(err, &ce) || errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("got %v, want a checksum mismatch", err)
	}
	m4, _ := model.New(model.Config{Layers: 2, Dim: 32, Heads: 4, Seq: 16, Vocab: 256, Batch: 1}, 1)
	good := filepath.Join(t.TempDir(), Name(5, true))
	if err := WriteFile(good, c, Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileInto(good, m4, optim.NewAdamW(m4.Layout, 0)); !errors.Is(err, ErrShape) {
		t.Fatalf("an intact checkpoint of another shape: got %v, want ErrShape", err)
	}
}

// TestCompressedLargerThanWindow reads back a compressed checkpoint whose
// content is several times the decoder's window.
func TestCompressedLargerThanWindow(t *testing.T) {
	m, err := model.New(model.Config{Layers: 2, Dim: 256, Heads: 4, Seq: 64, Vocab: 256, Batch: 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	c := FromTraining(m, optim.NewAdamW(m.Layout, 0.01))
	b := encode(t, c, true)
	if n := 12 * len(c.Params); n < 2*MaxWindow {
		t.Fatalf("%d bytes of tensor data, want more than %d", n, 2*MaxWindow)
	}
	got, err := Read(b)
	if err != nil || !reflect.DeepEqual(got.Params, c.Params) {
		t.Fatalf("read back: %v", err)
	}
}

// TestWriteWindow checks that compressed checkpoints declare a window the
// reader accepts.
func TestWriteWindow(t *testing.T) {
	var h zstd.Header
	if err := h.Decode(encode(t, tinyCheckpoint(t), true)); err != nil {
		t.Fatal(err)
	}
	if h.WindowSize == 0 || h.WindowSize > MaxWindow {
		t.Fatalf("window %d, want 1 to %d", h.WindowSize, MaxWindow)
	}
}
