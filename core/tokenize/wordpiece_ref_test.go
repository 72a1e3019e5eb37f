package tokenize

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"workbench/datasets"
)

// refWordPieceEncode is the first, straightforward WordPiece encoder, kept
// as the reference the faster one must agree with id for id: the text is
// normalized as a whole, split into words, and each word cut greedily into
// the longest vocabulary pieces.
func refWordPieceEncode(t *WordPiece, text []byte) []int32 {
	var ids []int32
	for _, word := range refWordPieceWords(t, text) {
		ids = refWordPieceWord(t, ids, word)
	}
	return ids
}

// refWordPieceWords normalizes text and splits it into words.
func refWordPieceWords(t *WordPiece, text []byte) []string {
	s := string(text)
	if t.strip {
		s = norm.NFD.String(s)
	}
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == 0 || r == utf8.RuneError || (isControl(r)):
			continue
		case unicode.IsSpace(r):
			flush()
			continue
		case t.strip && unicode.Is(unicode.Mn, r):
			continue
		}
		if t.lowercase {
			r = unicode.ToLower(r)
		}
		if isPunct(r) || isCJK(r) {
			flush()
			words = append(words, string(r))
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return words
}

// refWordPieceWord cuts one word greedily into the longest vocabulary
// pieces, trying every shorter piece rune by rune.
func refWordPieceWord(t *WordPiece, dst []int32, word string) []int32 {
	if utf8.RuneCountInString(word) > t.maxChars {
		return append(dst, t.unk)
	}
	start := len(dst)
	for i := 0; i < len(word); {
		j := len(word)
		found := int32(-1)
		for j > i {
			piece := word[i:j]
			if i > 0 {
				piece = t.prefix + piece
			}
			if id, ok := t.index[piece]; ok {
				found = id
				break
			}
			_, n := utf8.DecodeLastRuneInString(word[i:j])
			j -= n
		}
		if found < 0 {
			return append(dst[:start], t.unk)
		}
		dst = append(dst, found)
		i = j
	}
	return dst
}

// variedText mixes what the normalizer and the pre-tokenizer treat
// specially: cases, precomposed and decomposed accents, combining marks,
// CJK ideographs, control and format characters, Unicode spaces and
// punctuation, U+FFFD, emoji, digits, a literal "##", words longer than
// max_input_chars_per_word, and Shakespeare.
var variedText = []byte(strings.Join([]string{
	"First Citizen:\nBefore we proceed any further, hear me speak.",
	"Ünïcödé façade — “quotes” «guillemets» ¿qué? ¡sí! naïve cafe\u0301 re\u0301sume\u0301 A\u030a",
	"日本語のテキスト 中文字符 한국어 текст ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ İstanbul ǅemal ß ẞ ﬁ",
	"nul\x00in\x01the\x1fmiddle \v vertical \f feed \x7f del \u0085 next-line \u200b zero\u200dwidth \ufeff bom",
	"\u00a0nbsp\u2003em\u2028line\u2029para \t\ttabs \r\n crlf  \n\n\n",
	"\ufffd replacement \ufffdinside\ufffd 🙂🙃 👍🏽 x\u0300\u0301\u0302y",
	"numbers 123 4567.89 ½ ⅞ 3rd 1st",
	"!!!?? ... ,, ;-) ##hash ##",
	strings.Repeat("abcdefghij", 12) + " " + strings.Repeat("é", 101) + " " + strings.Repeat("e\u0301", 60),
	"'s's 'S 'LL '' I'm they're we'll've",
	string(datasets.TinyShakespeare[:30000]),
}, " "))

// wordPieceVariants returns WordPieces trained on Shakespeare: uncased
// (lowercase, accents stripped), cased, lowercase keeping accents, and one
// with a short max_input_chars_per_word.
func wordPieceVariants(t testing.TB) map[string]*WordPiece {
	t.Helper()
	uncased := trainSmallWordPiece(t)
	cased, err := TrainWordPiece([][]byte{datasets.TinyShakespeare[:100000], variedText}, 600, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	keepAccents, err := newWordPiece(cased.vocab, nil, "[UNK]", "##", 100, true, false)
	if err != nil {
		t.Fatal(err)
	}
	short, err := newWordPiece(uncased.vocab, nil, "[UNK]", "##", 6, true, true)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*WordPiece{"uncased": uncased, "cased": cased, "lowercase keeping accents": keepAccents, "max 6 chars": short}
}

// sameIDs compares the encoder's words and ids with the reference's on
// text, serially and in parallel pieces.
func sameIDs(t *testing.T, name string, w *WordPiece, text []byte) {
	t.Helper()
	if got, want := w.words(text), refWordPieceWords(w, text); !slices.Equal(got, want) {
		t.Fatalf("%s: words of %.60q: %q, reference %q", name, text, got, want)
	}
	want := refWordPieceEncode(w, text)
	for how, got := range map[string][]int32{
		"serial":   w.encodeSerial(nil, text, map[string][]int32{}),
		"parallel": encode(t, w, text),
	} {
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %s encoding of %.60q: %d ids, reference %d (first difference at %d)", name, how, text, len(got), len(want), firstDifference(got, want))
		}
	}
}

func firstDifference(a, b []int32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWordPieceMatchesReference requires the encoder to give the
// reference's ids on the default corpus, on varied text and on tricky
// strings, for every normalization setting.
func TestWordPieceMatchesReference(t *testing.T) {
	defer func(n int) { parallelChunk = n }(parallelChunk)
	parallelChunk = 64 << 10 // the corpus in 17 pieces
	texts := [][]byte{datasets.TinyShakespeare, variedText}
	for _, s := range tricky {
		if utf8.ValidString(s) {
			texts = append(texts, []byte(s))
		}
	}
	for name, w := range wordPieceVariants(t) {
		for _, text := range texts {
			sameIDs(t, name, w, text)
		}
	}
}

func FuzzWordPieceMatchesReference(f *testing.F) {
	for _, s := range append(tricky, strings.Fields(string(variedText[:2000]))...) {
		f.Add([]byte(s))
	}
	variants := wordPieceVariants(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		if !utf8.Valid(text) {
			return
		}
		for name, w := range variants {
			sameIDs(t, name, w, text)
		}
	})
}
