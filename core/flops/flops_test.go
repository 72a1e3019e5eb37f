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

func TestTrainMLM(t *testing.T) {
	for _, tc := range []struct {
		b, t, depth, d, v, scored int
		want                      float64
	}{
		// 6·1·1·12 + 12·1·1·1·1 + 6·1·(1 + 1)
		{1, 1, 1, 1, 1, 1, 72 + 12 + 12},
		// nothing scored: the blocks only, as GPT without its head
		{16, 128, 6, 256, 260, 0, Train(16, 128, 6, 256, 0)},
		// bert-tiny with 15% of 126 positions scored in each of 16 sequences (302)
		{16, 128, 6, 256, 260, 302, Train(16, 128, 6, 256, 0) + 6*302*(256*256+256*260)},
	} {
		if got := TrainMLM(tc.b, tc.t, tc.depth, tc.d, tc.v, tc.scored); got != tc.want {
			t.Errorf("TrainMLM(%d,%d,%d,%d,%d,%d) = %g, want %g", tc.b, tc.t, tc.depth, tc.d, tc.v, tc.scored, got, tc.want)
		}
	}
}

func ExampleTrain() {
	// One step of GPT-2 124M shape (12 layers, d 768, vocab 50257) on
	// 4 sequences of 256 tokens.
	fmt.Printf("%.3e\n", Train(4, 256, 12, 768, 50257))
	// Output: 7.880e+11
}

func ExampleTrainMLM() {
	// One step of BERT-Base (12 layers, d 768, vocab 30522) on 8 sequences
	// of 512 positions, 15% of the 510 text positions of each scored.
	fmt.Printf("%.3e\n", TrainMLM(8, 512, 12, 768, 30522, 8*510*15/100))
	// Output: 2.408e+12
}
