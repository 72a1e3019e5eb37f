package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"workbench/core/tokenize"
)

func encodeBytes(s string) []int32 {
	ids, _ := tokenize.Bytes().Encode(nil, []byte(s))
	return ids
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSplit(t *testing.T) {
	p := writeFile(t, strings.Repeat("abcdefghij", 10))
	d, err := Load(p, tokenize.Bytes(), 0.1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.Len() != 90 || d.Val.Len() != 10 || d.ValBytes != 10 || d.Bytes != 100 {
		t.Fatalf("split %d/%d, val bytes %d", d.Train.Len(), d.Val.Len(), d.ValBytes)
	}
	if d.Val.Int32s()[0] != 'a' || d.Train.Int32s()[89] != 'j' {
		t.Fatalf("split is not by position")
	}
	if len(d.SHA256) != 64 {
		t.Fatalf("sha256 %q", d.SHA256)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	short := writeFile(t, "hello world")
	for _, tc := range []struct {
		path string
		frac float64
		want string
	}{
		{filepath.Join(dir, "missing.txt"), 0.1, "missing.txt does not exist"},
		{empty, 0.1, "empty.txt is empty"},
		{short, 0.1, "is too short: 11 bytes give 10 training and 1 validation tokens, need at least 129 in each"},
		{short, 1.5, "validation fraction must be in (0, 1), got 1.5"},
	} {
		_, err := Load(tc.path, tokenize.Bytes(), tc.frac, 129)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): got %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestBatcherDeterministicAndResumable(t *testing.T) {
	tokens := Int32Tokens(encodeBytes(strings.Repeat("the quick brown fox ", 20)))
	a := NewBatcher(tokens, 3, 8, 42)
	b := NewBatcher(tokens, 3, 8, 42)
	x1, y1 := make([]int32, 24), make([]int32, 24)
	x2, y2 := make([]int32, 24), make([]int32, 24)
	for step := 0; step < 5; step++ {
		a.Next(x1, y1)
		b.Next(x2, y2)
		for i := range x1 {
			if x1[i] != x2[i] || y1[i] != y2[i] {
				t.Fatalf("step %d: same seed gave different batches", step)
			}
		}
		for r := 0; r < 3; r++ {
			for i := 0; i < 7; i++ {
				if y1[r*8+i] != x1[r*8+i+1] {
					t.Fatal("targets are not inputs shifted by one")
				}
			}
		}
	}
	state, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a.Next(x1, y1)
	c := NewBatcher(tokens, 3, 8, 7)
	if err := c.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	c.Next(x2, y2)
	for i := range x1 {
		if x1[i] != x2[i] {
			t.Fatal("restored batcher drew a different batch")
		}
	}
}

func TestWindows(t *testing.T) {
	ids := encodeBytes("0123456789")
	x, y := Windows(Int32Tokens(ids), 3, 4)
	want := []string{"0123", "2345", "5678"}
	for i, w := range want {
		got := make([]byte, 4)
		for j := range got {
			got[j] = byte(x[i*4+j])
		}
		if string(got) != w || y[i*4+3] != ids[int(got[3]-'0')+1] {
			t.Errorf("window %d = %q, want %q", i, got, w)
		}
	}
}

// TestOffsetsAreNextsWindows checks that Offsets draws the windows Next
// fills, so a plan's data windows are the run's batches.
func TestOffsetsAreNextsWindows(t *testing.T) {
	text := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog. ", 40))
	tokens := make([]int32, len(text))
	for i, c := range text {
		tokens[i] = int32(c)
	}
	const b, n = 3, 8
	next, offs := NewBatcher(Int32Tokens(tokens), b, n, 7), NewBatcher(Int32Tokens(tokens), b, n, 7)
	in, tg := make([]int32, b*n), make([]int32, b*n)
	for step := 0; step < 5; step++ {
		next.Next(in, tg)
		for i, s := range offs.Offsets(nil) {
			if !slices.Equal(in[i*n:(i+1)*n], tokens[s:s+n]) || !slices.Equal(tg[i*n:(i+1)*n], tokens[s+1:s+1+n]) {
				t.Fatalf("step %d window %d: offset %d is not the window Next drew", step, i, s)
			}
		}
	}
}
