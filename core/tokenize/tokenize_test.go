package tokenize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"

	"workbench/datasets"
)

func mustGPT2(t testing.TB) *BPE {
	t.Helper()
	g, err := GPT2()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func encode(t testing.TB, tok Tokenizer, s []byte) []int32 {
	t.Helper()
	ids, err := tok.Encode(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestGPT2TinyShakespeare checks the token counts tiktoken gives for the
// default corpus: in all, and for nanoGPT's 90/10 split by characters.
func TestGPT2TinyShakespeare(t *testing.T) {
	g := mustGPT2(t)
	text := datasets.TinyShakespeare
	cut := len(text) * 9 / 10
	for _, tc := range []struct {
		name string
		text []byte
		want int
	}{
		{"all", text, 338025},
		{"first 90%", text[:cut], 301966},
		{"last 10%", text[cut:], 36059},
	} {
		if got := len(encode(t, g, tc.text)); got != tc.want {
			t.Errorf("%s: %d tokens, want %d", tc.name, got, tc.want)
		}
	}
	if got := encode(t, g, []byte("Hello world")); len(got) != 2 || got[0] != 15496 || got[1] != 995 {
		t.Errorf("Hello world = %v, want [15496 995]", got)
	}
	if g.VocabSize() != 50257 || g.Special()[EndOfText] != 50256 {
		t.Errorf("vocab %d, %s = %d", g.VocabSize(), EndOfText, g.Special()[EndOfText])
	}
}

// tricky holds texts that exercise every branch of the pre-tokenizer.
var tricky = []string{
	"", " ", "  ", "\n", "a", "Hello world", "I'm here, they're 'quoted' and we'll've",
	"  two spaces  before\n\n\nnewlines \t\ttabs   ", "numbers 123 4567.89 and ½ ⅞",
	"Ünïcödé façade — “quotes” 日本語のテキスト 🙂🙃", "'s's 'S 'LL ''", " 's", "x\u00a0y\u2003z \u2028",
	"!!!?? ...  ,, ;-) ", "ends with space ", "\xff\xfe broken \xc3 utf8 \xe2\x82", "tab\tafter\t",
}

// TestGPT2MatchesLibrary compares the encoder with tiktoken-go's on
// tricky texts and the whole default corpus.
func TestGPT2MatchesLibrary(t *testing.T) {
	g := mustGPT2(t)
	ref := codec.NewR50kBase()
	texts := append([]string{string(datasets.TinyShakespeare[:200000])}, tricky...)
	for _, s := range texts {
		if !utf8.ValidString(s) {
			continue // the library works on valid strings only
		}
		want, _, err := ref.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		got := encode(t, g, []byte(s))
		if len(got) != len(want) {
			t.Errorf("%.40q: %d tokens, library %d", s, len(got), len(want))
			continue
		}
		for i := range got {
			if uint(got[i]) != want[i] {
				t.Errorf("%.40q: token %d is %d, library %d", s, i, got[i], want[i])
				break
			}
		}
	}
}

func TestParallelEncodeMatchesSerial(t *testing.T) {
	defer func(n int) { parallelChunk = n }(parallelChunk)
	parallelChunk = 64 << 10 // the corpus in 17 pieces
	text := datasets.TinyShakespeare
	g, w := mustGPT2(t), trainSmallWordPiece(t)
	for _, tc := range []struct {
		tok    Tokenizer
		serial func([]int32, []byte, map[string][]int32) []int32
	}{{g, g.encodeSerial}, {w, w.encodeSerial}} {
		par := encode(t, tc.tok, text)
		ser := tc.serial(nil, text, map[string][]int32{})
		if len(par) != len(ser) {
			t.Fatalf("%s: parallel %d tokens, serial %d", tc.tok.Name(), len(par), len(ser))
		}
		for i := range par {
			if par[i] != ser[i] {
				t.Fatalf("%s: token %d: parallel %d, serial %d", tc.tok.Name(), i, par[i], ser[i])
			}
		}
	}
}

func roundTrip(t *testing.T, tok Tokenizer, text []byte) {
	t.Helper()
	ids := encode(t, tok, text)
	for _, id := range ids {
		if id < 0 || int(id) >= tok.VocabSize() {
			t.Fatalf("%s: id %d outside [0, %d)", tok.Name(), id, tok.VocabSize())
		}
	}
	back, err := tok.Decode(nil, ids)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, text) {
		t.Fatalf("%s: decode(encode(%q)) = %q", tok.Name(), text, back)
	}
}

func TestRoundTrip(t *testing.T) {
	trained := trainSmallBPE(t)
	for _, tok := range []Tokenizer{Bytes(), mustGPT2(t), trained} {
		for _, s := range tricky {
			roundTrip(t, tok, []byte(s))
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range tricky {
		f.Add([]byte(s))
	}
	g, b, w := mustGPT2(f), trainSmallBPE(f), trainSmallWordPiece(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		roundTrip(t, Bytes(), text)
		roundTrip(t, g, text)
		roundTrip(t, b, text)
		// WordPiece is lossy: decoding gives the normalized words, unless
		// one was unknown.
		if !utf8.Valid(text) {
			return
		}
		ids := encode(t, w, text)
		for _, id := range ids {
			if id == w.unk {
				return
			}
		}
		back, err := w.Decode(nil, ids)
		if want := strings.Join(w.words(text), " "); err != nil || string(back) != want {
			t.Fatalf("wordpiece: decode(encode(%q)) = %q, want %q (%v)", text, back, want, err)
		}
	})
}

// TestJSONRoundTrip saves each tokenizer as tokenizer.json, loads it back
// and requires the same hash and the same ids.
func TestJSONRoundTrip(t *testing.T) {
	text := datasets.TinyShakespeare[:20000]
	for _, tok := range []Tokenizer{Bytes(), mustGPT2(t), trainSmallBPE(t), trainSmallWordPiece(t)} {
		dir := t.TempDir()
		if err := Save(tok, dir); err != nil {
			t.Fatal(err)
		}
		back, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", tok.Name(), err)
		}
		if cfg, _ := os.ReadFile(filepath.Join(dir, ConfigFileName)); !strings.Contains(string(cfg), `"tokenizer_class": "PreTrainedTokenizerFast"`) {
			t.Errorf("%s: %s is %q", tok.Name(), ConfigFileName, cfg)
		}
		if back.Hash() != tok.Hash() || back.VocabSize() != tok.VocabSize() {
			t.Errorf("%s: reloaded hash %s vocab %d, want %s %d", tok.Name(), back.Hash(), back.VocabSize(), tok.Hash(), tok.VocabSize())
		}
		a, b := encode(t, tok, text), encode(t, back, text)
		if len(a) != len(b) {
			t.Fatalf("%s: %d tokens after reload, want %d", tok.Name(), len(b), len(a))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: token %d differs after reload", tok.Name(), i)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		spec, want string
	}{
		{filepath.Join(dir, "nope.json"), "nope.json does not exist (want bytes, gpt2 or the path of a tokenizer.json)"},
		{write("text.json", "hello"), "text.json: not a tokenizer.json"},
		{write("empty.json", "{}"), "empty.json: not a tokenizer.json: no model"},
		{write("unigram.json", `{"model": {"type": "Unigram"}}`), `model type "Unigram" is not supported`},
		{write("nopre.json", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}`), "without a ByteLevel pre-tokenizer"},
		{write("short.json", `{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}`), "no token for byte 0x00"},
		{write("gap.json", `{"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 2}}}`), "no token has id 1"},
	} {
		_, err := Load(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): got %v, want %q", filepath.Base(tc.spec), err, tc.want)
		}
	}
}

func TestDecodeRejectsBadID(t *testing.T) {
	for _, tok := range []Tokenizer{Bytes(), mustGPT2(t)} {
		if _, err := tok.Decode(nil, []int32{int32(tok.VocabSize())}); err == nil || !strings.Contains(err.Error(), "outside the vocabulary") {
			t.Errorf("%s: %v", tok.Name(), err)
		}
	}
}

// BenchmarkEncode measures encoding speed of the default corpus: MB/s of
// text (SetBytes) and MB per second of CPU time of the process
// (MB/cpu-s), which a busy machine does not distort; a parallel encoder
// on n idle cores reaches about n times the latter.
func BenchmarkEncode(b *testing.B) {
	text := bytes.Repeat(datasets.TinyShakespeare, 4)
	for _, tok := range []Tokenizer{Bytes(), mustGPT2(b), trainSmallBPE(b), trainSmallWordPiece(b)} {
		b.Run(tok.Name(), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			dst := make([]int32, 0, len(text))
			cpu0 := cpuSeconds()
			for b.Loop() {
				if _, err := tok.Encode(dst[:0], text); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(text))*float64(b.N)/(cpuSeconds()-cpu0)/1e6, "MB/cpu-s")
		})
	}
}

// cpuSeconds returns the user and system CPU time of the process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkBuildGPT2 measures the one-time cost of GPT2(): reading the
// library's vocabulary and deriving the merges.
func BenchmarkBuildGPT2(b *testing.B) {
	for b.Loop() {
		if _, err := buildGPT2(); err != nil {
			b.Fatal(err)
		}
	}
}
