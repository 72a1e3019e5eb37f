package tokenize

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// TrainBPE learns a byte-level BPE of vocabSize ids (one special token,
// <|endoftext|> = 0, then the 256 bytes, then one id per merge) from
// texts, pre-tokenized the GPT-2 way, as Hugging Face's
// ByteLevelBPETokenizer trains. At equal counts the pair with the smaller
// ids merges first, so training is deterministic. progress, if not nil,
// is called now and then with the number of merges done.
func TrainBPE(texts [][]byte, vocabSize int, progress func(done, total int)) (*BPE, error) {
	const base = 1 + 256
	if vocabSize < base {
		return nil, fmt.Errorf("vocabulary size %d is too small: a byte-level BPE needs at least %d (256 bytes and %s)", vocabSize, base, EndOfText)
	}
	counts := map[string]int{}
	for _, text := range texts {
		for i := 0; i < len(text); {
			j := pretokenEnd(text, i)
			counts[string(text[i:j])]++
			i = j
		}
	}
	symbols := []string{EndOfText}
	for b := 0; b < 256; b++ {
		symbols = append(symbols, string([]byte{byte(b)}))
	}
	split := func(w string) []int32 {
		ids := make([]int32, len(w))
		for i := 0; i < len(w); i++ {
			ids[i] = int32(1 + int(w[i]))
		}
		return ids
	}
	join := func(a, b string) string { return a + b }
	symbols, merges := learnMerges(counts, split, symbols, join, vocabSize, progress)
	vocab := make([][]byte, len(symbols))
	for i, s := range symbols {
		vocab[i] = []byte(s)
	}
	return newBPE("bpe", vocab, merges, map[string]int32{EndOfText: 0})
}

// TrainWordPiece learns a BERT-style WordPiece vocabulary of vocabSize ids
// (the specials [PAD] [UNK] [CLS] [SEP] [MASK] first, then every
// character seen, alone and as a "##" continuation, then merged pieces),
// the way Hugging Face's WordPieceTrainer does: by BPE merges over words
// whose continuation characters carry the "##" prefix.
func TrainWordPiece(texts [][]byte, vocabSize int, lowercase bool, progress func(done, total int)) (*WordPiece, error) {
	proto := &WordPiece{lowercase: lowercase, strip: lowercase}
	counts := map[string]int{}
	for i, text := range texts {
		if !utf8.Valid(text) {
			return nil, fmt.Errorf("text %d is not UTF-8 at byte offset %d (WordPiece needs UTF-8)", i, invalidOffset(text))
		}
		for _, w := range proto.words(text) {
			counts[w]++
		}
	}
	alphabet := map[string]bool{}
	for w := range counts {
		for i, r := range []rune(w) {
			if i == 0 {
				alphabet[string(r)] = true
			} else {
				alphabet["##"+string(r)] = true
			}
		}
	}
	chars := make([]string, 0, len(alphabet))
	for s := range alphabet {
		chars = append(chars, s)
	}
	sort.Strings(chars)
	symbols := append(append([]string{}, wordPieceSpecials...), chars...)
	if vocabSize < len(symbols) {
		return nil, fmt.Errorf("vocabulary size %d is too small: the texts need %d (%d specials and %d characters)", vocabSize, len(symbols), len(wordPieceSpecials), len(chars))
	}
	index := map[string]int32{}
	for i, s := range symbols {
		index[s] = int32(i)
	}
	split := func(w string) []int32 {
		var ids []int32
		for i, r := range []rune(w) {
			s := string(r)
			if i > 0 {
				s = "##" + s
			}
			ids = append(ids, index[s])
		}
		return ids
	}
	join := func(a, b string) string { return a + strings.TrimPrefix(b, "##") }
	symbols, _ = learnMerges(counts, split, symbols, join, vocabSize, progress)
	return newWordPiece(dedupe(symbols), nil, "[UNK]", "##", 100, lowercase, lowercase)
}

