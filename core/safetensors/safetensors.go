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
// data buffer exactly, duplicate keys in any object of the header) and
// never panics on malformed input. ReadHeader and EncodeHeader read and
// write the header alone, for streams whose data is handled elsewhere;
// Read and Write use them, so every header goes through the same code.
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
	header, err := tensorHeader(tensors, metadata)
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
	header, err := tensorHeader(tensors, metadata)
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

// writeData writes the length prefix and encoded header, then the tensor
// data.
func writeData(w io.Writer, header []byte, tensors []Tensor) error {
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

// tensorHeader validates the tensors' data and returns the encoded header
// of a file holding them in order.
func tensorHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	infos := make([]TensorInfo, len(tensors))
	var offset int64
	for i, t := range tensors {
		if err := t.checkData(); err != nil {
			return nil, err
		}
		infos[i] = TensorInfo{Name: t.Name, DType: t.DType, Shape: t.Shape, Begin: offset, End: offset + int64(len(t.Data))}
		offset += int64(len(t.Data))
	}
	return encodeHeader(infos, metadata)
}

// encodeHeader validates the tensor entries and returns the length prefix
// and the padded JSON header.
func encodeHeader(tensors []TensorInfo, metadata map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(make([]byte, 8)) // the length, filled in below
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
	var offset int64
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
		size := t.DType.Size()
		if size == 0 {
			return nil, fmt.Errorf("tensor %q: unsupported dtype %q (want one of %s)", t.Name, t.DType, knownDTypes)
		}
		n, err := numElements(t.Shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", t.Name, err)
		}
		if n > math.MaxInt/size {
			return nil, fmt.Errorf("tensor %q: shape %v has too many elements", t.Name, t.Shape)
		}
		if t.Begin != offset || t.End-t.Begin != int64(n*size) {
			return nil, fmt.Errorf("tensor %q: data [%d, %d) does not follow the previous tensor's end %d with %d bytes (%s, shape %v)", t.Name, t.Begin, t.End, offset, n*size, t.DType, t.Shape)
		}
		offset = t.End
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
		fmt.Fprintf(&buf, `],"data_offsets":[%d,%d]}`, t.Begin, t.End)
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	n := buf.Len() - 8
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	b := buf.Bytes()
	binary.LittleEndian.PutUint64(b, uint64(n))
	return b, nil
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

func parse(data []byte) (*File, error) {
	h, err := readHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	buf := data[h.Len():]
	f := &File{Metadata: h.Metadata, Tensors: make([]Tensor, len(h.Tensors))}
	for i, t := range h.Tensors {
		f.Tensors[i] = Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape, Data: buf[t.Begin:t.End:t.End]}
	}
	return f, nil
}

// Header is everything in a safetensors file before its data buffer: the
// metadata and where each tensor's data lies.
type Header struct {
	// Metadata is the free-form "__metadata__" map, nil if absent.
	Metadata map[string]string
	// Tensors are in data order (ascending data offset); they tile the
	// data buffer from its first byte.
	Tensors []TensorInfo
	// JSONLen is the length of the JSON header as the 8-byte prefix
	// states it, padding included.
	JSONLen int64
	// DataSize is the length of the data buffer the tensors describe.
	DataSize int64
}

// Len returns the number of bytes before the data buffer: the 8-byte
// prefix and the JSON header.
func (h *Header) Len() int64 { return 8 + h.JSONLen }

// TensorInfo describes one tensor of a header.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End delimit the tensor's bytes in the data buffer.
	Begin, End int64
}

// ReadHeader reads the 8-byte length prefix and the JSON header of a
// safetensors stream, validates them as Read does (except that the data
// buffer's length is not known: the tensors must tile the DataSize bytes
// the header describes) and leaves r at the first byte of the data
// buffer. Memory grows with the bytes actually read, so a prefix that
// claims a header longer than the stream costs nothing. Errors of r are
// wrapped; a stream that ends inside the prefix or the header gives an
// error wrapping io.ErrUnexpectedEOF.
func ReadHeader(r io.Reader) (*Header, error) {
	h, err := readHeader(r, -1)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return h, nil
}

// EncodeHeader returns the 8-byte length prefix and the JSON header of a
// file holding tensors and metadata (which may be nil), byte for byte as
// Write writes them. The tensors must be in data order and tile the data
// buffer from offset 0; names must be distinct, valid UTF-8 and not
// "__metadata__".
func EncodeHeader(tensors []TensorInfo, metadata map[string]string) ([]byte, error) {
	b, err := encodeHeader(tensors, metadata)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	return b, nil
}

// readHeader reads and validates a header. size is the length of the
// whole file when known, else -1.
func readHeader(r io.Reader, size int64) (*Header, error) {
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		if size >= 0 {
			return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", size)
		}
		return nil, readError(err, "the 8-byte header length")
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if size >= 0 && n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field", n, size-8)
	}
	var hb bytes.Buffer
	if _, err := io.CopyN(&hb, r, int64(n)); err != nil {
		return nil, readError(err, fmt.Sprintf("the %d-byte header", n))
	}
	dataSize := int64(-1)
	if size >= 0 {
		dataSize = size - 8 - int64(n)
	}
	h, err := parseHeader(hb.Bytes(), dataSize)
	if err != nil {
		return nil, err
	}
	h.JSONLen = int64(n)
	return h, nil
}

// readError describes an error of the reader inside part of the header.
func readError(err error, part string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return truncatedError(part)
	}
	return fmt.Errorf("reading %s: %w", part, err)
}

