// Package safetensors reads and writes the safetensors tensor file format.
//
// A safetensors file is laid out as:
//
//	8 bytes   N, the header length, unsigned little-endian
//	N bytes   a JSON object mapping each tensor name to
//	          {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//	          plus an optional "__metadata__" object of string values
//	rest      the data buffer: every tensor's raw little-endian bytes,
//	          data_offsets being relative to the start of this buffer
//
// Write produces byte-identical output for identical input: "__metadata__"
// comes first with its keys sorted, tensors follow in data order, and the
// header is padded with spaces to a multiple of 8 bytes so the data buffer
// starts 8-byte aligned, as the reference implementation does.
//
// Read validates a file strictly (dtypes, shapes, offsets that must tile the
// data buffer exactly, duplicate names) and never panics on malformed input.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"workbench/core/fsutil"
)

// DType is a tensor element type, spelled as in the file header.
type DType string

// Element types supported by this package.
const (
	F32  DType = "F32"  // IEEE 754 binary32
	F16  DType = "F16"  // IEEE 754 binary16
	BF16 DType = "BF16" // bfloat16: the upper 16 bits of a binary32
	I32  DType = "I32"  // signed 32-bit integer
	I64  DType = "I64"  // signed 64-bit integer
	U8   DType = "U8"   // unsigned byte
)

// MaxHeaderSize is the largest header length Read accepts, in bytes.
const MaxHeaderSize = 100_000_000

const metadataKey = "__metadata__"

// Size returns the size of one element in bytes, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	case I64:
		return 8
	case U8:
		return 1
	}
	return 0
}

const knownDTypes = "F32, F16, BF16, I32, I64, U8"

// Tensor is a named n-dimensional array. Data holds the elements in
// row-major order as raw little-endian bytes; an empty Shape is a scalar.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// NewF32 returns an F32 tensor holding a copy of data. Write rejects the
// tensor if len(data) does not match the shape.
func NewF32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// NewI32 returns an I32 tensor holding a copy of data. Write rejects the
// tensor if len(data) does not match the shape.
func NewI32(name string, shape []int, data []int32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return Tensor{Name: name, DType: I32, Shape: slices.Clone(shape), Data: b}
}

// NumElements returns the product of the shape (1 for a scalar).
func (t Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// checkData verifies that the data length matches dtype and shape.
func (t Tensor) checkData() error {
	size := t.DType.Size()
	if size == 0 {
		return fmt.Errorf("tensor %q: unsupported dtype %q (want one of %s)", t.Name, t.DType, knownDTypes)
	}
	n, err := numElements(t.Shape)
	if err != nil {
		return fmt.Errorf("tensor %q: %v", t.Name, err)
	}
	if n > math.MaxInt/size {
		return fmt.Errorf("tensor %q: shape %v has too many elements", t.Name, t.Shape)
	}
	if len(t.Data) != n*size {
		return fmt.Errorf("tensor %q: data has %d bytes, want %d (%s, %d elements)", t.Name, len(t.Data), n*size, t.DType, n)
	}
	return nil
}

// Float32s converts the elements of an F32, F16 or BF16 tensor to float32.
func (t Tensor) Float32s() ([]float32, error) {
	if t.DType != F32 && t.DType != F16 && t.DType != BF16 {
		return nil, fmt.Errorf("safetensors: tensor %q: dtype %s is not a float type (want F32, F16 or BF16)", t.Name, t.DType)
	}
	if err := t.checkData(); err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	out := make([]float32, len(t.Data)/t.DType.Size())
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		}
	}
	return out, nil
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN; the payload is kept
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	default: // zero or subnormal: mant × 2^-24, exact in float32
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
}

// Int32s converts the elements of an I32 or I64 tensor to int32. For I64
// it fails if a value does not fit in an int32.
func (t Tensor) Int32s() ([]int32, error) {
	if t.DType != I32 && t.DType != I64 {
		return nil, fmt.Errorf("safetensors: tensor %q: dtype %s is not I32 or I64", t.Name, t.DType)
	}
	if err := t.checkData(); err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	out := make([]int32, len(t.Data)/t.DType.Size())
	if t.DType == I32 {
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		return out, nil
	}
	for i := range out {
		v := int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("safetensors: tensor %q: element %d = %d does not fit in int32", t.Name, i, v)
		}
		out[i] = int32(v)
	}
	return out, nil
}

