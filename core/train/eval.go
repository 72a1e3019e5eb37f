package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"workbench/core/data"
	"workbench/core/model"
	"workbench/core/safetensors"
	"workbench/core/tokenize"
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

// EvalBatch is the default number of windows per forward pass when a
// model file is evaluated (workbench eval --batch).
const EvalBatch = 8

// ModelTokenizer returns the tokenizer a model in dir was trained with:
// spec if given, else dir's tokenizer.json, else the tokenizer named in
// dir's config.json (checked against its recorded hash), else bytes.
func ModelTokenizer(dir, spec string) (tokenize.Tokenizer, error) {
	if spec != "" {
		tok, err := tokenize.Load(spec)
		if err != nil {
			return nil, fmt.Errorf("--tokenizer: %v", err)
		}
		return tok, nil
	}
	if _, err := os.Stat(filepath.Join(dir, tokenize.FileName)); err == nil {
		return tokenize.Load(filepath.Join(dir, tokenize.FileName))
	}
	var c struct {
		Tokenizer string `json:"tokenizer"`
		Hash      string `json:"tokenizer_hash"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
		json.Unmarshal(b, &c)
	}
	tok, err := tokenize.Load(c.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("the model's tokenizer (config.json): %v", err)
	}
	if c.Hash != "" && c.Hash != tok.Hash() {
		return nil, fmt.Errorf("the model's tokenizer %s has changed since training (hash %.12s, trained with %.12s)", c.Tokenizer, tok.Hash(), c.Hash)
	}
	return tok, nil
}

// ReadModelConfig reads the config.json beside the model file modelPath
// (a model.safetensors as a run or ckpt export writes it) and returns the
// model's shape for evaluation in batches of batch windows. The model's
// vocabulary must be that of tok.
func ReadModelConfig(modelPath string, tok tokenize.Tokenizer, batch int) (model.Config, error) {
	cfg, err := model.ReadHFConfig(filepath.Join(filepath.Dir(modelPath), "config.json"), batch)
	if err != nil {
		return cfg, err
	}
	if cfg.IsBERT() {
		mlm, err := data.NewMLM(tok, data.DefaultMaskRate)
		if err != nil {
			return cfg, err
		}
		if cfg.Vocab != mlm.Vocab {
			return cfg, fmt.Errorf("model vocabulary is %d but tokenizer %s with BERT's special tokens has %d", cfg.Vocab, tok.Name(), mlm.Vocab)
		}
		return cfg, nil
	}
	if cfg.Vocab != tok.VocabSize() {
		return cfg, fmt.Errorf("model vocabulary is %d but tokenizer %s has %d", cfg.Vocab, tok.Name(), tok.VocabSize())
	}
	return cfg, nil
}

// LoadModel reads the model file modelPath and the config.json beside it
// (see ReadModelConfig) for evaluation in batches of batch windows.
func LoadModel(modelPath string, tok tokenize.Tokenizer, batch int) (*model.Model, error) {
	cfg, err := ReadModelConfig(modelPath, tok, batch)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	m, err := model.New(cfg, 0)
	if err != nil {
		return nil, err
	}
	if err := m.LoadWeights(f); err != nil {
		return nil, fmt.Errorf("%s: %v", modelPath, err)
	}
	return m, nil
}

// SplitTokens returns the tokens of part split of ds, "all", "train" or
// "val", and the bytes of text behind them: what workbench eval
// evaluates.
func SplitTokens(ds *data.Dataset, split string) (data.Tokens, int, error) {
	switch split {
	case "all":
		return data.Int32Tokens(append(ds.Train.Int32s(), ds.Val.Int32s()...)), ds.Bytes, nil
	case "train":
		return ds.Train, ds.TrainBytes, nil
	case "val":
		return ds.Val, ds.ValBytes, nil
	}
	return data.Tokens{}, 0, fmt.Errorf("--split must be all, train or val, got %q", split)
}

// TextLoss is the loss of a model on a token stream.
type TextLoss struct {
	Tokens      int     `json:"tokens"`              // tokens predicted
	Loss        float64 `json:"loss"`                // mean, nats per token
	BitsPerByte float64 `json:"bits_per_byte"`       // the same in bits per byte of text
	Tokenizer   string  `json:"tokenizer,omitempty"` // the kind of tokenizer (set by the caller)
	// UnigramLoss is the loss of the same tokens under the unigram
	// distribution of the data's training split (data.Unigram), set by
	// workbench eval: the level a model that ignores context reaches.
	UnigramLoss float64 `json:"unigram_loss,omitempty"`
}

// EvalText returns the loss of m at its full depth on tokens, measured by
// EvalStream, and the same in bits per byte of the given bytes of text
// behind the tokens.
func EvalText(m *model.Model, tokens data.Tokens, bytes int) (TextLoss, error) {
	loss, n, err := EvalStream(m, model.IdentityPlan(m.Config.Layers), tokens)
	if err != nil {
		return TextLoss{}, err
	}
	return TextLoss{Tokens: n, Loss: loss, BitsPerByte: data.BitsPerByte(loss, tokens.Len(), bytes)}, nil
}

// EvalMasked returns the mean MLM loss of a BERT m running plan over
// masked sequences of the model's length (inputs, labels and lens as
// data.MLM.Strided returns them), weighting each position the same, and
// the number of scored positions.
func EvalMasked(m *model.Model, plan []int, inputs, labels []int32, lens []int) (float64, int, error) {
	T, B := m.Config.Seq, m.Config.Batch
	if len(inputs) != len(lens)*T || len(labels) != len(inputs) {
		return 0, 0, fmt.Errorf("%d inputs and %d labels for %d sequences of %d positions", len(inputs), len(labels), len(lens), T)
	}
	var sum float64
	var n int
	for s := 0; s < len(lens); s += B {
		b := min(B, len(lens)-s)
		l, err := m.ForwardPadded(plan, inputs[s*T:(s+b)*T], labels[s*T:(s+b)*T], lens[s:s+b], b, T)
		if err != nil {
			return 0, 0, err
		}
		sum += l * float64(m.Scored())
		n += m.Scored()
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no position of the %d sequences was masked", len(lens))
	}
	return sum / float64(n), n, nil
}

// EvalMLM masks tokens into strided sequences of the model's length (every
// token in exactly one sequence; masks drawn with EvalMaskSeed) and returns
// EvalMasked's loss and count.
func EvalMLM(m *model.Model, plan []int, tokens data.Tokens, mlm data.MLM) (float64, int, error) {
	if tokens.Len() < 1 {
		return 0, 0, fmt.Errorf("no tokens to evaluate")
	}
	in, labels, lens := mlm.Strided(tokens, m.Config.Seq, EvalMaskSeed)
	return EvalMasked(m, plan, in, labels, lens)
}
