package train

import (
	"fmt"

	"workbench/core/data"
	"workbench/core/model"
)

// EvalStream returns the mean loss of m running plan over tokens, and the
// number of tokens predicted. It uses strided, non-overlapping windows of
// the model's sequence length: window w feeds tokens[w·T : w·T+T] and
// predicts the next token at each position, so every token after the first
// is predicted exactly once, with the context of the preceding tokens in
// its window; the last, shorter window is included.
func EvalStream(m *model.Model, plan []int, tokens data.Tokens) (float64, int, error) {
	T, B := m.Config.Seq, m.Config.Batch
	n := tokens.Len() - 1
	if n < 1 {
		return 0, 0, fmt.Errorf("need at least 2 tokens to evaluate, got %d", tokens.Len())
	}
	full := n / T
	x := make([]int32, B*T)
	y := make([]int32, B*T)
	var sum float64
	for w := 0; w < full; w += B {
		b := B
		if full-w < b {
			b = full - w
		}
		for i := 0; i < b; i++ {
			s := (w + i) * T
			tokens.Read(x[i*T:(i+1)*T], s)
			tokens.Read(y[i*T:(i+1)*T], s+1)
		}
		l, err := m.Forward(plan, x[:b*T], y[:b*T], b, T)
		if err != nil {
			return 0, 0, err
		}
		sum += l * float64(b*T)
	}
	if rem := n - full*T; rem > 0 {
		s := full * T
		tokens.Read(x[:rem], s)
		tokens.Read(y[:rem], s+1)
		l, err := m.Forward(plan, x[:rem], y[:rem], 1, rem)
		if err != nil {
			return 0, 0, err
		}
		sum += l * float64(rem)
	}
	return sum / float64(n), n, nil
}
