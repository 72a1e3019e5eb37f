package tokenize

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// WordPiece is a BERT-style tokenizer: text is normalized (control
// characters removed, whitespace unified, CJK characters isolated,
// optionally lowercased with accents stripped), split at whitespace and
// punctuation, and each word is cut greedily into the longest vocabulary
// pieces, continuation pieces carrying the "##" prefix. A word that cannot
// be cut becomes [UNK].
//
// WordPiece is lossy by design: decoding gives the normalized words
// separated by single spaces, not the original text.
type WordPiece struct {
	vocab     []string
	index     map[string]int32
	special   map[string]int32
	unk       int32
	prefix    string
	maxChars  int
	maxLen    int // bytes of the longest vocabulary entry
	lowercase bool
	strip     bool

	jsonOnce sync.Once
	json     []byte
}

// WordPiece special tokens, in the order trained vocabularies hold them.
var wordPieceSpecials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

func newWordPiece(vocab []string, special map[string]int32, unk string, prefix string, maxChars int, lowercase, strip bool) (*WordPiece, error) {
	t := &WordPiece{vocab: vocab, index: make(map[string]int32, len(vocab)), special: special,
		prefix: prefix, maxChars: maxChars, lowercase: lowercase, strip: strip}
	for id, s := range vocab {
		if _, dup := t.index[s]; !dup {
			t.index[s] = int32(id)
		}
		t.maxLen = max(t.maxLen, len(s))
	}
	id, ok := t.index[unk]
	if !ok {
		return nil, fmt.Errorf("the unknown token %q is not in the vocabulary", unk)
	}
	t.unk = id
	if t.maxChars <= 0 {
		t.maxChars = 100
	}
	if t.special == nil {
		t.special = map[string]int32{}
		for _, s := range wordPieceSpecials {
			if id, ok := t.index[s]; ok {
				t.special[s] = id
			}
		}
	}
	return t, nil
}

// Name reports "wordpiece".
func (t *WordPiece) Name() string { return "wordpiece" }

// VocabSize is the number of ids.
func (t *WordPiece) VocabSize() int { return len(t.vocab) }

// Special returns the special tokens ([PAD], [UNK], [CLS], [SEP], [MASK])
// and their ids.
func (t *WordPiece) Special() map[string]int32 { return t.special }

// Hash is the sha256 of the tokenizer's tokenizer.json.
func (t *WordPiece) Hash() string {
	b, _ := t.JSON()
	return hashJSON(b)
}

// Encode appends the ids of text to dst; text must be UTF-8.
func (t *WordPiece) Encode(dst []int32, text []byte) ([]int32, error) {
	if !utf8.Valid(text) {
		return dst, fmt.Errorf("text is not UTF-8 at byte offset %d (WordPiece needs UTF-8)", invalidOffset(text))
	}
	return encodeParallel(dst, text, t.encodeSerial), nil
}

// encodeSerial encodes text on the calling goroutine, remembering the ids
// of words in cache.
func (t *WordPiece) encodeSerial(dst []int32, text []byte, cache map[string][]int32) []int32 {
	words := t.scan(text)
	var piece []byte
	for {
		word, ok := words.next()
		if !ok {
			return dst
		}
		if ids, ok := cache[string(word)]; ok {
			dst = append(dst, ids...)
			continue
		}
		n := len(dst)
		dst = t.encodeWord(dst, word, &piece)
		if len(cache) < maxCache {
			cache[string(word)] = append([]int32(nil), dst[n:]...)
		}
	}
}

// invalidOffset returns the offset of the first byte that is not UTF-8.
func invalidOffset(text []byte) int {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// words normalizes text and splits it into words (BertNormalizer and
// BertPreTokenizer).
func (t *WordPiece) words(text []byte) []string {
	var words []string
	s := t.scan(text)
	for w, ok := s.next(); ok; w, ok = s.next() {
		words = append(words, string(w))
	}
	return words
}

// scan returns a wordScanner over text, decomposed first (NFD) when
// accents are stripped.
func (t *WordPiece) scan(text []byte) *wordScanner {
	if t.strip {
		text = norm.NFD.Bytes(text) // text itself when already decomposed
	}
	return &wordScanner{t: t, text: text}
}

// wordScanner normalizes a text and splits it into words one at a time,
// without allocating for each word.
type wordScanner struct {
	t    *WordPiece
	text []byte
	pos  int
	word []byte
}

// What the normalizer and the pre-tokenizer do with an ASCII character.
const (
	asciiInWord  = iota // part of a word
	asciiRemoved        // removed: NUL and control characters
	asciiSpace          // ends a word
	asciiAlone          // punctuation: a word of its own
)

// wordPieceASCII classifies the ASCII characters with the predicates
// next applies to every other character.
var wordPieceASCII = func() (class [utf8.RuneSelf]uint8) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		switch {
		case r == 0 || isControl(r):
			class[r] = asciiRemoved
		case unicode.IsSpace(r):
			class[r] = asciiSpace
		case isPunct(r) || isCJK(r):
			class[r] = asciiAlone
		}
	}
	return class
}()

