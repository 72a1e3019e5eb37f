package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata fixtures")

// file assembles a safetensors file from a header and a data buffer.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// pad8 pads a header with spaces to a multiple of 8 bytes.
func pad8(h string) string {
	return h + strings.Repeat(" ", (8-len(h)%8)%8)
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Golden fixture: the exact bytes Write must produce for goldenTensors,
// spelled out by hand. The layout is the reference one: compact JSON with
// "__metadata__" first and tensors in data order, padded with spaces.
const goldenHeader = `{"__metadata__":{"format":"pt","step":"7"},` +
	`"wte":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},` +
	`"idx":{"dtype":"I32","shape":[3],"data_offsets":[24,36]},` +
	`"scale":{"dtype":"F32","shape":[],"data_offsets":[36,40]},` +
	`"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[40,40]}}`

var goldenData = unhex(`
	00000000 0000803f 000000c0 0000003f 00005040 00000080
	01000000 ffffffff ffffff7f
	0000c03f`)

var goldenMeta = map[string]string{"step": "7", "format": "pt"}

func goldenTensors() []Tensor {
	return []Tensor{
		NewF32("wte", []int{2, 3}, []float32{0, 1, -2, 0.5, 3.25, float32(math.Copysign(0, -1))}),
		NewI32("idx", []int{3}, []int32{1, -1, math.MaxInt32}),
		NewF32("scale", []int{}, []float32{1.5}),
		NewF32("empty", []int{0, 4}, nil),
	}
}

// Mixed fixture: a hand-made file whose header lists the tensors in
// another order than their data, with every supported non-F32 dtype.
const mixedHeader = `{"a_u8":{"dtype":"U8","shape":[3],"data_offsets":[32,35]},` +
	`"b_f16":{"dtype":"F16","shape":[2,3],"data_offsets":[16,28]},` +
	`"c_bf16":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]},` +
	`"d_i64":{"dtype":"I64","shape":[2,1],"data_offsets":[0,16]},` +
	`"__metadata__":{"format":"pt"}}`

var mixedData = unhex(`
	fdffffffffffffff ffffff7f00000000
	003c 00c0 ff7b 0100 007c 0080
	803f 00bf
	010203`)

func writeFixture(t *testing.T, name string, b []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGolden(t *testing.T) {
	want := file(pad8(goldenHeader), goldenData)
	writeFixture(t, "golden.safetensors", want)
	var buf bytes.Buffer
	if err := Write(&buf, goldenTensors(), goldenMeta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Write output differs from the hand-built bytes:\ngot  %q\nwant %q", buf.Bytes(), want)
	}
	fixture, err := os.ReadFile(filepath.Join("testdata", "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixture, want) {
		t.Fatal("testdata/golden.safetensors differs from the hand-built bytes (run go test -update)")
	}
	if (8+len(pad8(goldenHeader)))%8 != 0 {
		t.Fatal("data buffer is not 8-byte aligned")
	}

	f, err := ReadFile(filepath.Join("testdata", "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, goldenMeta) {
		t.Errorf("Metadata = %v, want %v", f.Metadata, goldenMeta)
	}
	if !reflect.DeepEqual(f.Tensors, goldenTensors()) {
		t.Errorf("Tensors = %+v, want %+v", f.Tensors, goldenTensors())
	}
	wte, _ := f.Tensor("wte")
	vals, err := wte.Float32s()
	if err != nil || !reflect.DeepEqual(vals, []float32{0, 1, -2, 0.5, 3.25, 0}) || !math.Signbit(float64(vals[5])) {
		t.Errorf("wte.Float32s() = %v, %v", vals, err)
	}
	idx, _ := f.Tensor("idx")
	if ints, err := idx.Int32s(); err != nil || !reflect.DeepEqual(ints, []int32{1, -1, math.MaxInt32}) {
		t.Errorf("idx.Int32s() = %v, %v", ints, err)
	}
}

func TestMixedFixture(t *testing.T) {
	want := file(pad8(mixedHeader), mixedData)
	writeFixture(t, "mixed.safetensors", want)
	fixture, err := os.ReadFile(filepath.Join("testdata", "mixed.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixture, want) {
		t.Fatal("testdata/mixed.safetensors differs from the hand-built bytes (run go test -update)")
	}
	f, err := Read(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, t := range f.Tensors {
		names = append(names, t.Name)
	}
	if want := []string{"d_i64", "b_f16", "c_bf16", "a_u8"}; !reflect.DeepEqual(names, want) {
		t.Errorf("tensor order = %v, want data order %v", names, want)
	}
	if want := map[string]string{"format": "pt"}; !reflect.DeepEqual(f.Metadata, want) {
		t.Errorf("Metadata = %v, want %v", f.Metadata, want)
	}

	i64, _ := f.Tensor("d_i64")
	if got, err := i64.Int32s(); err != nil || !reflect.DeepEqual(got, []int32{-3, math.MaxInt32}) {
		t.Errorf("d_i64.Int32s() = %v, %v", got, err)
	}
	f16, _ := f.Tensor("b_f16")
	got, err := f16.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	wantF16 := []float32{1, -2, 65504, 0x1p-24, float32(math.Inf(1)), float32(math.Copysign(0, -1))}
	if !reflect.DeepEqual(got, wantF16) || !math.Signbit(float64(got[5])) {
		t.Errorf("b_f16.Float32s() = %v, want %v", got, wantF16)
	}
	bf16, _ := f.Tensor("c_bf16")
	if got, err := bf16.Float32s(); err != nil || !reflect.DeepEqual(got, []float32{1, -0.5}) {
		t.Errorf("c_bf16.Float32s() = %v, %v", got, err)
	}
	u8, _ := f.Tensor("a_u8")
	if !bytes.Equal(u8.Data, []byte{1, 2, 3}) || u8.NumElements() != 3 {
		t.Errorf("a_u8 = %+v", u8)
	}
	if _, ok := f.Tensor("missing"); ok {
		t.Error(`Tensor("missing") found a tensor`)
	}

	// Rewriting puts the header in data order; reading that back gives
	// the same file content.
	var buf bytes.Buffer
	if err := Write(&buf, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	g, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("rewritten file reads as %+v, want %+v", g, f)
	}
}

// randomTensor returns a tensor of dtype dt with a random shape and data.
func randomTensor(r *rand.Rand, name string, dt DType) Tensor {
	shape := make([]int, r.IntN(4))
	for i := range shape {
		shape[i] = r.IntN(5)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]byte, n*dt.Size())
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return Tensor{Name: name, DType: dt, Shape: shape, Data: data}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dtypes := []DType{F32, F16, BF16, I32, I64, U8}
	metas := []map[string]string{
		nil,
		{"format": "pt"},
		{"a": "1", "b": "<&>", "ünïcode": "✓", "quote\"": "back\\slash\n", "": ""},
	}
	for trial := range 50 {
		var tensors []Tensor
		for i := range r.IntN(8) {
			name := string(rune('a'+r.IntN(26))) + "." + string(rune('0'+i))
			tensors = append(tensors, randomTensor(r, name, dtypes[r.IntN(len(dtypes))]))
		}
		meta := metas[trial%len(metas)]
		var b1, b2 bytes.Buffer
		if err := Write(&b1, tensors, meta); err != nil {
			t.Fatal(err)
		}
		if err := Write(&b2, tensors, meta); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatal("Write is not deterministic")
		}
		if n := binary.LittleEndian.Uint64(b1.Bytes()); n%8 != 0 {
			t.Fatalf("header length %d is not a multiple of 8", n)
		}
		f, err := Read(b1.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(meta) == 0 && f.Metadata != nil {
			t.Errorf("Metadata = %v, want nil", f.Metadata)
		} else if len(meta) > 0 && !reflect.DeepEqual(f.Metadata, meta) {
			t.Errorf("Metadata = %v, want %v", f.Metadata, meta)
		}
		if len(f.Tensors) != len(tensors) {
			t.Fatalf("read %d tensors, want %d", len(f.Tensors), len(tensors))
		}
		for i, got := range f.Tensors {
			want := tensors[i]
			if got.Name != want.Name || got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Errorf("tensor %d = %+v, want %+v", i, got, want)
			}
		}
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := WriteFile(path, goldenTensors(), goldenMeta); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, file(pad8(goldenHeader), goldenData)) {
		t.Error("WriteFile output differs from the golden bytes")
	}
	bad := []Tensor{{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}
	err = WriteFile(path, bad, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "data has 4 bytes, want 8") {
		t.Errorf("WriteFile(bad) = %v, want an error naming %s and the size", err, path)
	}
	if got2, _ := os.ReadFile(path); !bytes.Equal(got, got2) {
		t.Error("a failed WriteFile changed the existing file")
	}
	err = WriteFile(filepath.Join(path, "sub"), goldenTensors(), nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(path, "sub")) {
		t.Errorf("WriteFile under a file = %v, want an error naming the path", err)
	}
}

func TestReadErrors(t *testing.T) {
	f32 := func(name string, shape string, b, e int) string {
		return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + strconv.Itoa(b) + `,` + strconv.Itoa(e) + `]}`
	}
	hugeLen := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	beyond := binary.LittleEndian.AppendUint64(nil, 50)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty file", nil, "file is 0 bytes, shorter than the 8-byte header length"},
		{"short file", []byte{1, 2, 3}, "file is 3 bytes"},
		{"absurd header length", append(hugeLen, "{}"...), "header length 100000001 exceeds the limit of 100000000 bytes"},
		{"max uint64 header length", append(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "{}"...), "exceeds the limit"},
		{"header beyond file", append(beyond, "{}      "...), "header length 50 exceeds the 8 bytes after the length field"},
		{"empty header", file("", nil), "not a JSON object"},
		{"not an object", file(`[1,2]`, nil), "not a JSON object"},
		{"invalid UTF-8", file("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"invalid JSON", file(`{"a" 1}`, nil), "invalid header JSON"},
		{"truncated JSON", file(`{"a":{"dtype":"F32"`, nil), "invalid header JSON"},
		{"unclosed object", file(`{`, nil), "invalid header JSON"},
		{"data after JSON", file(`{}{}`, nil), "invalid header JSON at byte 3: invalid character '{' after top-level value"},
		{"entry not an object", file(`{"a":5}`, nil), `tensor "a": want an object with dtype, shape and data_offsets, got number`},
		{"missing fields", file(`{"a":{}}`, nil), `tensor "a": missing dtype, shape, data_offsets`},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,0]}}`, nil), `tensor "a": missing shape`},
		{"unknown dtype", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), `tensor "a": unsupported dtype "F64"`},
		{"negative shape", file(`{`+f32("a", "[2,-1]", 0, 0)+`}`, nil), `tensor "a": negative dimension -1 in shape [2 -1]`},
		{"fractional shape", file(`{`+f32("a", "[1.5]", 0, 0)+`}`, nil), `tensor "a": shape: want an array of integers, got number 1.5`},
		{"overflowing shape", file(`{`+f32("a", "[4294967296,4294967296,4294967296]", 0, 0)+`}`, nil), "too many elements"},
		{"overflowing size", file(`{`+f32("a", "[4611686018427387904]", 0, 0)+`}`, nil), "shape [4611686018427387904] has too many elements"},
		{"string offset", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,"4"]}}`, nil), `tensor "a": data_offsets: want an array of integers, got string`},
		{"null entry", file(`{"a":null}`, nil), `tensor "a": want an object with dtype, shape and data_offsets, got null`},
		{"null shape", file(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": shape: want an array of integers, got null`},
		{"numeric dtype", file(`{"a":{"dtype":32,"shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": dtype: want a string, got number`},
		{"field name case", file(`{"a":{"DTYPE":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": missing dtype`},
		{"one offset", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0]}}`, nil), "data_offsets [0]: want [begin, end]"},
		{"negative offset", file(`{`+f32("a", "[1]", -4, 0)+`}`, nil), "data_offsets [-4 0] out of bounds of the 0-byte data buffer"},
		{"reversed offsets", file(`{`+f32("a", "[1]", 4, 0)+`}`, make([]byte, 4)), "out of bounds"},
		{"offset beyond data", file(`{`+f32("a", "[2]", 0, 8)+`}`, make([]byte, 4)), "data_offsets [0 8] out of bounds of the 4-byte data buffer"},
		{"size mismatch", file(`{`+f32("a", "[2]", 0, 4)+`}`, make([]byte, 4)), "data_offsets [0 4] span 4 bytes, want 8 (F32, shape [2])"},
		{"overlap", file(`{`+f32("a", "[2]", 0, 8)+`,`+f32("b", "[1]", 4, 8)+`}`, make([]byte, 8)), `tensor "b": data_offsets [4 8] overlap tensor "a" ending at 8`},
		{"identical offsets", file(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 0, 4)+`}`, make([]byte, 4)), "overlap"},
		{"hole at start", file(`{`+f32("a", "[1]", 4, 8)+`}`, make([]byte, 8)), `tensor "a": data_offsets [4 8] leave a hole of 4 bytes at offset 0`},
		{"hole between", file(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 8, 12)+`}`, make([]byte, 12)), "leave a hole of 4 bytes at offset 4"},
		{"uncovered tail", file(`{`+f32("a", "[1]", 0, 4)+`}`, make([]byte, 6)), "tensors cover 4 bytes but the data buffer has 6 bytes"},
		{"data without tensors", file(`{}`, []byte{0}), "tensors cover 0 bytes but the data buffer has 1 bytes"},
		{"duplicate name", file(`{`+f32("a", "[1]", 0, 4)+`,`+f32("a", "[1]", 4, 8)+`}`, make([]byte, 8)), `duplicate header entry "a"`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, nil), `duplicate header entry "__metadata__"`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"a","k":"b"}}`, nil), `__metadata__: duplicate key "k"`},
		{"duplicate entry field", file(`{"a":{"dtype":"F32","dtype":"I32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": duplicate key "dtype"`},
		{"metadata not strings", file(`{"__metadata__":{"step":7}}`, nil), "__metadata__: want an object of string values, got number"},
		{"metadata not an object", file(`{"__metadata__":"x"}`, nil), "__metadata__: want an object of string values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(tt.in)
			if err == nil {
				t.Fatalf("Read succeeded with %+v, want error containing %q", f, tt.want)
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans several lines", err)
			}
		})
	}
}

