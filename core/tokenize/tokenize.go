// Package tokenize turns text into token ids and back. Every tokenizer —
// the byte tokenizer, GPT-2's BPE, and byte-level BPE or WordPiece
// tokenizers read from a Hugging Face tokenizer.json — implements one
// interface, so the rest of the workbench never knows which kind it holds.
//
// Encoding is "ordinary": special tokens are never produced from text (a
// literal "<|endoftext|>" in a file is encoded as plain text, as
// tiktoken's encode_ordinary does); callers insert special ids themselves.
package tokenize

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

	"workbench/core/fsutil"
)

// Tokenizer encodes text into token ids and decodes ids back into text.
// Implementations are safe for concurrent use.
type Tokenizer interface {
	// Name is the kind of tokenizer: "bytes", "gpt2", "bpe" or "wordpiece".
	Name() string
	// Hash is the sha256 (hex) of the tokenizer's canonical tokenizer.json:
	// two tokenizers with the same hash encode every text identically.
	Hash() string
	// VocabSize is the number of token ids, special tokens included; every
	// id is in [0, VocabSize).
	VocabSize() int
	// Special maps each special token (e.g. "<|endoftext|>", "[MASK]") to
	// its id.
	Special() map[string]int32
	// Encode appends the ids of text to dst and returns the extended slice.
	// Byte-level tokenizers accept any bytes; WordPiece rejects text that
	// is not UTF-8 with an error naming the byte offset.
	Encode(dst []int32, text []byte) ([]int32, error)
	// Decode appends the text of ids to dst. Byte-level tokenizers give
	// back exactly the encoded bytes; an id outside the vocabulary is an
	// error.
	Decode(dst []byte, ids []int32) ([]byte, error)
	// JSON returns the tokenizer in the Hugging Face tokenizer.json format,
	// which the tokenizers and transformers libraries load.
	JSON() ([]byte, error)
}

// FileName is the name of the file a tokenizer is saved as; Save writes
// ConfigFileName beside it.
const (
	FileName       = "tokenizer.json"
	ConfigFileName = "tokenizer_config.json"
)

// Load returns the tokenizer named by spec: "bytes", "gpt2", or the path of
// a Hugging Face tokenizer.json (or of a directory holding one).
func Load(spec string) (Tokenizer, error) {
	switch spec {
	case "", "bytes":
		return Bytes(), nil
	case "gpt2":
		return GPT2()
	}
	path := spec
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("tokenizer %s does not exist (want bytes, gpt2 or the path of a tokenizer.json)", path)
		}
		return nil, fmt.Errorf("tokenizer %s: %v", path, err)
	}
	t, err := ParseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %v", path, err)
	}
	return t, nil
}

// Save writes t's tokenizer.json into dir, and a tokenizer_config.json
// that tells transformers' AutoTokenizer to load it as a
// PreTrainedTokenizerFast with its special tokens, each file atomically.
func Save(t Tokenizer, dir string) error {
	b, err := t.JSON()
	if err != nil {
		return err
	}
	cfg := map[string]any{"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false}
	for tok, roles := range map[string][]string{
		EndOfText: {"bos_token", "eos_token", "unk_token"},
		"[UNK]":   {"unk_token"}, "[PAD]": {"pad_token"}, "[CLS]": {"cls_token"}, "[SEP]": {"sep_token"}, "[MASK]": {"mask_token"},
	} {
		if _, ok := t.Special()[tok]; ok {
			for _, r := range roles {
				cfg[r] = tok
			}
		}
	}
	cb, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	for name, content := range map[string][]byte{FileName: b, ConfigFileName: append(cb, '\n')} {
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, name), 0o644, func(w io.Writer) error {
			_, err := w.Write(content)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// hashJSON returns the sha256 of a tokenizer.json encoding.
func hashJSON(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// errBadID reports a token id outside the vocabulary.
func errBadID(id int32, vocab int) error {
	return fmt.Errorf("token id %d is outside the vocabulary [0, %d)", id, vocab)
}
