package tokenize

import (
	"fmt"
	"runtime"
	"sync"
)

// BPE is a byte-level byte-pair-encoding tokenizer (GPT-2 style): text is
// split into pre-tokens by GPT-2's pattern, and each pre-token's bytes are
// merged pairwise, lowest merge rank first.
type BPE struct {
	name    string
	vocab   [][]byte // id -> bytes (special tokens: their text)
	byteID  [256]int32
	merges  map[uint64]uint64 // left<<32|right -> rank<<32|merged id
	order   [][2]int32        // merges in rank order
	special map[string]int32

	jsonOnce sync.Once
	json     []byte
	jsonErr  error
}

// newBPE builds a BPE tokenizer from its vocabulary (id -> bytes), its
// merges in rank order and its special tokens (which must be in vocab).
func newBPE(name string, vocab [][]byte, merges [][2]int32, special map[string]int32) (*BPE, error) {
	t := &BPE{name: name, vocab: vocab, order: merges, special: special,
		merges: make(map[uint64]uint64, len(merges))}
	for i := range t.byteID {
		t.byteID[i] = -1
	}
	isSpecial := make(map[int32]bool, len(special))
	for _, id := range special {
		isSpecial[id] = true
	}
	index := make(map[string]int32, len(vocab))
	for id, b := range vocab {
		if isSpecial[int32(id)] {
			continue
		}
		if len(b) == 1 {
			t.byteID[b[0]] = int32(id)
		}
		index[string(b)] = int32(id)
	}
	for b, id := range t.byteID {
		if id < 0 {
			return nil, fmt.Errorf("the vocabulary has no token for byte 0x%02x; a byte-level vocabulary needs all 256", b)
		}
	}
	for rank, m := range merges {
		joined := string(vocab[m[0]]) + string(vocab[m[1]])
		id, ok := index[joined]
		if !ok {
			return nil, fmt.Errorf("merge %d (%q %q) makes %q, which is not in the vocabulary", rank, vocab[m[0]], vocab[m[1]], joined)
		}
		key := uint64(m[0])<<32 | uint64(m[1])
		if _, dup := t.merges[key]; !dup {
			t.merges[key] = uint64(rank)<<32 | uint64(id)
		}
	}
	return t, nil
}

// Name reports "gpt2" for GPT-2's tokenizer and "bpe" for others.
func (t *BPE) Name() string { return t.name }

// VocabSize is the number of ids.
func (t *BPE) VocabSize() int { return len(t.vocab) }

// Special returns the special tokens and their ids.
func (t *BPE) Special() map[string]int32 { return t.special }

// Hash is the sha256 of the tokenizer's tokenizer.json.
func (t *BPE) Hash() string {
	b, err := t.JSON()
	if err != nil {
		return ""
	}
	return hashJSON(b)
}

// JSON returns the tokenizer in the Hugging Face tokenizer.json format.
func (t *BPE) JSON() ([]byte, error) {
	t.jsonOnce.Do(func() { t.json, t.jsonErr = byteLevelJSON(t.vocab, t.order, t.special, true) })
	return t.json, t.jsonErr
}

// parallelChunk is the size of the pieces of text encoded concurrently
// (a variable so that tests cut small texts into many pieces).
var parallelChunk = 1 << 20

// Encode appends the ids of text to dst. Any bytes are accepted. Large
// texts are encoded in pieces on all cores; pieces are cut only at
// pre-token boundaries, so the result is the same as in one piece.
func (t *BPE) Encode(dst []int32, text []byte) ([]int32, error) {
	return encodeParallel(dst, text, t.encodeSerial), nil
}

// encodeParallel encodes text with encode, in pieces cut by cutPoint on
// all cores when the text is large, each worker with its own cache of
// encoded words.
func encodeParallel(dst []int32, text []byte, encode func(dst []int32, piece []byte, cache map[string][]int32) []int32) []int32 {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || len(text) < 2*parallelChunk {
		return encode(dst, text, make(map[string][]int32))
	}
	var pieces [][]byte
	for len(text) > 0 {
		cut := cutPoint(text, parallelChunk)
		pieces = append(pieces, text[:cut])
		text = text[cut:]
	}
	out := make([][]int32, len(pieces))
	next := make(chan int, len(pieces))
	for i := range pieces {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cache := make(map[string][]int32)
			for i := range next {
				out[i] = encode(make([]int32, 0, len(pieces[i])/3), pieces[i], cache)
			}
		}()
	}
	wg.Wait()
	for _, o := range out {
		dst = append(dst, o...)
	}
	return dst
}

// cutPoint returns a word boundary at or after size in text (or
// len(text)): just after a newline that stands between two ASCII
// characters that are not spaces. Such a newline is a GPT-2 pre-token of
// its own, in the whole text as at the end of a piece, and a word
// separator for WordPiece, so the cut changes nothing.
func cutPoint(text []byte, size int) int {
	if len(text) <= size {
		return len(text)
	}
	for i := size; i+1 < len(text); i++ {
		if text[i] == '\n' && nonSpaceASCII(text[i-1]) && nonSpaceASCII(text[i+1]) {
			return i + 1
		}
	}
	return len(text)
}

func nonSpaceASCII(c byte) bool { return c < 0x80 && asciiClass[c] != classSpace }

// maxCache bounds the number of pre-tokens remembered by one encoder.
const maxCache = 1 << 16

func (t *BPE) encodeSerial(dst []int32, text []byte, cache map[string][]int32) []int32 {
	var work []int32
	for i := 0; i < len(text); {
		j := pretokenEnd(text, i)
		word := text[i:j]
		i = j
		if ids, ok := cache[string(word)]; ok {
			dst = append(dst, ids...)
			continue
		}
		work = t.mergeWord(work[:0], word)
		if len(cache) >= maxCache {
			clear(cache)
		}
		cache[string(word)] = append([]int32(nil), work...)
		dst = append(dst, work...)
	}
	return dst
}

// mergeWord applies the merges to the bytes of one pre-token: repeatedly
// the adjacent pair of lowest rank, leftmost first.
func (t *BPE) mergeWord(ids []int32, word []byte) []int32 {
	for _, b := range word {
		ids = append(ids, t.byteID[b])
	}
	for len(ids) > 1 {
		best, bestRank, bestID := -1, uint64(1<<63), int32(0)
		for k := 0; k+1 < len(ids); k++ {
			if m, ok := t.merges[uint64(ids[k])<<32|uint64(uint32(ids[k+1]))]; ok && m>>32 < bestRank {
				best, bestRank, bestID = k, m>>32, int32(uint32(m))
			}
		}
		if best < 0 {
			break
		}
		ids[best] = bestID
		ids = append(ids[:best+1], ids[best+2:]...)
	}
	return ids
}

// Decode appends the bytes of ids to dst.
func (t *BPE) Decode(dst []byte, ids []int32) ([]byte, error) {
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.vocab) {
			return dst, errBadID(id, len(t.vocab))
		}
		dst = append(dst, t.vocab[id]...)
	}
	return dst, nil
}