// numElements returns the product of shape, rejecting negative dimensions
// and products that overflow an int.
func numElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("shape %v has too many elements", shape)
		}
		n *= d
	}
	return n, nil
}

// File is the content of a safetensors file.
type File struct {
	// Metadata is the free-form "__metadata__" map, nil if absent.
	Metadata map[string]string
	// Tensors are in data order (ascending data offset).
	Tensors []Tensor
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Write writes tensors and metadata (which may be nil) in safetensors
// format. The data buffer holds the tensors in the given order. Tensor
// names must be distinct, valid UTF-8 and not "__metadata__".
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %v", err)
	}
	if err := writeData(w, header, tensors); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// WriteFile writes tensors and metadata to path like Write. The file is
// replaced atomically: readers, and the file after a crash, see either
// the previous content or the complete new one.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %v", path, err)
	}
	err = fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error {
		return writeData(w, header, tensors)
	})
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// writeData writes the length prefix, the encoded header and the tensor
// data.
func writeData(w io.Writer, header []byte, tensors []Tensor) error {
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("write tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// encodeHeader validates the tensors and returns the padded JSON header.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writeJSONString(&buf, metadataKey)
		buf.WriteString(":{")
		for i, k := range keys {
			v := metadata[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("metadata %q: key and value must be valid UTF-8", k)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(&buf, k)
			buf.WriteByte(':')
			writeJSONString(&buf, v)
		}
		buf.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	offset := 0
	for i, t := range tensors {
		switch {
		case t.Name == metadataKey:
			return nil, fmt.Errorf("tensor name %q is reserved", metadataKey)
		case !utf8.ValidString(t.Name):
			return nil, fmt.Errorf("tensor name %q is not valid UTF-8", t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if err := t.checkData(); err != nil {
			return nil, err
		}
		if i > 0 || len(metadata) > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(&buf, t.Name)
		fmt.Fprintf(&buf, `:{"dtype":"%s","shape":[`, t.DType)
		for j, d := range t.Shape {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, "%d", d)
		}
		fmt.Fprintf(&buf, `],"data_offsets":[%d,%d]}`, offset, offset+len(t.Data))
		offset += len(t.Data)
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	if buf.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds the limit of %d bytes", buf.Len(), MaxHeaderSize)
	}
	return buf.Bytes(), nil
}

// writeJSONString appends s as a JSON string literal without HTML escaping.
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes; bytes.Buffer never fails
	buf.Truncate(buf.Len() - 1) // drop the newline Encode appends
}

// ReadFile reads and validates the safetensors file at path. Errors name
// the file and the problem.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %v", path, err)
	}
	return f, nil
}

// Read parses and validates a safetensors file held in memory. The Data of
// each returned tensor aliases data.
func Read(data []byte) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	return f, nil
}

// tensorInfo is one tensor entry of the header.
type tensorInfo struct {
	DType       string
	Shape       []int
	DataOffsets []int
}

