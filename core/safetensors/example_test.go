package safetensors_test

import (
	"bytes"
	"fmt"
	"log"

	"workbench/core/safetensors"
)

func Example() {
	tensors := []safetensors.Tensor{
		safetensors.NewF32("wte", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.NewI32("step", []int{}, []int32{100}),
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Read(buf.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape, t.NumElements())
	}
	wte, _ := f.Tensor("wte")
	vals, err := wte.Float32s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vals, f.Metadata["format"])
	// Output:
	// wte F32 [2 3] 6
	// step I32 [] 1
	// [1 2 3 4 5 6] pt
}

// A header can be read from a stream without its data, for example to
// list a large file's tensors, and encoded without the data, for example
// to write the data buffer straight from memory one wants to stream.
func ExampleReadHeader() {
	header, err := safetensors.EncodeHeader([]safetensors.TensorInfo{
		{Name: "wte", DType: safetensors.F32, Shape: []int{50257, 768}, Begin: 0, End: 50257 * 768 * 4},
		{Name: "step", DType: safetensors.I64, Shape: []int{}, Begin: 50257 * 768 * 4, End: 50257*768*4 + 8},
	}, map[string]string{"format": "pt"})
	if err != nil {
		log.Fatal(err)
	}
	h, err := safetensors.ReadHeader(bytes.NewReader(header))
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range h.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape, t.End-t.Begin)
	}
	fmt.Println(h.Len(), h.DataSize)
	// Output:
	// wte F32 [50257 768] 154389504
	// step I64 [] 8
	// 184 154389512
}
