package flops

import (
	"fmt"
	"testing"
)

func TestTrain(t *testing.T) {
	for _, tc := range []struct {
		b, t, depth, d, v int
		want              float64
	}{
		// 6·1·1·(1·12·1 + 1·1) + 12·1·1·1·1 = 78 + 12
		{1, 1, 1, 1, 1, 90},
		// default model, full depth: 6·2048·(6·12·65536 + 65536) + 12·6·16·128²·256
		{16, 128, 6, 256, 256, 6*2048*(6*12*65536+65536) + 12*6*16*128*128*256},
		// a depth of 0 leaves only the LM head
		{2, 3, 0, 4, 5, 6 * 6 * 20},
	} {
		if got := Train(tc.b, tc.t, tc.depth, tc.d, tc.v); got != tc.want {
			t.Errorf("Train(%d,%d,%d,%d,%d) = %g, want %g", tc.b, tc.t, tc.depth, tc.d, tc.v, got, tc.want)
		}
	}
}

func ExampleTrain() {
	// One step of GPT-2 124M shape (12 layers, d 768, vocab 50257) on
	// 4 sequences of 256 tokens.
	fmt.Printf("%.3e\n", Train(4, 256, 12, 768, 50257))
	// Output: 7.880e+11
}
