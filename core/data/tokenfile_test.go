package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"workbench/core/fsutil"
	"workbench/core/tokenize"
	"workbench/datasets"
)

func gpt2(t testing.TB) tokenize.Tokenizer {
	t.Helper()
	g, err := tokenize.GPT2()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestEncodeDirTinyShakespeare checks the GPT-2 token counts of the
// 90/10 byte split and that the mapped tokens are the encoded ones. The
// validation split is the last int(0.1·n) bytes, one byte fewer than
// nanoGPT's (it keeps the first int(0.9·n) for training), which moves one
// token: tiktoken's 301,966 / 36,059 become 301,967 / 36,058.
func TestEncodeDirTinyShakespeare(t *testing.T) {
	src := filepath.Join(t.TempDir(), "input.txt")
	if err := os.WriteFile(src, datasets.TinyShakespeare, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "tok")
	g := gpt2(t)
	meta, err := EncodeDir(g, []string{src}, out, SplitBytes, 0.1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Train.Tokens != 301967 || meta.Val.Tokens != 36058 || meta.DType != "uint16" {
		t.Fatalf("train %d val %d tokens (%s), want 301967 36058 uint16", meta.Train.Tokens, meta.Val.Tokens, meta.DType)
	}
	if meta.Train.Bytes+meta.Val.Bytes != int64(len(datasets.TinyShakespeare)) || meta.Sources[0].Split != "both" {
		t.Fatalf("bytes %d+%d, source %+v", meta.Train.Bytes, meta.Val.Bytes, meta.Sources[0])
	}
	d, err := OpenDir(out, g)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want, _ := g.Encode(nil, datasets.TinyShakespeare[:meta.Train.Bytes])
	got := d.Train.Int32s()
	if len(got) != len(want) {
		t.Fatalf("%d mapped tokens, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("token %d: %d, want %d", i, got[i], want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(out, tokenize.FileName)); err != nil {
		t.Error("the token directory holds no tokenizer.json")
	}
	// The text file and its token directory give the same dataset.
	fromText, err := Load(src, g, 0.1, 129)
	if err != nil {
		t.Fatal(err)
	}
	fromDir, err := Load(out, g, 0.1, 129)
	if err != nil {
		t.Fatal(err)
	}
	defer fromDir.Close()
	if fromText.Val.Len() != fromDir.Val.Len() || fromText.ValBytes != fromDir.ValBytes || fromText.TrainBytes != fromDir.TrainBytes {
		t.Errorf("text: %d val tokens, %d bytes; directory: %d, %d", fromText.Val.Len(), fromText.ValBytes, fromDir.Val.Len(), fromDir.ValBytes)
	}
	if _, err := Load(out, tokenize.Bytes(), 0.1, 129); err == nil || !strings.Contains(err.Error(), "was made with tokenizer gpt2") {
		t.Errorf("token directory with another tokenizer: %v", err)
	}
}

// TestLoadEmbeddedDefault reads the default corpus by its repository
// path from a directory where no such file exists: the compiled-in copy
// is the same bytes as the file.
func TestLoadEmbeddedDefault(t *testing.T) {
	embedded, err := Load(datasets.TinyShakespeareName, tokenize.Bytes(), 0.1, 129)
	if err != nil {
		t.Fatal(err)
	}
	file, err := Load("../../"+datasets.TinyShakespeareName, tokenize.Bytes(), 0.1, 129)
	if err != nil {
		t.Fatal(err)
	}
	if embedded.SHA256 != "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed" || embedded.SHA256 != file.SHA256 ||
		embedded.Train.Len() != file.Train.Len() {
		t.Errorf("embedded %s (%d), file %s (%d)", embedded.SHA256, embedded.Train.Len(), file.SHA256, file.Train.Len())
	}
}

func writeDocs(t *testing.T, sizes ...int) []string {
	dir := t.TempDir()
	var files []string
	for i, n := range sizes {
		p := filepath.Join(dir, "doc"+strconv.Itoa(i)+".txt")
		if err := os.WriteFile(p, bytes.Repeat([]byte("word "), n/5), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

func TestEncodeDirDocuments(t *testing.T) {
	files := writeDocs(t, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000)
	out := filepath.Join(t.TempDir(), "tok")
	meta, err := EncodeDir(tokenize.Bytes(), files, out, SplitDocuments, 0.2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var val []string
	for _, s := range meta.Sources {
		if s.Split == "val" {
			val = append(val, filepath.Base(s.Path))
		}
	}
	// Held out where that brings validation closest to 20% of the bytes
	// seen: the 3rd, 8th (ties keep training).
	if strings.Join(val, ",") != "doc2.txt,doc7.txt" || meta.Val.Bytes != 2000 || meta.Val.Tokens != 2000 {
		t.Fatalf("validation %v, %d bytes", val, meta.Val.Bytes)
	}
}

func TestEncodeDirErrors(t *testing.T) {
	files := writeDocs(t, 1000, 1000)
	tiny := writeDocs(t, 5)
	taken := t.TempDir()
	os.WriteFile(filepath.Join(taken, "x"), nil, 0o644)
	for _, tc := range []struct {
		files []string
		split string
		frac  float64
		out   string
		want  string
	}{
		{files, "lines", 0.1, "", `--split must be documents or bytes, got "lines"`},
		{files, SplitBytes, 1, "", "--val-frac must be in (0, 1)"},
		{[]string{"/nonexistent/x.txt"}, SplitBytes, 0.1, "", "data file /nonexistent/x.txt does not exist"},
		{tiny, SplitBytes, 0.1, "", "each split needs at least 2"},
		{files, SplitBytes, 0.1, taken, "exists and is not empty"},
	} {
		out := tc.out
		if out == "" {
			out = filepath.Join(t.TempDir(), "tok")
		}
		_, err := EncodeDir(tokenize.Bytes(), tc.files, out, tc.split, tc.frac, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
		if tc.out == "" {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%q: a failed encode left %s", tc.want, out)
			}
		}
	}
}

// hugeVocab is a tokenizer whose vocabulary does not fit uint32 ids.
type hugeVocab struct{ tokenize.Tokenizer }

func (hugeVocab) VocabSize() int { return 1 << 33 }

func TestEncodeDirVocabTooLarge(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tok")
	_, err := EncodeDir(hugeVocab{tokenize.Bytes()}, writeDocs(t, 1000, 1000), out, SplitBytes, 0.1, nil)
	if err == nil || !strings.Contains(err.Error(), "vocabulary of 8589934592 does not fit uint32 token files") {
		t.Errorf("got %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed encode left its output directory")
	}
}

func TestOpenDirErrors(t *testing.T) {
	files := writeDocs(t, 1000, 1000)
	good := filepath.Join(t.TempDir(), "tok")
	if _, err := EncodeDir(tokenize.Bytes(), files, good, SplitBytes, 0.5, nil); err != nil {
		t.Fatal(err)
	}
	copyDir := func(edit func(dir string)) string {
		dir := t.TempDir()
		for _, n := range []string{MetaFile, TrainFile, ValFile} {
			b, _ := os.ReadFile(filepath.Join(good, n))
			os.WriteFile(filepath.Join(dir, n), b, 0o644)
		}
		edit(dir)
		return dir
	}
	noMeta := copyDir(func(d string) { os.Remove(filepath.Join(d, MetaFile)) })
	truncated := copyDir(func(d string) { os.Truncate(filepath.Join(d, TrainFile), 100) })
	badMeta := copyDir(func(d string) { os.WriteFile(filepath.Join(d, MetaFile), []byte("{"), 0o644) })
	for _, tc := range []struct {
		dir  string
		tok  tokenize.Tokenizer
		want string
	}{
		{noMeta, nil, "meta.json is missing"},
		{truncated, nil, "train.bin has 100 bytes, meta.json says 1000 tokens of 2 bytes (2000): truncated"},
		{badMeta, nil, "meta.json: unexpected end of JSON input"},
		{good, gpt2(t), "was made with tokenizer bytes"},
	} {
		_, err := OpenDir(tc.dir, tc.tok)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// rss returns the resident set size of this process in kB.
func rss(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// writeBigTokenDir writes a token directory of n uint16 tokens for
// training and a few for validation.
func writeBigTokenDir(t testing.TB, n int) string {
	dir := t.TempDir()
	f, _ := os.Create(filepath.Join(dir, TrainFile))
	w := bufio.NewWriterSize(f, 1<<20)
	var buf [2]byte
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(buf[:], uint16(i%256))
		w.Write(buf[:])
	}
	w.Flush()
	f.Close()
	os.WriteFile(filepath.Join(dir, ValFile), make([]byte, 2*16), 0o644)
	meta := Meta{Format: MetaFormat, Tokenizer: "bytes", TokenizerHash: tokenize.Bytes().Hash(), VocabSize: 256, DType: "uint16",
		Split: SplitBytes, Train: Part{Tokens: int64(n), Bytes: int64(n)}, Val: Part{Tokens: 16, Bytes: 16}}
	if err := fsutil.WriteJSON(filepath.Join(dir, MetaFile), meta); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readAll reads every token of d's training split in windows, then as
// many random windows as a training run draws in 2,000 steps of 16
// windows of 128 tokens, and returns the largest RSS growth seen, in kB.
func readAll(t testing.TB, d *TokenDir) int {
	before := rss(t)
	peak := 0
	win := make([]int32, 4096)
	for s := 0; s+len(win) <= d.Train.Len(); s += len(win) {
		d.Train.Read(win, s)
		if win[0] != int32(s%256) {
			t.Fatalf("token %d is %d", s, win[0])
		}
		if s%(1<<20) == 0 {
			peak = max(peak, rss(t)-before)
		}
	}
	b := NewBatcher(d.Train, 16, 128, 1)
	x, y := make([]int32, 16*128), make([]int32, 16*128)
	for step := 0; step < 2000; step++ {
		b.Next(x, y)
		if step%100 == 0 {
			peak = max(peak, rss(t)-before)
		}
	}
	return peak
}

// TestMappedRSS reads a 16 MB token file through the mapping: the
// process's RSS must not grow by the file's size.
func TestMappedRSS(t *testing.T) {
	d, err := OpenDir(writeBigTokenDir(t, 8<<20), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if grow := readAll(t, d); grow > 8<<10 {
		t.Errorf("RSS grew by %d kB reading a 16 MB token file", grow)
	}
}

// BenchmarkMapped100M reads a 100M-token file (200 MB) in order and in
// random training windows and reports the RSS growth (rss-kB).
func BenchmarkMapped100M(b *testing.B) {
	d, err := OpenDir(writeBigTokenDir(b, 100_000_000), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for b.Loop() {
		b.ReportMetric(float64(readAll(b, d)), "rss-kB")
	}
}
