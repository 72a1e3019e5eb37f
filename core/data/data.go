// Package data turns text files into token streams and batches: a
// byte-level tokenizer, a train/validation split by position, seeded random
// training windows and fixed validation windows.
package data

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
)

// VocabBytes is the vocabulary size of the byte tokenizer: every byte is a
// token.
const VocabBytes = 256

// EncodeBytes tokenizes text with the byte tokenizer.
func EncodeBytes(text []byte) []int32 {
	t := make([]int32, len(text))
	for i, b := range text {
		t[i] = int32(b)
	}
	return t
}

// Dataset is a tokenized text file split by position into training and
// validation tokens.
type Dataset struct {
	Path   string
	SHA256 string // of the file's bytes
	Bytes  int    // size of the file
	Train  []int32
	Val    []int32
	// ValBytes is the number of bytes the validation tokens cover (for
	// bits per byte).
	ValBytes int
}

// Load reads path with the byte tokenizer and keeps the last valFrac of the
// tokens for validation. Each split must hold at least minTokens tokens
// (one training window is seq+1 tokens).
func Load(path string, valFrac float64, minTokens int) (*Dataset, error) {
	if valFrac <= 0 || valFrac >= 1 {
		return nil, fmt.Errorf("validation fraction must be in (0, 1), got %g", valFrac)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data file %s does not exist", path)
		}
		return nil, fmt.Errorf("data file %s: %v", path, err)
	}
	if len(text) == 0 {
		return nil, fmt.Errorf("data file %s is empty", path)
	}
	tokens := EncodeBytes(text)
	nVal := int(float64(len(tokens)) * valFrac)
	nTrain := len(tokens) - nVal
	if nTrain < minTokens || nVal < minTokens {
		return nil, fmt.Errorf("data file %s is too short: %d bytes give %d training and %d validation tokens, need at least %d in each (sequence length + 1)",
			path, len(text), nTrain, nVal, minTokens)
	}
	sum := sha256.Sum256(text)
	return &Dataset{
		Path:     path,
		SHA256:   hex.EncodeToString(sum[:]),
		Bytes:    len(text),
		Train:    tokens[:nTrain],
		Val:      tokens[nTrain:],
		ValBytes: nVal,
	}, nil
}

// Batcher draws training windows at random positions of a token stream
// from a seeded generator: the same seed gives the same batches.
type Batcher struct {
	tokens []int32
	b, t   int
	src    *rand.PCG
	rng    *rand.Rand
}

// NewBatcher returns a batcher of b windows of t tokens over tokens, which
// must hold at least t+1 tokens.
func NewBatcher(tokens []int32, b, t int, seed uint64) *Batcher {
	src := rand.NewPCG(seed, 0x62617463686572)
	return &Batcher{tokens: tokens, b: b, t: t, src: src, rng: rand.New(src)}
}

// Next fills inputs and targets (b·t values each) with b windows: targets
// are the inputs shifted by one token.
func (bt *Batcher) Next(inputs, targets []int32) {
	n := len(bt.tokens) - bt.t
	for i := 0; i < bt.b; i++ {
		s := bt.rng.IntN(n)
		copy(inputs[i*bt.t:(i+1)*bt.t], bt.tokens[s:s+bt.t])
		copy(targets[i*bt.t:(i+1)*bt.t], bt.tokens[s+1:s+1+bt.t])
	}
}

// MarshalBinary returns the generator state, so a resumed run draws the
// same batches.
func (bt *Batcher) MarshalBinary() ([]byte, error) { return bt.src.MarshalBinary() }

// UnmarshalBinary restores a state returned by MarshalBinary.
func (bt *Batcher) UnmarshalBinary(b []byte) error { return bt.src.UnmarshalBinary(b) }

// Windows returns n fixed windows of t+1 tokens spread evenly over tokens
// (first at the start, last at the end), as input/target pairs of length t
// laid out window after window. Evaluating the same windows at every
// evaluation makes losses comparable across steps and runs.
func Windows(tokens []int32, n, t int) (inputs, targets []int32) {
	inputs = make([]int32, n*t)
	targets = make([]int32, n*t)
	span := len(tokens) - t - 1
	for i := 0; i < n; i++ {
		s := 0
		if n > 1 {
			s = i * span / (n - 1)
		}
		copy(inputs[i*t:(i+1)*t], tokens[s:s+t])
		copy(targets[i*t:(i+1)*t], tokens[s+1:s+1+t])
	}
	return inputs, targets
}
