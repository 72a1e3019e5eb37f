package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"workbench/core/data"
	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/tokenize"
	"workbench/core/train"
)

// Files of a run directory that EvalFiles reads and writes.
const (
	// ModelFile is the run's final model, the one evaluated.
	ModelFile = "model.safetensors"
	// EvalDir caches the losses of EvalFiles: one JSON file per text,
	// named by the text's sha256 (EvalDir/<sha256>.json).
	EvalDir = "eval"
)

// TextLoss is the final model of a run evaluated on a text file.
type TextLoss struct {
	File          string `json:"file"`           // the text file, as given
	SHA256        string `json:"sha256"`         // of the text file's bytes
	ModelSHA256   string `json:"model_sha256"`   // of the model file evaluated
	TokenizerHash string `json:"tokenizer_hash"` // of the run's tokenizer
	train.TextLoss
}

// evalText is a tokenized text file to evaluate.
type evalText struct {
	path, sha256 string
	tokens       data.Tokens
	bytes        int
}

// EvalFiles evaluates the final model of every run (ModelFile in its
// directory) on every text file of files, with the run's own tokenizer,
// exactly as
//
//	workbench eval --model RUN/model.safetensors --data FILE
//
// does, and sets each run's Evals, one per file in order. A result is
// cached in the run directory (EvalDir) under the text's sha256 and
// reused while neither the text, the model nor the tokenizer has changed,
// so comparing again evaluates nothing. Before evaluating anything it
// tokenizes every file for every run and returns the first problem as one
// error naming the file and the run: a file that is missing, unreadable
// or empty, a run without a model or tokenizer, or a file the run's
// tokenizer cannot encode into enough tokens. It writes a line to log
// before and after each evaluation it runs.
func EvalFiles(runs []*Run, files []string, log io.Writer) error {
	if len(files) == 0 {
		return nil
	}
	if len(runs) == 0 {
		return errors.New("no runs to evaluate")
	}
	sums := make([]string, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return evalError(runs[0], f, "no such file")
		case err != nil:
			return evalError(runs[0], f, err.Error())
		case len(b) == 0:
			return evalError(runs[0], f, "the file is empty")
		}
		sum := sha256.Sum256(b)
		sums[i] = hex.EncodeToString(sum[:])
	}
	type runInput struct {
		tok      tokenize.Tokenizer
		modelSHA string
		texts    []evalText
	}
	inputs := make([]runInput, len(runs))
	byTokenizer := map[string][]evalText{} // texts tokenized once per tokenizer
	for i, r := range runs {
		path := filepath.Join(r.Dir, ModelFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return evalError(r, files[0], fmt.Sprintf("the run has no final model (%v)", err))
		}
		tok, err := train.ModelTokenizer(r.Dir, "")
		if err == nil {
			_, err = train.ReadModelConfig(path, tok, train.EvalBatch)
		}
		if err != nil {
			return evalError(r, files[0], err.Error())
		}
		texts, ok := byTokenizer[tok.Hash()]
		if !ok {
			for j, f := range files {
				ds, err := data.Load(f, tok, evalValFrac, 2)
				if err != nil {
					return evalError(r, f, err.Error())
				}
				tokens, bytes, _ := train.SplitTokens(ds, "all")
				ds.Close()
				texts = append(texts, evalText{path: f, sha256: sums[j], tokens: tokens, bytes: bytes})
			}
			byTokenizer[tok.Hash()] = texts
		}
		sum := sha256.Sum256(b)
		inputs[i] = runInput{tok: tok, modelSHA: hex.EncodeToString(sum[:]), texts: texts}
	}
	for i, r := range runs {
		if err := r.evalTexts(inputs[i].texts, inputs[i].tok, inputs[i].modelSHA, log); err != nil {
			return err
		}
	}
	return nil
}

// evalValFrac is the validation fraction with which EvalFiles loads a
// text, as workbench eval does by default: the text is tokenized in two
// parts split there, and evaluated whole.
const evalValFrac = 0.1

// evalTexts sets r.Evals from the cache or by evaluating the model whose
// file has sha256 modelSHA on each text.
func (r *Run) evalTexts(texts []evalText, tok tokenize.Tokenizer, modelSHA string, log io.Writer) error {
	r.Evals = make([]TextLoss, len(texts))
	var m *model.Model // loaded on first use
	for i, t := range texts {
		cache := filepath.Join(r.Dir, EvalDir, t.sha256+".json")
		if c, ok := readCache(cache); ok && c.SHA256 == t.sha256 && c.ModelSHA256 == modelSHA && c.TokenizerHash == tok.Hash() {
			c.File = t.path
			r.Evals[i] = c
			continue
		}
		fmt.Fprintf(log, "evaluating run %s on %s (%d tokens)\n", r.Name, t.path, t.tokens.Len()-1)
		start := time.Now()
		var err error
		if m == nil {
			if m, err = train.LoadModel(filepath.Join(r.Dir, ModelFile), tok, train.EvalBatch); err != nil {
				return fmt.Errorf("run %s: %v", r.Name, err)
			}
		}
		res, err := train.EvalText(m, t.tokens, t.bytes)
		if err != nil {
			return fmt.Errorf("evaluating run %s on %s: %v", r.Name, t.path, err)
		}
		res.Tokenizer = tok.Name()
		tl := TextLoss{File: t.path, SHA256: t.sha256, ModelSHA256: modelSHA, TokenizerHash: tok.Hash(), TextLoss: res}
		if err := writeCache(cache, tl); err != nil {
			return fmt.Errorf("run %s: caching the evaluation of %s: %v", r.Name, t.path, err)
		}
		fmt.Fprintf(log, "run %s on %s: loss %.4f nats/token, %.4f bits/byte (%.0f s)\n",
			r.Name, t.path, res.Loss, res.BitsPerByte, time.Since(start).Seconds())
		r.Evals[i] = tl
	}
	return nil
}

// readCache reads a cached evaluation; ok is false when there is none or
// it cannot be read, and the text is then evaluated again.
func readCache(path string) (TextLoss, bool) {
	var c TextLoss
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, false
	}
	return c, true
}

func writeCache(path string, c TextLoss) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteJSON(path, c)
}

// evalError is the error of a run that cannot be evaluated on a file.
func evalError(r *Run, file, why string) error {
	return fmt.Errorf("cannot evaluate run %s on %s: %s", r.Name, file, why)
}
