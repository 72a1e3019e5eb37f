package script_test

import (
	"fmt"
	"math/rand/v2"

	"workbench/core/grow"
	"workbench/core/script"
)

func ExampleLoadSampler() {
	s, err := script.LoadSampler("lvpsk:k=0")
	if err != nil {
		fmt.Println(err)
		return
	}
	st := grow.SampleState{Real: 3, Target: 12, Rand: rand.New(rand.NewPCG(1, 2))}
	depth, err := s.Sample(st)
	fmt.Println(s, depth >= 3 && depth <= 12, err)

	_, err = script.LoadSampler("fixed:depth=13")
	fmt.Println(err)
	f, _ := script.LoadSampler("fixed:depth=13")
	_, err = f.Sample(st)
	fmt.Println(err)
	// Output:
	// lvpsk:K=0 true <nil>
	// <nil>
	// plugins/samplers/fixed/fixed.go: sampled depth 13 outside [3, 12]
}

func ExampleLoadExpander() {
	e, err := script.LoadExpander("stack")
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := e.Expand(4, 6)
	fmt.Println(src, err)
	// Output:
	// [0 1 2 3 2 3] <nil>
}

func ExampleLoadShareMap() {
	m, err := script.LoadShareMap("interpolate")
	if err != nil {
		fmt.Println(err)
		return
	}
	ids, err := m.Share(3, 7)
	fmt.Println(ids, err)
	// Output:
	// [0 0 0 1 1 2 2] <nil>
}