// next returns the next word and true, or false at the end of the text.
// The word is valid until the next call.
func (s *wordScanner) next() ([]byte, bool) {
	t, text := s.t, s.text
	s.word = s.word[:0]
	for s.pos < len(text) {
		if c := text[s.pos]; c < utf8.RuneSelf {
			switch wordPieceASCII[c] {
			case asciiInWord:
				if t.lowercase && 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				s.word = append(s.word, c)
				s.pos++
			case asciiRemoved:
				s.pos++
			case asciiSpace:
				s.pos++
				if len(s.word) > 0 {
					return s.word, true
				}
			case asciiAlone:
				if len(s.word) > 0 {
					return s.word, true // the punctuation on the next call
				}
				s.pos++
				return text[s.pos-1 : s.pos], true
			}
			continue
		}
		r, n := utf8.DecodeRune(text[s.pos:])
		switch {
		case r == utf8.RuneError || isControl(r):
			s.pos += n
			continue
		case unicode.IsSpace(r):
			s.pos += n
			if len(s.word) > 0 {
				return s.word, true
			}
			continue
		case t.strip && unicode.Is(unicode.Mn, r):
			s.pos += n
			continue
		}
		if t.lowercase {
			r = unicode.ToLower(r)
		}
		if isPunct(r) || isCJK(r) {
			if len(s.word) > 0 {
				return s.word, true
			}
			s.pos += n
			return utf8.AppendRune(s.word, r), true
		}
		s.word = utf8.AppendRune(s.word, r)
		s.pos += n
	}
	return s.word, len(s.word) > 0
}

func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// isPunct is BERT's punctuation: ASCII symbols and Unicode P*.
func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// isCJK reports the CJK ideograph blocks BERT pads with spaces.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

// encodeWord cuts one word greedily into the longest vocabulary pieces;
// piece is scratch space for a continuation piece with its prefix. No
// piece longer than the longest vocabulary entry is looked up.
func (t *WordPiece) encodeWord(dst []int32, word []byte, piece *[]byte) []int32 {
	if len(word) > t.maxChars && utf8.RuneCount(word) > t.maxChars {
		return append(dst, t.unk)
	}
	start := len(dst)
	for i := 0; i < len(word); {
		j := min(len(word), i+t.maxLen)
		for j > i && j < len(word) && !utf8.RuneStart(word[j]) {
			j--
		}
		found := int32(-1)
		for j > i {
			p := word[i:j]
			if i > 0 {
				*piece = append(append((*piece)[:0], t.prefix...), p...)
				p = *piece
			}
			if id, ok := t.index[string(p)]; ok {
				found = id
				break
			}
			_, n := utf8.DecodeLastRune(word[i:j])
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

// Decode appends the words of ids, separated by single spaces,
// continuation pieces joined to the piece before them.
func (t *WordPiece) Decode(dst []byte, ids []int32) ([]byte, error) {
	for i, id := range ids {
		if id < 0 || int(id) >= len(t.vocab) {
			return dst, errBadID(id, len(t.vocab))
		}
		s := t.vocab[id]
		if rest, ok := strings.CutPrefix(s, t.prefix); ok && i > 0 {
			dst = append(dst, rest...)
			continue
		}
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, s...)
	}
	return dst, nil
}

// VocabTxt returns the vocabulary as BERT's vocab.txt: one token per line
// in id order.
func (t *WordPiece) VocabTxt() []byte {
	var b bytes.Buffer
	for _, s := range t.vocab {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// JSON returns the tokenizer in the Hugging Face tokenizer.json format.
func (t *WordPiece) JSON() ([]byte, error) {
	t.jsonOnce.Do(func() {
		var w bytes.Buffer
		w.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n")
		writeAdded(&w, t.special, nil)
		fmt.Fprintf(&w, `  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": %v, "lowercase": %v},`+"\n", t.strip, t.lowercase)
		w.WriteString(`  "pre_tokenizer": {"type": "BertPreTokenizer"},` + "\n")
		w.WriteString(`  "post_processor": null,` + "\n")
		fmt.Fprintf(&w, `  "decoder": {"type": "WordPiece", "prefix": %q, "cleanup": false},`+"\n", t.prefix)
		fmt.Fprintf(&w, `  "model": {"type": "WordPiece", "unk_token": %q, "continuing_subword_prefix": %q, "max_input_chars_per_word": %d,`+"\n", t.vocab[t.unk], t.prefix, t.maxChars)
		writeVocab(&w, t.vocab)
		w.WriteString("\n  }\n}\n")
		t.json = w.Bytes()
	})
	return t.json, nil
}

func parseWordPiece(f *hfFile) (Tokenizer, error) {
	lowercase, strip := false, false
	n, err := component(f.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("normalizer: %v", err)
	}
	if n != nil {
		if n.Type != "BertNormalizer" {
			return nil, fmt.Errorf("WordPiece with normalizer %q is not supported (want BertNormalizer)", n.Type)
		}
		lowercase = n.Lowercase
		strip = lowercase
		if n.StripAccents != nil {
			strip = *n.StripAccents
		}
	}
	if p, err := component(f.PreTokenizer); err != nil || p == nil || p.Type != "BertPreTokenizer" {
		return nil, fmt.Errorf("WordPiece without a BertPreTokenizer is not supported")
	}
	special := specials(f)
	vocab, err := vocabByID(f.Model.Vocab, special)
	if err != nil {
		return nil, err
	}
	unk, prefix := "[UNK]", "##"
	if f.Model.UnkToken != nil {
		unk = *f.Model.UnkToken
	}
	if f.Model.ContinuingSubwordPrefix != nil {
		prefix = *f.Model.ContinuingSubwordPrefix
	}
	return newWordPiece(vocab, special, unk, prefix, f.Model.MaxInputCharsPerWord, lowercase, strip)
}