// dedupe drops repeated symbols (two merges can make the same piece),
// keeping the first.
func dedupe(symbols []string) []string {
	seen := map[string]bool{}
	out := symbols[:0]
	for _, s := range symbols {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// word is a distinct pre-token as a sequence of symbol ids, with its count.
type word struct {
	syms  []int32
	count int
}

// learnMerges runs BPE training: until symbols holds vocabSize entries
// (or no pair is left), merge the most frequent adjacent
// pair of symbols across all words. It returns the symbols (the initial
// ones, then one per merge) and the merges in order.
func learnMerges(counts map[string]int, split func(string) []int32, symbols []string,
	join func(a, b string) string, vocabSize int, progress func(done, total int)) ([]string, [][2]int32) {
	keys := make([]string, 0, len(counts))
	for w := range counts {
		keys = append(keys, w)
	}
	sort.Strings(keys) // deterministic word order
	words := make([]word, len(keys))
	pairs := map[uint64]int{}
	where := map[uint64][]int32{}
	for i, k := range keys {
		words[i] = word{split(k), counts[k]}
		syms := words[i].syms
		for j := 0; j+1 < len(syms); j++ {
			p := pairKey(syms[j], syms[j+1])
			pairs[p] += counts[k]
			if w := where[p]; len(w) == 0 || w[len(w)-1] != int32(i) {
				where[p] = append(w, int32(i))
			}
		}
	}
	h := &pairHeap{}
	for p, c := range pairs {
		*h = append(*h, pairCount{p, c})
	}
	heap.Init(h)
	total := vocabSize - len(symbols)
	var merges [][2]int32
	for len(symbols) < vocabSize && h.Len() > 0 {
		top := heap.Pop(h).(pairCount)
		if cur := pairs[top.pair]; cur != top.count {
			if cur > 0 {
				heap.Push(h, pairCount{top.pair, cur})
			}
			continue
		}
		a, b := int32(top.pair>>32), int32(uint32(top.pair))
		id := int32(len(symbols))
		symbols = append(symbols, join(symbols[a], symbols[b]))
		merges = append(merges, [2]int32{a, b})
		changed := map[uint64]bool{}
		for _, wi := range where[top.pair] {
			w := &words[wi]
			if !containsPair(w.syms, a, b) {
				continue
			}
			for j := 0; j+1 < len(w.syms); j++ {
				p := pairKey(w.syms[j], w.syms[j+1])
				pairs[p] -= w.count
				changed[p] = true
			}
			out := w.syms[:0]
			for j := 0; j < len(w.syms); j++ {
				if j+1 < len(w.syms) && w.syms[j] == a && w.syms[j+1] == b {
					out = append(out, id)
					j++
				} else {
					out = append(out, w.syms[j])
				}
			}
			w.syms = out
			for j := 0; j+1 < len(w.syms); j++ {
				p := pairKey(w.syms[j], w.syms[j+1])
				pairs[p] += w.count
				changed[p] = true
				if l := where[p]; len(l) == 0 || l[len(l)-1] != wi {
					where[p] = append(l, wi)
				}
			}
		}
		delete(where, top.pair)
		delete(pairs, top.pair)
		for p := range changed {
			if c := pairs[p]; c > 0 {
				heap.Push(h, pairCount{p, c})
			} else {
				delete(pairs, p)
			}
		}
		if progress != nil && (len(merges)%500 == 0 || len(symbols) == vocabSize) {
			progress(len(merges), total)
		}
	}
	return symbols, merges
}

func pairKey(a, b int32) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

func containsPair(syms []int32, a, b int32) bool {
	for j := 0; j+1 < len(syms); j++ {
		if syms[j] == a && syms[j+1] == b {
			return true
		}
	}
	return false
}

// pairCount is a heap entry; entries go stale as counts change and are
// checked against the live count when popped.
type pairCount struct {
	pair  uint64
	count int
}

// pairHeap pops the highest count first, the smallest pair on ties.
type pairHeap []pairCount

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	return h[i].pair < h[j].pair
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairCount)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
