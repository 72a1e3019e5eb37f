package safetensors

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzRead checks that Read never panics and that every file it accepts
// survives a Write/Read round trip unchanged.
func FuzzRead(f *testing.F) {
	f.Add(file(pad8(goldenHeader), goldenData))
	f.Add(file(pad8(mixedHeader), mixedData))
	f.Add(file(`{}`, nil))
	f.Add(file(`{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, []byte{0, 0x7e}))
	f.Add(file(`{"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[0],"data_offsets":[8,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add(file(`{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[1,1],"data_offsets":[0,2]}}`, []byte{0x80, 0x3f}))
	f.Add([]byte{1, 2, 3})
	f.Add(file(`{"a":5}`, nil))

	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Read(data)
		if err != nil {
			return
		}
		for _, tn := range got.Tensors {
			if len(tn.Data) != tn.NumElements()*tn.DType.Size() {
				t.Fatalf("tensor %q: %d bytes for %d %s elements", tn.Name, len(tn.Data), tn.NumElements(), tn.DType)
			}
			tn.Float32s()
			tn.Int32s()
			if tn2, ok := got.Tensor(tn.Name); !ok || !reflect.DeepEqual(tn, tn2) {
				t.Fatalf("Tensor(%q) does not find the tensor", tn.Name)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("Write of an accepted file failed: %v", err)
		}
		again, err := Read(buf.Bytes())
		if err != nil {
			t.Fatalf("Read of the rewritten file failed: %v", err)
		}
		normalize(got)
		normalize(again)
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("round trip changed the file:\n got %+v\nwant %+v", again, got)
		}
	})
}

// normalize makes empty maps and slices nil so that files with the same
// content compare equal.
func normalize(f *File) {
	if len(f.Metadata) == 0 {
		f.Metadata = nil
	}
	if len(f.Tensors) == 0 {
		f.Tensors = nil
	}
}
