package data

import (
	"fmt"
	"math/rand/v2"

	"workbench/core/tokenize"
)

// Masked-language-model batches for BERT. A sequence is
// [CLS] tokens [SEP], padded with [PAD] when the text runs out. Each
// non-special position is selected with probability Rate (15% by default,
// as in BERT and Hugging Face's DataCollatorForLanguageModeling); a
// selected position is replaced by [MASK] with probability 0.8, by a random
// ordinary token with probability 0.1, and left as it is otherwise. Its
// label is the original token; every other position is labelled Ignore.
// The loss is the cross-entropy over the labelled positions only.

// Ignore labels a position the MLM loss does not score. It equals
// nn.IgnoreIndex; files in the Hugging Face convention write it as -100.
const Ignore = -1

// The special tokens of the byte tokenizer for BERT: the 256 byte values
// keep their ids and four ids follow them, so the vocabulary is
// VocabBytesBERT = 260.
const (
	BytePAD  = 256
	ByteCLS  = 257
	ByteSEP  = 258
	ByteMASK = 259

	VocabBytesBERT = 260
)

// DefaultMaskRate is the fraction of non-special positions an MLM batch
// selects.
const DefaultMaskRate = 0.15

// MLM describes how sequences are built and masked.
type MLM struct {
	CLS, SEP, MASK, PAD int32
	// Vocab is the vocabulary size; random replacements are drawn
	// uniformly from the ids in [0, Vocab) that are not special.
	Vocab int
	// Rate is the fraction of non-special positions selected, in (0, 1).
	Rate float64
}

// ByteMLM is the MLM of the byte tokenizer with the given mask rate.
func ByteMLM(rate float64) MLM {
	return MLM{CLS: ByteCLS, SEP: ByteSEP, MASK: ByteMASK, PAD: BytePAD, Vocab: VocabBytesBERT, Rate: rate}
}

// NewMLM returns the MLM of tokenizer tok: ByteMLM for the byte tokenizer,
// else the ids tok gives [CLS], [SEP], [MASK] and [PAD] (as a WordPiece
// vocabulary has them) within its own vocabulary. A tokenizer without one
// of them, or a rate outside (0, 1), is an error.
func NewMLM(tok tokenize.Tokenizer, rate float64) (MLM, error) {
	if tok.Name() == tokenize.Bytes().Name() {
		m := ByteMLM(rate)
		return m, m.Validate()
	}
	sp := tok.Special()
	m := MLM{Vocab: tok.VocabSize(), Rate: rate}
	for i, p := range []*int32{&m.CLS, &m.SEP, &m.MASK, &m.PAD} {
		id, ok := sp[specialNames[i]]
		if !ok {
			return MLM{}, fmt.Errorf("tokenizer %s has no %s token; a BERT needs [CLS] [SEP] [MASK] [PAD]", tok.Name(), specialNames[i])
		}
		*p = id
	}
	return m, m.Validate()
}

// Validate reports the first problem with m as a one-line error.
func (m MLM) Validate() error {
	if !(m.Rate > 0 && m.Rate < 1) {
		return fmt.Errorf("mask rate must be in (0, 1), got %g", m.Rate)
	}
	ids := []int32{m.CLS, m.SEP, m.MASK, m.PAD}
	for i, id := range ids {
		if id < 0 || int(id) >= m.Vocab {
			return fmt.Errorf("special token %s has id %d outside the vocabulary of %d", specialNames[i], id, m.Vocab)
		}
		for j := 0; j < i; j++ {
			if ids[j] == id {
				return fmt.Errorf("special tokens %s and %s share id %d", specialNames[j], specialNames[i], id)
			}
		}
	}
	if m.Vocab <= len(ids) {
		return fmt.Errorf("vocabulary of %d has no ordinary token besides [CLS] [SEP] [MASK] [PAD]", m.Vocab)
	}
	return nil
}

var specialNames = []string{"[CLS]", "[SEP]", "[MASK]", "[PAD]"}

// TextLen returns how many text tokens a sequence of t positions holds: t
// minus [CLS] and [SEP].
func TextLen(t int) int { return t - 2 }

// Build writes [CLS] text [SEP] into seq and fills the rest with [PAD].
// It returns the number of real positions, len(text)+2 ≤ len(seq).
func (m MLM) Build(seq, text []int32) int {
	copy(seq[1:], text)
	return m.frame(seq, len(text))
}

// read builds the sequence of the w tokens of tokens from start into seq.
func (m MLM) read(seq []int32, tokens Tokens, start, w int) int {
	tokens.Read(seq[1:1+w], start)
	return m.frame(seq, w)
}

// frame puts [CLS] before and [SEP] after the w text tokens at seq[1:],
// pads the rest and returns the number of real positions.
func (m MLM) frame(seq []int32, w int) int {
	n := w + 2
	seq[0] = m.CLS
	seq[n-1] = m.SEP
	for i := n; i < len(seq); i++ {
		seq[i] = m.PAD
	}
	return n
}

