package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// This file reads and writes the Hugging Face tokenizer.json format for
// the two models the workbench supports: byte-level BPE (GPT-2, RoBERTa,
// and what tokenizers' ByteLevelBPETokenizer trains) and WordPiece (BERT).

// hfFile is the part of tokenizer.json the workbench reads.
type hfFile struct {
	AddedTokens []struct {
		ID      int32  `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int32  `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		UnkToken                *string           `json:"unk_token"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		MaxInputCharsPerWord    int               `json:"max_input_chars_per_word"`
		ByteFallback            bool              `json:"byte_fallback"`
	} `json:"model"`
}

// typed is a component ("normalizer", "pre_tokenizer") with its options.
type typed struct {
	Type          string  `json:"type"`
	AddPrefix     bool    `json:"add_prefix_space"`
	UseRegex      *bool   `json:"use_regex"`
	Lowercase     bool    `json:"lowercase"`
	StripAccents  *bool   `json:"strip_accents"`
	CleanText     bool    `json:"clean_text"`
	ChineseChars  bool    `json:"handle_chinese_chars"`
	Pretokenizers []typed `json:"pretokenizers"`
}

// ParseJSON reads a Hugging Face tokenizer.json holding a byte-level BPE
// or a WordPiece model. Anything else is an error that says what was
// found.
func ParseJSON(b []byte) (Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("not a tokenizer.json: %v", err)
	}
	if f.Model.Type == "" && f.Model.Vocab != nil && f.Model.Merges != nil {
		f.Model.Type = "BPE" // older files leave the type out
	}
	switch f.Model.Type {
	case "BPE":
		return parseBPE(&f)
	case "WordPiece":
		return parseWordPiece(&f)
	case "":
		return nil, fmt.Errorf("not a tokenizer.json: no model")
	}
	return nil, fmt.Errorf("model type %q is not supported (want BPE or WordPiece)", f.Model.Type)
}

func component(raw json.RawMessage) (*typed, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var c typed
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// vocabByID turns a token -> id map into a dense id -> token table.
func vocabByID(vocab map[string]int32, added map[string]int32) ([]string, error) {
	n := 0
	for _, m := range []map[string]int32{vocab, added} {
		for _, id := range m {
			n = max(n, int(id)+1)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("empty vocabulary")
	}
	out := make([]string, n)
	seen := make([]bool, n)
	for _, m := range []map[string]int32{vocab, added} {
		for tok, id := range m {
			if id < 0 {
				return nil, fmt.Errorf("token %q has negative id %d", tok, id)
			}
			if seen[id] && out[id] != tok {
				return nil, fmt.Errorf("id %d names two tokens, %q and %q", id, out[id], tok)
			}
			out[id], seen[id] = tok, true
		}
	}
	for id, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("ids are not dense: no token has id %d (vocabulary of %d)", id, n)
		}
	}
	return out, nil
}

func specials(f *hfFile) map[string]int32 {
	s := map[string]int32{}
	for _, t := range f.AddedTokens {
		s[t.Content] = t.ID
	}
	return s
}

func parseBPE(f *hfFile) (Tokenizer, error) {
	if n, err := component(f.Normalizer); err != nil || n != nil {
		return nil, fmt.Errorf("BPE with a normalizer is not supported (want a byte-level BPE such as GPT-2's)")
	}
	pre, err := component(f.PreTokenizer)
	if err != nil || pre == nil || pre.Type != "ByteLevel" {
		return nil, fmt.Errorf("BPE without a ByteLevel pre-tokenizer is not supported (want a byte-level BPE such as GPT-2's)")
	}
	if pre.AddPrefix {
		return nil, fmt.Errorf("ByteLevel add_prefix_space=true is not supported: it changes the text")
	}
	if f.Model.ByteFallback || (f.Model.ContinuingSubwordPrefix != nil && *f.Model.ContinuingSubwordPrefix != "") ||
		(f.Model.EndOfWordSuffix != nil && *f.Model.EndOfWordSuffix != "") {
		return nil, fmt.Errorf("BPE with byte_fallback, continuing_subword_prefix or end_of_word_suffix is not supported")
	}
	special := specials(f)
	names, err := vocabByID(f.Model.Vocab, special)
	if err != nil {
		return nil, err
	}
	isSpecial := map[int32]bool{}
	for _, id := range special {
		isSpecial[id] = true
	}
	vocab := make([][]byte, len(names))
	for id, s := range names {
		if isSpecial[int32(id)] {
			vocab[id] = []byte(s)
			continue
		}
		b, ok := byteLevelBytes(s)
		if !ok {
			return nil, fmt.Errorf("token %q (id %d) is not in byte-level spelling", s, id)
		}
		vocab[id] = b
	}
	merges := make([][2]int32, len(f.Model.Merges))
	for i, raw := range f.Model.Merges {
		var parts []string
		var s string
		if json.Unmarshal(raw, &s) == nil {
			parts = strings.Split(s, " ")
		} else if err := json.Unmarshal(raw, &parts); err != nil {
			return nil, fmt.Errorf("merge %d: want \"a b\" or [\"a\", \"b\"], got %s", i, raw)
		}
		if len(parts) != 2 {
			return nil, fmt.Errorf("merge %d: want two tokens, got %s", i, raw)
		}
		for k, p := range parts {
			id, ok := f.Model.Vocab[p]
			if !ok {
				return nil, fmt.Errorf("merge %d: token %q is not in the vocabulary", i, p)
			}
			merges[i][k] = id
		}
	}
	useRegex := pre.UseRegex == nil || *pre.UseRegex
	if !useRegex {
		if len(merges) > 0 {
			return nil, fmt.Errorf("ByteLevel use_regex=false with merges is not supported")
		}
		if len(vocab) == 256 {
			identity := true
			for id, b := range vocab {
				identity = identity && len(b) == 1 && int(b[0]) == id
			}
			if identity {
				return Bytes(), nil
			}
		}
		return nil, fmt.Errorf("ByteLevel use_regex=false is supported only for the byte tokenizer")
	}
	return newBPE("bpe", vocab, merges, special)
}

// byteLevelJSON writes a byte-level BPE as tokenizer.json, vocabulary in
// id order, merges in rank order.
func byteLevelJSON(vocab [][]byte, merges [][2]int32, special map[string]int32, useRegex bool) ([]byte, error) {
	isSpecial := map[int32]bool{}
	for _, id := range special {
		isSpecial[id] = true
	}
	names := make([]string, len(vocab))
	for id, b := range vocab {
		if isSpecial[int32(id)] {
			names[id] = string(b)
		} else {
			names[id] = byteLevelString(b)
		}
	}
	var w bytes.Buffer
	w.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n")
	writeAdded(&w, special, nil)
	re := strconv.FormatBool(useRegex)
	w.WriteString("  \"normalizer\": null,\n")
	w.WriteString(`  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": ` + re + "},\n")
	w.WriteString(`  "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": ` + re + "},\n")
	w.WriteString(`  "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": ` + re + "},\n")
	w.WriteString(`  "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,` + "\n")
	writeVocab(&w, names)
	w.WriteString(",\n    \"merges\": [")
	for i, m := range merges {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n      ")
		writeString(&w, names[m[0]]+" "+names[m[1]])
	}
	w.WriteString("\n    ]\n  }\n}\n")
	return w.Bytes(), nil
}