// truncatedError reports a stream that ends inside the named part of the
// header; it wraps io.ErrUnexpectedEOF.
type truncatedError string

func (e truncatedError) Error() string { return "the file ends inside " + string(e) }
func (e truncatedError) Unwrap() error { return io.ErrUnexpectedEOF }

// parseHeader validates the JSON header. dataSize is the length of the
// data buffer when known, else -1. Every object of the header must have
// distinct keys.
func parseHeader(header []byte, dataSize int64) (*Header, error) {
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
	// The header is valid JSON: the decoder below only meets the
	// structure, never a syntax error.
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.Token() // the opening '{'
	h := &Header{}
	seen := make(map[string]bool)
	for dec.More() {
		tok, _ := dec.Token()
		name := tok.(string)
		if seen[name] {
			return nil, fmt.Errorf("duplicate header entry %q", name)
		}
		seen[name] = true
		if name == metadataKey {
			m, err := decodeMetadata(dec)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", metadataKey, err)
			}
			h.Metadata = m
			continue
		}
		info, err := decodeEntry(dec)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		t, err := info.tensor(name, dataSize)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		h.Tensors = append(h.Tensors, t)
	}

	// Order by data offset (stable, so zero-sized tensors at the same
	// offset keep header order), then require an exact tiling.
	sort.SliceStable(h.Tensors, func(a, b int) bool {
		ta, tb := h.Tensors[a], h.Tensors[b]
		return ta.Begin < tb.Begin || ta.Begin == tb.Begin && ta.End < tb.End
	})
	end := int64(0)
	for i, t := range h.Tensors {
		switch {
		case t.Begin < end:
			return nil, fmt.Errorf("tensor %q: data_offsets [%d %d] overlap tensor %q ending at %d", t.Name, t.Begin, t.End, h.Tensors[i-1].Name, end)
		case t.Begin > end:
			return nil, fmt.Errorf("tensor %q: data_offsets [%d %d] leave a hole of %d bytes at offset %d", t.Name, t.Begin, t.End, t.Begin-end, end)
		}
		end = t.End
	}
	if dataSize >= 0 && end != dataSize {
		return nil, fmt.Errorf("tensors cover %d bytes but the data buffer has %d bytes", end, dataSize)
	}
	h.DataSize = end
	return h, nil
}

// decodeMetadata decodes the "__metadata__" object: string values with
// distinct keys.
func decodeMetadata(dec *json.Decoder) (map[string]string, error) {
	const want = "want an object of string values"
	var raw json.RawMessage
	dec.Decode(&raw) // valid JSON, see parseHeader
	if string(raw) == "null" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s, %s", want, describe(err))
	}
	if err := distinctKeys(raw, len(m)); err != nil {
		return nil, err
	}
	return m, nil
}

// distinctKeys reports an error if the JSON object obj, which decoded to
// n distinct keys, has more than n keys.
func distinctKeys(obj json.RawMessage, n int) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.Token() // '{'
	seen := make(map[string]bool, n)
	for dec.More() {
		tok, _ := dec.Token()
		k := tok.(string)
		if seen[k] {
			return fmt.Errorf("duplicate key %q", k)
		}
		seen[k] = true
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return nil
}

// tensorInfo is one tensor entry of the header.
type tensorInfo struct {
	DType       string
	Shape       []int
	DataOffsets []int64
}

// decodeEntry decodes the next tensor entry of the header. Field names
// must match exactly and appear once; unknown fields are ignored.
func decodeEntry(dec *json.Decoder) (*tensorInfo, error) {
	const want = "want an object with dtype, shape and data_offsets"
	var raw json.RawMessage
	dec.Decode(&raw) // valid JSON, see parseHeader
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("%s, %s", want, describe(err))
	}
	if fields == nil {
		return nil, fmt.Errorf("%s, got null", want)
	}
	if err := distinctKeys(raw, len(fields)); err != nil {
		return nil, err
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

// tensor validates a header entry; dataSize is the length of the data
// buffer when known, else -1.
func (info *tensorInfo) tensor(name string, dataSize int64) (TensorInfo, error) {
	dt := DType(info.DType)
	size := dt.Size()
	if size == 0 {
		return TensorInfo{}, fmt.Errorf("unsupported dtype %q (want one of %s)", dt, knownDTypes)
	}
	n, err := numElements(info.Shape)
	if err != nil {
		return TensorInfo{}, err
	}
	if len(info.DataOffsets) != 2 {
		return TensorInfo{}, fmt.Errorf("data_offsets %v: want [begin, end]", info.DataOffsets)
	}
	b, e := info.DataOffsets[0], info.DataOffsets[1]
	if b < 0 || b > e || dataSize >= 0 && e > dataSize {
		if dataSize < 0 {
			return TensorInfo{}, fmt.Errorf("data_offsets %v: want 0 <= begin <= end", info.DataOffsets)
		}
		return TensorInfo{}, fmt.Errorf("data_offsets %v out of bounds of the %d-byte data buffer", info.DataOffsets, dataSize)
	}
	if n > math.MaxInt/size {
		return TensorInfo{}, fmt.Errorf("shape %v has too many elements", info.Shape)
	}
	if e-b != int64(n*size) {
		return TensorInfo{}, fmt.Errorf("data_offsets %v span %d bytes, want %d (%s, shape %v)", info.DataOffsets, e-b, n*size, dt, info.Shape)
	}
	return TensorInfo{Name: name, DType: dt, Shape: info.Shape, Begin: b, End: e}, nil
}