// Mask masks the n real positions of seq in place (positions 0 and n−1
// are [CLS] and [SEP] and never selected) and writes labels: the original
// token at each selected position, Ignore elsewhere (padding included). It
// draws from rng in position order.
func (m MLM) Mask(rng *rand.Rand, seq, labels []int32, n int) {
	for i := range labels[:len(seq)] {
		labels[i] = Ignore
	}
	for i := 1; i < n-1; i++ {
		if rng.Float64() >= m.Rate {
			continue
		}
		labels[i] = seq[i]
		switch u := rng.Float64(); {
		case u < 0.8:
			seq[i] = m.MASK
		case u < 0.9:
			seq[i] = m.randomToken(rng)
		}
	}
}

// randomToken draws an ordinary (non-special) token uniformly.
func (m MLM) randomToken(rng *rand.Rand) int32 {
	for {
		id := int32(rng.IntN(m.Vocab))
		if id != m.CLS && id != m.SEP && id != m.MASK && id != m.PAD {
			return id
		}
	}
}

// MLMBatcher draws masked training sequences: windows of TextLen(t) tokens at
// random positions, built and masked from one seeded generator, so its
// state (MarshalBinary) resumes the same batches and masks.
type MLMBatcher struct {
	*Batcher
	mlm MLM
}

// NewMLMBatcher returns a batcher of b masked sequences of t positions over
// tokens, which must hold at least TextLen(t)+1 tokens.
func NewMLMBatcher(tokens Tokens, b, t int, seed uint64, m MLM) (*MLMBatcher, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if t < 3 {
		return nil, fmt.Errorf("an MLM sequence needs at least 3 positions ([CLS] token [SEP]), got %d", t)
	}
	return &MLMBatcher{NewBatcher(tokens, b, TextLen(t), seed), m}, nil
}

// Next fills inputs (masked sequences) and labels, b·t values each.
func (mb *MLMBatcher) Next(inputs, labels []int32) {
	b, w := mb.b, mb.t // the embedded batcher draws windows of TextLen(t)
	t := w + 2
	n := mb.tokens.Len() - w
	for i := 0; i < b; i++ {
		s := mb.rng.IntN(n)
		seq, lab := inputs[i*t:(i+1)*t], labels[i*t:(i+1)*t]
		mb.mlm.read(seq, mb.tokens, s, w)
		mb.mlm.Mask(mb.rng, seq, lab, t)
	}
}

// Windows returns count fixed masked sequences of t positions whose text
// windows are spread evenly over tokens (as Windows does), masked from a
// generator seeded with seed: the same sequences and masks at every
// evaluation.
func (m MLM) Windows(tokens Tokens, count, t int, seed uint64) (inputs, labels []int32) {
	w := TextLen(t)
	rng := rand.New(rand.NewPCG(seed, 0x6d6c6d))
	inputs, labels = make([]int32, count*t), make([]int32, count*t)
	span := tokens.Len() - w
	for i := 0; i < count; i++ {
		s := 0
		if count > 1 {
			s = i * span / (count - 1)
		}
		seq, lab := inputs[i*t:(i+1)*t], labels[i*t:(i+1)*t]
		m.read(seq, tokens, s, w)
		m.Mask(rng, seq, lab, t)
	}
	return inputs, labels
}

// Strided splits tokens into consecutive, non-overlapping windows of
// TextLen(t) tokens (the last may be shorter and is padded), so every token
// is in exactly one sequence, and masks them from a generator seeded with
// seed. lens holds each sequence's number of real positions.
func (m MLM) Strided(tokens Tokens, t int, seed uint64) (inputs, labels []int32, lens []int) {
	w := TextLen(t)
	count := (tokens.Len() + w - 1) / w
	rng := rand.New(rand.NewPCG(seed, 0x6d6c6d))
	inputs, labels, lens = make([]int32, count*t), make([]int32, count*t), make([]int, count)
	for i := 0; i < count; i++ {
		seq, lab := inputs[i*t:(i+1)*t], labels[i*t:(i+1)*t]
		lens[i] = m.read(seq, tokens, i*w, min(w, tokens.Len()-i*w))
		m.Mask(rng, seq, lab, lens[i])
	}
	return inputs, labels, lens
}

// ByteVocabBERT returns the tokens of the byte tokenizer with BERT's
// special tokens, in id order, as a Hugging Face vocab.txt lists them: byte
// b is written <0xHH>, then [PAD] [CLS] [SEP] [MASK].
func ByteVocabBERT() []string {
	v := make([]string, 0, VocabBytesBERT)
	for b := 0; b < tokenize.Bytes().VocabSize(); b++ {
		v = append(v, fmt.Sprintf("<0x%02X>", b))
	}
	return append(v, "[PAD]", "[CLS]", "[SEP]", "[MASK]")
}
