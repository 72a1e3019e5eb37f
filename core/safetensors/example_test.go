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
