package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"workbench/core/wb/host"
)

func ExampleRun() {
	// testdata/params.go prints the steps of wb.Config() and its own
	// parameters n, label, scale and verbose.
	dir := filepath.Join(os.TempDir(), "example-run") // created only if the script writes
	err := host.Run(context.Background(), "testdata/params.go", host.Options{
		Dir: dir,
		Set: []string{"steps=20,n=4", "label=first"},
	})
	fmt.Println(err)

	err = host.Run(context.Background(), "testdata/params.go", host.Options{Dir: dir, Set: []string{"step=20"}})
	fmt.Println(err != nil)
	// Output:
	// 20 4 first 0.5 false
	// <nil>
	// true
}
