// Package data turns text into token streams and batches: datasets read
// from a text file (tokenized on the fly) or from a token directory
// (memory-mapped), a train/validation split, seeded random training
// windows and fixed validation windows.
package data

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"workbench/core/tokenize"
	"workbench/datasets"
)

// Dataset is a tokenized corpus split into training and validation
// tokens.
type Dataset struct {
	Path      string
	SHA256    string // of the text file; of meta.json for a token directory
	Bytes     int    // bytes of text behind both splits
	Tokenizer tokenize.Tokenizer
	Train     Tokens
	Val       Tokens
	// TrainBytes and ValBytes are the bytes of text behind each split
	// (for bits per byte).
	TrainBytes, ValBytes int

	dir *TokenDir
}

// Load reads a corpus for training or evaluation. path is a text file,
// tokenized with tok and split by position (the last valFrac of its bytes
// is validation, each part tokenized on its own), or a token directory
// written by EncodeDir (memory-mapped; it must have been made with tok,
// and its own split is used). The default corpus,
// datasets/tinyshakespeare.txt, is compiled in: when no such file exists
// (the binary runs outside the repository) the embedded copy, the same
// bytes, is read. Each split must hold at least minTokens tokens (one
// training window is seq+1 tokens).
func Load(path string, tok tokenize.Tokenizer, valFrac float64, minTokens int) (*Dataset, error) {
	if valFrac <= 0 || valFrac >= 1 {
		return nil, fmt.Errorf("validation fraction must be in (0, 1), got %g", valFrac)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return loadDir(path, tok, minTokens)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data file %s: %v", path, err)
		}
		if filepath.Clean(path) != filepath.Clean(datasets.TinyShakespeareName) {
			return nil, fmt.Errorf("data file %s does not exist", path)
		}
		text = datasets.TinyShakespeare
	}
	if len(text) == 0 {
		return nil, fmt.Errorf("data file %s is empty", path)
	}
	nVal := int(float64(len(text)) * valFrac)
	cut := len(text) - nVal
	train, err := tok.Encode(nil, text[:cut])
	if err != nil {
		return nil, fmt.Errorf("data file %s: %v", path, err)
	}
	val, err := tok.Encode(nil, text[cut:])
	if err != nil {
		return nil, fmt.Errorf("data file %s: %v", path, err)
	}
	if len(train) < minTokens || len(val) < minTokens {
		return nil, fmt.Errorf("data file %s is too short: %d bytes give %d training and %d validation tokens, need at least %d in each (sequence length + 1)",
			path, len(text), len(train), len(val), minTokens)
	}
	sum := sha256.Sum256(text)
	return &Dataset{
		Path:       path,
		SHA256:     hex.EncodeToString(sum[:]),
		Bytes:      len(text),
		Tokenizer:  tok,
		Train:      Int32Tokens(train),
		Val:        Int32Tokens(val),
		TrainBytes: cut,
		ValBytes:   nVal,
	}, nil
}

func loadDir(path string, tok tokenize.Tokenizer, minTokens int) (*Dataset, error) {
	d, err := OpenDir(path, tok)
	if err != nil {
		return nil, err
	}
	if d.Train.Len() < minTokens || d.Val.Len() < minTokens {
		d.Close()
		return nil, fmt.Errorf("token directory %s is too short: %d training and %d validation tokens, need at least %d in each (sequence length + 1)",
			path, d.Train.Len(), d.Val.Len(), minTokens)
	}
	meta, err := os.ReadFile(filepath.Join(path, MetaFile))
	if err != nil {
		d.Close()
		return nil, err
	}
	sum := sha256.Sum256(meta)
	return &Dataset{
		Path:       path,
		SHA256:     hex.EncodeToString(sum[:]),
		Bytes:      int(d.Meta.Train.Bytes + d.Meta.Val.Bytes),
		Tokenizer:  tok,
		Train:      d.Train,
		Val:        d.Val,
		TrainBytes: int(d.Meta.Train.Bytes),
		ValBytes:   int(d.Meta.Val.Bytes),
		dir:        d,
	}, nil
}

// BitsPerByte converts a mean loss in nats per token over a whole split
// into bits per byte of the text behind it: nats × tokens ÷ bytes ÷ ln 2.
// With the byte tokenizer it is nats ÷ ln 2.
func BitsPerByte(nats float64, tokens, bytes int) float64 {
	if bytes <= 0 {
		return math.NaN()
	}
	return nats * float64(tokens) / float64(bytes) / math.Ln2
}

// TrainBPB and ValBPB convert a loss in nats per token on the training or
// validation split into bits per byte with that split's tokens per byte.
func (d *Dataset) TrainBPB(nats float64) float64 {
	return BitsPerByte(nats, d.Train.Len(), d.TrainBytes)
}

// ValBPB is TrainBPB for the validation split.
func (d *Dataset) ValBPB(nats float64) float64 { return BitsPerByte(nats, d.Val.Len(), d.ValBytes) }

// Close releases a memory-mapped token directory; the tokens must not be
// used after.
func (d *Dataset) Close() error {
	if d.dir == nil {
		return nil
	}
	return d.dir.Close()
}

// Batcher draws training windows at random positions of a token stream
// from a seeded generator: the same seed gives the same batches.
type Batcher struct {
	tokens Tokens
	b, t   int
	src    *rand.PCG
	rng    *rand.Rand
}

// NewBatcher returns a batcher of b windows of t tokens over tokens, which
// must hold at least t+1 tokens.
func NewBatcher(tokens Tokens, b, t int, seed uint64) *Batcher {
	src := rand.NewPCG(seed, 0x62617463686572)
	return &Batcher{tokens: tokens, b: b, t: t, src: src, rng: rand.New(src)}
}

// Next fills inputs and targets (b·t values each) with b windows: targets
// are the inputs shifted by one token.
func (bt *Batcher) Next(inputs, targets []int32) {
	n := bt.tokens.Len() - bt.t
	for i := 0; i < bt.b; i++ {
		s := bt.rng.IntN(n)
		bt.tokens.Read(inputs[i*bt.t:(i+1)*bt.t], s)
		bt.tokens.Read(targets[i*bt.t:(i+1)*bt.t], s+1)
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
func Windows(tokens Tokens, n, t int) (inputs, targets []int32) {
	inputs = make([]int32, n*t)
	targets = make([]int32, n*t)
	span := tokens.Len() - t - 1
	for i := 0; i < n; i++ {
		s := 0
		if n > 1 {
			s = i * span / (n - 1)
		}
		tokens.Read(inputs[i*t:(i+1)*t], s)
		tokens.Read(targets[i*t:(i+1)*t], s+1)
	}
	return inputs, targets
}

// Offsets draws the starts of the next b windows, exactly the draws Next
// makes, without reading any tokens: window i covers tokens
// [s, s+t] (inputs s..s+t-1, targets s+1..s+t). It appends them to dst.
func (bt *Batcher) Offsets(dst []int) []int {
	n := bt.tokens.Len() - bt.t
	for i := 0; i < bt.b; i++ {
		dst = append(dst, bt.rng.IntN(n))
	}
	return dst
}
