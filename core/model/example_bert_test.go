package model_test

import (
	"fmt"
	"math"

	"workbench/core/data"
	"workbench/core/model"
	"workbench/core/tokenize"
)

// A BERT encoder trained with the MLM objective on a shared depth plan:
// two physical layers, the first executed twice.
func ExampleModel_ForwardPadded() {
	c := model.Config{Arch: model.BERT, Layers: 2, Dim: 16, Heads: 2, Seq: 12, Vocab: data.VocabBytesBERT, Batch: 2, MaxDepth: 3}
	m, err := model.New(c, 1)
	if err != nil {
		panic(err)
	}
	mlm := data.ByteMLM(0.5)
	text, _ := tokenize.Bytes().Encode(nil, []byte("grow the model while it trains"))
	inputs, labels, lens := mlm.Strided(data.Int32Tokens(text), c.Seq, 7)
	loss, err := m.ForwardPadded([]int{0, 0, 1}, inputs[:2*c.Seq], labels[:2*c.Seq], lens[:2], 2, c.Seq)
	if err != nil {
		panic(err)
	}
	m.Backward(1)
	fmt.Printf("%d sequences, loss %.1f nats at initialisation (ln %d = %.1f)\n", len(lens), loss, c.Vocab, math.Log(float64(c.Vocab)))
	// Output: 3 sequences, loss 5.6 nats at initialisation (ln 260 = 5.6)
}