// failWriter fails after accepting limit bytes.
type failWriter struct{ limit int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errDiskFull
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	ok := NewF32("a", []int{1}, []float32{1})
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate name", []Tensor{ok, ok}, nil, `duplicate tensor name "a"`},
		{"reserved name", []Tensor{NewF32("__metadata__", []int{}, []float32{1})}, nil, `tensor name "__metadata__" is reserved`},
		{"invalid UTF-8 name", []Tensor{NewF32("\xff", []int{}, []float32{1})}, nil, "not valid UTF-8"},
		{"invalid UTF-8 metadata", []Tensor{ok}, map[string]string{"k": "\xfe"}, `metadata "k": key and value must be valid UTF-8`},
		{"short data", []Tensor{NewF32("b", []int{2, 2}, []float32{1, 2, 3})}, nil, `tensor "b": data has 12 bytes, want 16 (F32, 4 elements)`},
		{"unknown dtype", []Tensor{{Name: "c", DType: "F64", Shape: []int{}, Data: make([]byte, 8)}}, nil, `tensor "c": unsupported dtype "F64"`},
		{"negative shape", []Tensor{{Name: "d", DType: U8, Shape: []int{-1}}}, nil, `tensor "d": negative dimension -1`},
		{"overflowing shape", []Tensor{{Name: "e", DType: I64, Shape: []int{1 << 62}}}, nil, `tensor "e": shape [4611686018427387904] has too many elements`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.tensors, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want it to contain %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing validation", buf.Len())
			}
		})
	}
	for _, limit := range []int{0, 4, 100, 200} {
		err := Write(&failWriter{limit: limit}, goldenTensors(), goldenMeta)
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "safetensors: write") {
			t.Errorf("Write to a failing writer (limit %d) = %v, want a wrapped %v", limit, err, errDiskFull)
		}
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(bad)
	if want := "safetensors: " + bad + ": file is 2 bytes, shorter than the 8-byte header length"; err == nil || err.Error() != want {
		t.Errorf("ReadFile(bad) = %v, want %q", err, want)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	_, err = ReadFile(missing)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadFile(missing) = %v, want a not-exist error naming the file", err)
	}
}

