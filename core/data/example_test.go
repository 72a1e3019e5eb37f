package data_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"workbench/core/data"
	"workbench/core/tokenize"
)

func ExampleEncodeDir() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	var files []string
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(strings.Repeat("to be or not to be\n", 50)), 0o644)
		files = append(files, p)
	}
	meta, err := data.EncodeDir(tokenize.Bytes(), files, filepath.Join(dir, "tokens"), data.SplitDocuments, 0.3, nil)
	if err != nil {
		panic(err)
	}
	d, err := data.Load(filepath.Join(dir, "tokens"), tokenize.Bytes(), 0.1, 2)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	fmt.Println(meta.DType, meta.Train.Tokens, meta.Val.Tokens, d.Val.Len())
	// Output: uint16 1900 950 950
}
