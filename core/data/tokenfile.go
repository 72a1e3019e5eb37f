package data

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"workbench/core/fsutil"
	"workbench/core/tokenize"
)

// A token directory, written by EncodeDir and read by OpenDir, holds a
// corpus tokenized once: train.bin and val.bin (little-endian token ids,
// uint16 while the vocabulary fits, else uint32, no header, as nanoGPT's
// prepare.py writes them), meta.json describing them, and the
// tokenizer's tokenizer.json.
const (
	TrainFile = "train.bin"
	ValFile   = "val.bin"
	MetaFile  = "meta.json"
)

// MetaFormat names the version of meta.json.
const MetaFormat = "workbench-tokens/1"

// Meta is the content of meta.json.
type Meta struct {
	Format        string   `json:"format"`
	Tokenizer     string   `json:"tokenizer"`      // Name of the tokenizer
	TokenizerHash string   `json:"tokenizer_hash"` // its Hash
	VocabSize     int      `json:"vocab_size"`
	DType         string   `json:"dtype"` // "uint16" or "uint32"
	Split         string   `json:"split"` // "documents" or "bytes"
	ValFrac       float64  `json:"val_frac"`
	Train         Part     `json:"train"`
	Val           Part     `json:"val"`
	Sources       []Source `json:"sources"`
}

// Part describes one split.
type Part struct {
	Tokens int64 `json:"tokens"`
	Bytes  int64 `json:"bytes"` // bytes of text behind the tokens
}

// Source is one input file.
type Source struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Split  string `json:"split"` // "train", "val", or "both" (split by bytes)
}

// Split rules of EncodeDir.
const (
	SplitDocuments = "documents" // whole files go to validation
	SplitBytes     = "bytes"     // the last valFrac of the concatenated text
)

// EncodeDir tokenizes the text files with tok and writes a token directory
// at out, which must not exist or be empty. With split "documents" whole
// files go to validation: walking the
// files in order, a file is held out when that brings the held-out bytes
// closer to valFrac of the bytes seen so far, so validation is spread
// over the collection. With "bytes" the last valFrac of the concatenated
// text's bytes (rounded down) is validation, as Load splits a text file;
// one file is always split this way. The directory appears complete or
// not at all: it is written beside out and renamed into place.
// progress, if not nil, receives a line per file.
func EncodeDir(tok tokenize.Tokenizer, files []string, out, split string, valFrac float64, progress func(string)) (*Meta, error) {
	if valFrac <= 0 || valFrac >= 1 {
		return nil, fmt.Errorf("--val-frac must be in (0, 1), got %g", valFrac)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no data files given")
	}
	if split != SplitDocuments && split != SplitBytes {
		return nil, fmt.Errorf("--split must be %s or %s, got %q", SplitDocuments, SplitBytes, split)
	}
	if split == SplitDocuments && len(files) < 2 {
		split = SplitBytes // one document cannot be split whole
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("output directory %s exists and is not empty", out)
	}
	meta := &Meta{Format: MetaFormat, Tokenizer: tok.Name(), TokenizerHash: tok.Hash(), VocabSize: tok.VocabSize(),
		DType: "uint16", Split: split, ValFrac: valFrac}
	if tok.VocabSize() > 1<<16 {
		meta.DType = "uint32"
	}
	if int64(tok.VocabSize()) > math.MaxUint32 {
		return nil, fmt.Errorf("vocabulary of %d does not fit uint32 token files", tok.VocabSize())
	}
	sizes := make([]int64, len(files))
	var total int64
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("data file %s does not exist", f)
			}
			return nil, fmt.Errorf("data file %s: %v", f, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("data file %s is a directory", f)
		}
		sizes[i], total = st.Size(), total+st.Size()
	}
	if total == 0 {
		return nil, fmt.Errorf("the data files are empty")
	}
	held := holdOut(sizes, valFrac, split)

	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	train, err := newTokenWriter(filepath.Join(tmp, TrainFile), meta.DType)
	if err != nil {
		return nil, err
	}
	defer train.f.Close()
	val, err := newTokenWriter(filepath.Join(tmp, ValFile), meta.DType)
	if err != nil {
		return nil, err
	}
	defer val.f.Close()

	cutAt := total - int64(float64(total)*valFrac) // SplitBytes: first byte of validation, as Load cuts a text file
	var offset int64
	var ids []int32
	for i, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("data file %s: %v", f, err)
		}
		sum := sha256.Sum256(text)
		src := Source{Path: f, Bytes: int64(len(text)), SHA256: hex.EncodeToString(sum[:]), Split: "train"}
		parts := [][]byte{text, nil}
		switch {
		case split == SplitBytes && offset+int64(len(text)) > cutAt:
			c := max(cutAt-offset, 0)
			parts = [][]byte{text[:c], text[c:]}
			src.Split = "both"
			if c == 0 {
				src.Split = "val"
			}
		case held[i]:
			parts = [][]byte{nil, text}
			src.Split = "val"
		}
		offset += int64(len(text))
		for k, w := range []*tokenWriter{train, val} {
			if len(parts[k]) == 0 {
				continue
			}
			if ids, err = tok.Encode(ids[:0], parts[k]); err != nil {
				return nil, fmt.Errorf("data file %s: %v", f, err)
			}
			if err := w.write(ids); err != nil {
				return nil, err
			}
			p := &meta.Train
			if k == 1 {
				p = &meta.Val
			}
			p.Tokens += int64(len(ids))
			p.Bytes += int64(len(parts[k]))
		}
		meta.Sources = append(meta.Sources, src)
		if progress != nil {
			progress(fmt.Sprintf("%d/%d %s: %d bytes -> %s", i+1, len(files), f, len(text), src.Split))
		}
	}
	if meta.Train.Tokens < 2 || meta.Val.Tokens < 2 {
		return nil, fmt.Errorf("the data gives %d training and %d validation tokens; each split needs at least 2", meta.Train.Tokens, meta.Val.Tokens)
	}
	for _, w := range []*tokenWriter{train, val} {
		if err := w.close(); err != nil {
			return nil, err
		}
	}
	if err := tokenize.Save(tok, tmp); err != nil {
		return nil, err
	}
	if err := fsutil.WriteJSON(filepath.Join(tmp, MetaFile), meta); err != nil {
		return nil, err
	}
	os.Remove(out) // an empty directory in the way
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("output directory %s: %v", out, err)
	}
	return meta, nil
}