// f16Want computes a binary16 value in float64 from its definition.
func f16Want(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * mant * math.Pow(2, -24)
	case 0x1f:
		if mant != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * (1 + mant/1024) * math.Pow(2, float64(exp-15))
}

func TestFloat16AllValues(t *testing.T) {
	data := make([]byte, 2<<16)
	for h := range 1 << 16 {
		binary.LittleEndian.PutUint16(data[2*h:], uint16(h))
	}
	got, err := Tensor{Name: "all", DType: F16, Shape: []int{1 << 16}, Data: data}.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	for h, g := range got {
		want := f16Want(uint16(h))
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(float64(g)) {
				t.Fatalf("f16 %#04x = %v, want NaN", h, g)
			}
		case float64(g) != want || math.Signbit(float64(g)) != math.Signbit(want):
			t.Fatalf("f16 %#04x = %v, want %v", h, g, want)
		}
	}
}

func TestConversionErrors(t *testing.T) {
	i64 := Tensor{Name: "big", DType: I64, Shape: []int{2}, Data: binary.LittleEndian.AppendUint64(make([]byte, 8), 1<<31)}
	neg := Tensor{Name: "neg", DType: I64, Shape: []int{1}, Data: binary.LittleEndian.AppendUint64(nil, uint64(1<<63))}
	tests := []struct {
		name string
		conv func() error
		want string
	}{
		{"Float32s of I32", func() error { _, err := NewI32("i", []int{1}, []int32{1}).Float32s(); return err }, `tensor "i": dtype I32 is not a float type`},
		{"Float32s of U8", func() error { _, err := Tensor{Name: "u", DType: U8}.Float32s(); return err }, "dtype U8 is not a float type"},
		{"Float32s of short data", func() error {
			_, err := Tensor{Name: "s", DType: F32, Shape: []int{2}, Data: make([]byte, 7)}.Float32s()
			return err
		}, `tensor "s": data has 7 bytes, want 8`},
		{"Int32s of F32", func() error { _, err := NewF32("f", []int{1}, []float32{1}).Int32s(); return err }, `tensor "f": dtype F32 is not I32 or I64`},
		{"Int32s out of range", func() error { _, err := i64.Int32s(); return err }, `tensor "big": element 1 = 2147483648 does not fit in int32`},
		{"Int32s negative out of range", func() error { _, err := neg.Int32s(); return err }, "element 0 = -9223372036854775808 does not fit"},
		{"Int32s of short data", func() error {
			_, err := Tensor{Name: "s", DType: I64, Shape: []int{1}, Data: make([]byte, 4)}.Int32s()
			return err
		}, "data has 4 bytes, want 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.conv()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDTypeSize(t *testing.T) {
	tests := []struct {
		d    DType
		want int
	}{{F32, 4}, {F16, 2}, {BF16, 2}, {I32, 4}, {I64, 8}, {U8, 1}, {"F64", 0}, {"", 0}}
	for _, tt := range tests {
		if got := tt.d.Size(); got != tt.want {
			t.Errorf("%q.Size() = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestNumElements(t *testing.T) {
	tests := []struct {
		shape []int
		want  int
	}{{nil, 1}, {[]int{}, 1}, {[]int{3}, 3}, {[]int{2, 3, 4}, 24}, {[]int{5, 0}, 0}}
	for _, tt := range tests {
		if got := (Tensor{Shape: tt.shape}).NumElements(); got != tt.want {
			t.Errorf("NumElements(%v) = %d, want %d", tt.shape, got, tt.want)
		}
	}
}

// TestReadHeaderStream reads headers from streams of unknown length: the
// reader stops at the data, a stream shorter than its prefix claims is
// truncated, and memory grows with the bytes read, not with the claim.
func TestReadHeaderStream(t *testing.T) {
	golden := file(pad8(goldenHeader), goldenData)
	r := bytes.NewReader(golden)
	h, err := ReadHeader(r)
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != int64(8+len(pad8(goldenHeader))) || h.DataSize != int64(len(goldenData)) || r.Len() != len(goldenData) {
		t.Fatalf("header of %d bytes describing %d bytes of data, %d bytes left; want %d, %d, %d",
			h.Len(), h.DataSize, r.Len(), 8+len(pad8(goldenHeader)), len(goldenData), len(goldenData))
	}
	var names []string
	for _, ti := range h.Tensors {
		names = append(names, ti.Name)
	}
	if want := []string{"wte", "idx", "scale", "empty"}; !reflect.DeepEqual(names, want) || !reflect.DeepEqual(h.Metadata, goldenMeta) {
		t.Fatalf("tensors %v, metadata %v", names, h.Metadata)
	}
	enc, err := EncodeHeader(h.Tensors, h.Metadata)
	if err != nil || !bytes.Equal(enc, golden[:h.Len()]) {
		t.Fatalf("EncodeHeader of the read header: %q, %v; want the file's first %d bytes", enc, err, h.Len())
	}

	claim := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadHeader(bytes.NewReader(append(claim, `{"a":`...)))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "the file ends inside the 100000000-byte header") {
		t.Fatalf("got %v, want a truncated header", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("reading a 13-byte stream that claims a %d-byte header allocated %d bytes", MaxHeaderSize, n)
	}
	if _, err := ReadHeader(bytes.NewReader(claim[:5])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("5-byte stream: %v", err)
	}
}
