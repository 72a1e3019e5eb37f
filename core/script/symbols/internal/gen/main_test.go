package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates every symbol table in memory and
// fails when a committed file differs, that is when an exported API changed
// without go generate being run in core/script/symbols.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, p := range packages {
		t.Run(p.path, func(t *testing.T) {
			want, err := generate(p.path)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("..", "..", filepath.FromSlash(p.dir), fileName(p.path))
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go generate in core/script/symbols)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run go generate in core/script/symbols", file)
			}
		})
	}
}
