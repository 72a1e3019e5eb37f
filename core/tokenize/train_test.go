package tokenize

import (
	"strings"
	"testing"

	"workbench/datasets"
)

func trainSmallBPE(t testing.TB) *BPE {
	t.Helper()
	b, err := TrainBPE([][]byte{datasets.TinyShakespeare[:100000]}, 400, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func trainSmallWordPiece(t testing.TB) *WordPiece {
	t.Helper()
	w, err := TrainWordPiece([][]byte{datasets.TinyShakespeare[:100000]}, 400, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestTrainBPE(t *testing.T) {
	b := trainSmallBPE(t)
	if b.VocabSize() != 400 || b.Special()[EndOfText] != 0 {
		t.Fatalf("vocab %d, specials %v", b.VocabSize(), b.Special())
	}
	// 143 merges of frequent English pairs shorten the text it was
	// trained on markedly (measured: 1.78 bytes per token).
	text := datasets.TinyShakespeare[:100000]
	n := len(encode(t, b, text))
	if ratio := float64(len(text)) / float64(n); ratio < 1.5 {
		t.Errorf("%.2f bytes per token with 143 merges, want at least 1.5", ratio)
	}
	again := trainSmallBPE(t)
	if again.Hash() != b.Hash() {
		t.Error("training twice gave different tokenizers")
	}
}

func TestTrainWordPiece(t *testing.T) {
	w := trainSmallWordPiece(t)
	if w.VocabSize() != 400 {
		t.Fatalf("vocab %d", w.VocabSize())
	}
	for i, s := range wordPieceSpecials {
		if w.Special()[s] != int32(i) {
			t.Errorf("%s has id %d, want %d", s, w.Special()[s], i)
		}
	}
	// Decoding gives the normalized words: lowercased, punctuation split
	// off, whitespace collapsed.
	ids := encode(t, w, []byte("First Citizen:\n  Before we proceed"))
	back, err := w.Decode(nil, ids)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(back), "first citizen : before we proceed"; got != want {
		t.Errorf("decode = %q, want %q", got, want)
	}
	if _, err := w.Encode(nil, []byte("ok \xff bad")); err == nil || !strings.Contains(err.Error(), "not UTF-8 at byte offset 3") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if got := encode(t, w, []byte("zzzqqq€")); len(got) != 1 || got[0] != w.Special()["[UNK]"] {
		t.Errorf("unknown character: %v, want [UNK]", got)
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := TrainBPE(nil, 100, nil); err == nil || !strings.Contains(err.Error(), "at least 257") {
		t.Errorf("small BPE vocab: %v", err)
	}
	if _, err := TrainWordPiece([][]byte{[]byte("abc def")}, 6, false, nil); err == nil || !strings.Contains(err.Error(), "too small") {
		t.Errorf("small WordPiece vocab: %v", err)
	}
}