// decodeEntry decodes the next tensor entry of the header. Field names
// must match exactly; unknown fields are ignored.
func decodeEntry(dec *json.Decoder) (*tensorInfo, error) {
	const want = "want an object with dtype, shape and data_offsets"
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("%s, %s", want, describe(err))
	}
	if fields == nil {
		return nil, fmt.Errorf("%s, got null", want)
	}
	info := &tensorInfo{}
	var missing []string
	for _, f := range []struct {
		name, want string
		dst        any
	}{
		{"dtype", "a string", &info.DType},
		{"shape", "an array of integers", &info.Shape},
		{"data_offsets", "an array of integers", &info.DataOffsets},
	} {
		raw, ok := fields[f.name]
		if !ok {
			missing = append(missing, f.name)
			continue
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			return nil, fmt.Errorf("%s: want %s, got null", f.name, f.want)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, fmt.Errorf("%s: want %s, %s", f.name, f.want, describe(err))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return info, nil
}

func parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field", n, len(data)-8)
	}
	header, buf := data[8:8+n], data[8+n:]
	if !utf8.Valid(header) {
		return nil, errors.New("header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, errors.New("header is not a JSON object (does not start with '{')")
	}
	if err := json.Unmarshal(header, new(json.RawMessage)); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("invalid header JSON at byte %d: %v", se.Offset, err)
		}
		return nil, fmt.Errorf("invalid header JSON: %v", err)
	}

	dec := json.NewDecoder(bytes.NewReader(header))
	if _, err := dec.Token(); err != nil { // the opening '{'
		return nil, fmt.Errorf("invalid header JSON: %v", err)
	}
	f := &File{}
	seen := make(map[string]bool)
	var offsets [][2]int
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid header JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("invalid header JSON: unexpected %v", tok)
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate header entry %q", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := dec.Decode(&f.Metadata); err != nil {
				return nil, fmt.Errorf("%s: want an object of string values, %s", metadataKey, describe(err))
			}
			continue
		}
		info, err := decodeEntry(dec)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		t, off, err := info.tensor(name, buf)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		f.Tensors = append(f.Tensors, t)
		offsets = append(offsets, off)
	}
	tok, err := dec.Token() // the closing '}'
	if err != nil {
		return nil, fmt.Errorf("invalid header JSON: %v", err)
	}
	if tok != json.Delim('}') {
		return nil, fmt.Errorf("invalid header JSON: unexpected %v", tok)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid header JSON: data after the closing '}'")
	}

	// Order by data offset (stable, so zero-sized tensors at the same
	// offset keep header order), then require an exact tiling of buf.
	idx := make([]int, len(f.Tensors))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		oa, ob := offsets[idx[a]], offsets[idx[b]]
		return oa[0] < ob[0] || oa[0] == ob[0] && oa[1] < ob[1]
	})
	sorted := make([]Tensor, len(idx))
	end := 0
	for i, j := range idx {
		off := offsets[j]
		switch {
		case off[0] < end:
			return nil, fmt.Errorf("tensor %q: data_offsets %v overlap tensor %q ending at %d", f.Tensors[j].Name, off, sorted[i-1].Name, end)
		case off[0] > end:
			return nil, fmt.Errorf("tensor %q: data_offsets %v leave a hole of %d bytes at offset %d", f.Tensors[j].Name, off, off[0]-end, end)
		}
		end = off[1]
		sorted[i] = f.Tensors[j]
	}
	if end != len(buf) {
		return nil, fmt.Errorf("tensors cover %d bytes but the data buffer has %d bytes", end, len(buf))
	}
	f.Tensors = sorted
	return f, nil
}

// describe turns a JSON decoding error into a phrase without Go types.
func describe(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("got %s in %s", te.Value, te.Field)
		}
		return fmt.Sprintf("got %s", te.Value)
	}
	return err.Error()
}

// tensor validates a header entry against the data buffer.
func (info *tensorInfo) tensor(name string, buf []byte) (Tensor, [2]int, error) {
	dt := DType(info.DType)
	size := dt.Size()
	if size == 0 {
		return Tensor{}, [2]int{}, fmt.Errorf("unsupported dtype %q (want one of %s)", dt, knownDTypes)
	}
	n, err := numElements(info.Shape)
	if err != nil {
		return Tensor{}, [2]int{}, err
	}
	if len(info.DataOffsets) != 2 {
		return Tensor{}, [2]int{}, fmt.Errorf("data_offsets %v: want [begin, end]", info.DataOffsets)
	}
	b, e := info.DataOffsets[0], info.DataOffsets[1]
	if b < 0 || b > e || e > len(buf) {
		return Tensor{}, [2]int{}, fmt.Errorf("data_offsets %v out of bounds of the %d-byte data buffer", info.DataOffsets, len(buf))
	}
	if n > math.MaxInt/size {
		return Tensor{}, [2]int{}, fmt.Errorf("shape %v has too many elements", info.Shape)
	}
	if e-b != n*size {
		return Tensor{}, [2]int{}, fmt.Errorf("data_offsets %v span %d bytes, want %d (%s, shape %v)", info.DataOffsets, e-b, n*size, dt, info.Shape)
	}
	t := Tensor{Name: name, DType: dt, Shape: info.Shape, Data: buf[b:e:e]}
	return t, [2]int{b, e}, nil
}