// writeAdded writes the added_tokens list: the special tokens in id
// order.
func writeAdded(w *bytes.Buffer, special map[string]int32, normalized map[string]bool) {
	type tok struct {
		s  string
		id int32
	}
	var toks []tok
	for s, id := range special {
		toks = append(toks, tok{s, id})
	}
	sort.Slice(toks, func(a, b int) bool { return toks[a].id < toks[b].id })
	w.WriteString("  \"added_tokens\": [")
	for i, t := range toks {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "\n    {\"id\": %d, \"content\": ", t.id)
		writeString(w, t.s)
		fmt.Fprintf(w, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": %v, \"special\": true}", normalized[t.s])
	}
	w.WriteString("\n  ],\n")
}

// writeVocab writes "vocab": {...} with the tokens in id order.
func writeVocab(w *bytes.Buffer, names []string) {
	w.WriteString("    \"vocab\": {")
	for id, s := range names {
		if id > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n      ")
		writeString(w, s)
		fmt.Fprintf(w, ": %d", id)
	}
	w.WriteString("\n    }")
}

// writeString writes s as a JSON string, leaving <, > and & as they are
// (as Hugging Face's files do).
func writeString(w *bytes.Buffer, s string) {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	e.Encode(s)
	w.Truncate(w.Len() - 1) // Encode's newline
}
