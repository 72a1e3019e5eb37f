package train

import (
	"strings"
	"testing"
)

// A configuration that needs more memory than the machine has is refused
// before anything is allocated, with the sizes and the flags.
func TestNewRefusesWhatDoesNotFit(t *testing.T) {
	old := machineMemory
	defer func() { machineMemory = old }()
	machineMemory = func() float64 { return 8e9 }

	c := smallConfig(t, shakespeare)
	c.Dim = 1000000
	_, err := New(c, Hooks{})
	// 2 layers of 12·d² weights: 2.4e13 parameters of 16 bytes each.
	want := "a run with --layers 2 --dim 1000000 --heads 2 --seq 16 --batch 4 needs 384016 GB of memory"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "this machine has 8.00 GB") {
		t.Fatalf("dim 1e6: %v, want an error starting %q", err, want)
	}
	c.Dim, c.Batch, c.Seq = 32, 4096, 2048
	if _, err := New(c, Hooks{}); err == nil || !strings.Contains(err.Error(), "--batch 4096") {
		t.Errorf("batch 4096 seq 2048: %v", err)
	}
	c.Batch, c.Seq = 4, 16
	if _, err := New(c, Hooks{}); err != nil {
		t.Errorf("small model: %v", err)
	}
}

func TestMemoryBytesCountsOptimizer(t *testing.T) {
	c := Defaults()
	m := c.ModelConfig(50257)
	if got, want := c.MemoryBytes(50257)-m.Bytes(), 8*float64(m.NumParams()); got != want {
		t.Errorf("optimizer share %g bytes, want %g (two float32 moments per parameter)", got, want)
	}
}