// holdOut chooses the files that go to validation.
func holdOut(sizes []int64, valFrac float64, split string) []bool {
	held := make([]bool, len(sizes))
	if split != SplitDocuments {
		return held
	}
	var seen, val float64
	for i, s := range sizes {
		seen += float64(s)
		target := valFrac * seen
		if math.Abs(val+float64(s)-target) < math.Abs(val-target) {
			held[i] = true
			val += float64(s)
		}
	}
	return held
}

// tokenWriter appends little-endian tokens to a file.
type tokenWriter struct {
	f     *os.File
	w     *bufio.Writer
	wide  bool
	buf   []byte
	count int64
}

func newTokenWriter(path, dtype string) (*tokenWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &tokenWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), wide: dtype == "uint32"}, nil
}

func (t *tokenWriter) write(ids []int32) error {
	t.buf = t.buf[:0]
	for _, id := range ids {
		if t.wide {
			t.buf = binary.LittleEndian.AppendUint32(t.buf, uint32(id))
		} else {
			t.buf = binary.LittleEndian.AppendUint16(t.buf, uint16(id))
		}
	}
	t.count += int64(len(ids))
	_, err := t.w.Write(t.buf)
	return err
}

func (t *tokenWriter) close() error {
	if err := t.w.Flush(); err != nil {
		return err
	}
	if err := t.f.Sync(); err != nil {
		return err
	}
	return t.f.Close()
}

// TokenDir is an open token directory: its meta.json and its two splits,
// memory-mapped.
type TokenDir struct {
	Dir        string
	Meta       Meta
	Train, Val Tokens
	maps       []*mapped
}

// OpenDir opens the token directory dir, memory-mapping its token files.
// It checks meta.json against the files' sizes, and, when tok is not nil,
// that the files were made by tok. Close releases the mappings.
func OpenDir(dir string, tok tokenize.Tokenizer) (*TokenDir, error) {
	metaPath := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(metaPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing: %s is not a token directory (make one with workbench data encode)", metaPath, dir)
		}
		return nil, err
	}
	d := &TokenDir{Dir: dir}
	if err := json.Unmarshal(b, &d.Meta); err != nil {
		return nil, fmt.Errorf("%s: %v", metaPath, err)
	}
	m := &d.Meta
	if m.Format != MetaFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", metaPath, m.Format, MetaFormat)
	}
	width := map[string]int{"uint16": 2, "uint32": 4}[m.DType]
	if width == 0 || m.VocabSize <= 0 || (width == 2 && m.VocabSize > 1<<16) {
		return nil, fmt.Errorf("%s: dtype %q cannot hold a vocabulary of %d", metaPath, m.DType, m.VocabSize)
	}
	if tok != nil && (tok.Hash() != m.TokenizerHash || tok.VocabSize() != m.VocabSize) {
		return nil, fmt.Errorf("%s was made with tokenizer %s (hash %.12s, vocabulary %d), not with %s (hash %.12s, vocabulary %d)",
			dir, m.Tokenizer, m.TokenizerHash, m.VocabSize, tok.Name(), tok.Hash(), tok.VocabSize())
	}
	for _, p := range []struct {
		name string
		want int64
		dst  *Tokens
	}{{TrainFile, m.Train.Tokens, &d.Train}, {ValFile, m.Val.Tokens, &d.Val}} {
		mp, err := mapTokens(filepath.Join(dir, p.name), width, int(p.want))
		if err != nil {
			d.Close()
			return nil, err
		}
		d.maps = append(d.maps, mp)
		*p.dst = mp.tokens
	}
	return d, nil
}

// Close unmaps the token files; the Tokens of d must not be used after.
func (d *TokenDir) Close() error {
	var errs []error
	for _, m := range d.maps {
		errs = append(errs, m.close())
	}
	d.maps = nil
	return errors.Join(errs...)
}
