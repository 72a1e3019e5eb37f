package train_test

import (
	"fmt"

	"workbench/core/train"
)

// A run that sets no method is labelled from what it does.
func ExampleConfig_DerivedMethod() {
	c := train.Defaults()
	fmt.Println(c.DerivedMethod())
	c.Progressive("lvps", "interpolate", "interpolate")
	fmt.Println(c.DerivedMethod())
	// Output:
	// baseline
	// lvps+interpolate
}

// The memory a run needs, checked by train.New before it allocates.
func ExampleConfig_MemoryBytes() {
	c := train.Defaults()
	fmt.Printf("default run: %.0f MB\n", c.MemoryBytes(256)/1e6)
	fmt.Printf("with the GPT-2 tokenizer: %.0f MB\n", c.MemoryBytes(50257)/1e6)
	c.Dim = 1000000
	fmt.Printf("--dim 1000000: %.0f GB\n", c.MemoryBytes(256)/1e9)
	// Output:
	// default run: 365 MB
	// with the GPT-2 tokenizer: 671 MB
	// --dim 1000000: 1152892 GB
}
