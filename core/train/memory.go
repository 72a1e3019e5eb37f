package train

import (
	"fmt"
	"strconv"
	"workbench/core/sysmem"
)

// MemoryBytes estimates the memory a run of c with a vocabulary of vocab
// tokens needs, in bytes: the model's weights, gradients and activation
// buffers (model.Config.Bytes) and AdamW's two moments.
func (c *Config) MemoryBytes(vocab int) float64 {
	m := c.ModelConfig(vocab)
	params := (float64(vocab)+float64(c.Seq))*float64(c.Dim) + float64(c.Layers)*(12*float64(c.Dim)*float64(c.Dim)+13*float64(c.Dim)) + 2*float64(c.Dim)
	return m.Bytes() + 8*params
}

// machineMemory returns the memory this process may use, in bytes; 0 if
// unknown. Tests replace it.
var machineMemory = func() float64 { return float64(sysmem.Available()) }

// checkMemory refuses a configuration that needs more memory than the
// machine has, before anything is allocated, naming the flags that size
// the model and the activations.
func (c *Config) checkMemory(vocab int) error {
	have := machineMemory()
	need := c.MemoryBytes(vocab)
	if have <= 0 || need <= have {
		return nil
	}
	return fmt.Errorf("a run with --layers %d --dim %d --heads %d --seq %d --batch %d needs %s GB of memory (weights, gradients, AdamW moments and activations), this machine has %s GB; lower --dim, --layers, --batch or --seq",
		c.Layers, c.Dim, c.Heads, c.Seq, c.Batch, gb(need), gb(have))
}

// gb formats a number of bytes in GB (1e9 bytes) with three significant
// digits, without exponent.
func gb(bytes float64) string {
	x := bytes / 1e9
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}
