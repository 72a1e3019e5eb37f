package tokenize

import (
	"fmt"
	"sort"
	"sync"

	"github.com/tiktoken-go/tokenizer/codec"
)

// EndOfText is GPT-2's one special token.
const EndOfText = "<|endoftext|>"

var gpt2 = sync.OnceValues(buildGPT2)

// GPT2 returns GPT-2's BPE tokenizer (OpenAI's r50k_base: 50,257 ids,
// <|endoftext|> = 50256). The vocabulary is the one embedded in
// github.com/tiktoken-go/tokenizer; the merges are derived from its ranks
// (as Hugging Face's converter does), so the same engine serves GPT-2 and
// tokenizer.json files. Building it takes a few tens of milliseconds once
// per process.
func GPT2() (*BPE, error) { return gpt2() }

func buildGPT2() (*BPE, error) {
	c := codec.NewR50kBase()
	const n = 50257
	vocab := make([][]byte, n)
	for id := 0; id < n-1; id++ {
		s, err := c.Decode([]uint{uint(id)})
		if err != nil {
			return nil, fmt.Errorf("gpt2 vocabulary: %v", err)
		}
		vocab[id] = []byte(s)
	}
	vocab[n-1] = []byte(EndOfText)
	merges, err := mergesFromRanks(vocab[:n-1])
	if err != nil {
		return nil, fmt.Errorf("gpt2 vocabulary: %v", err)
	}
	return newBPE("gpt2", vocab, merges, map[string]int32{EndOfText: n - 1})
}

// mergesFromRanks derives BPE merges from a tiktoken-style vocabulary in
// which a token's id is its merge rank: each multi-byte token, in id
// order, is split by the merges of lower rank into exactly two parts,
// which form its merge.
func mergesFromRanks(vocab [][]byte) ([][2]int32, error) {
	ids := make([]int32, 0, len(vocab))
	for id, b := range vocab {
		if len(b) > 1 {
			ids = append(ids, int32(id))
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	partial := &BPE{vocab: vocab, merges: make(map[uint64]uint64, len(ids))}
	for id, b := range vocab {
		if len(b) == 1 {
			partial.byteID[b[0]] = int32(id)
		}
	}
	merges := make([][2]int32, 0, len(ids))
	var work []int32
	for _, id := range ids {
		work = partial.mergeWord(work[:0], vocab[id])
		if len(work) != 2 {
			return nil, fmt.Errorf("token %d (%q) does not split into two lower-ranked tokens", id, vocab[id])
		}
		partial.merges[uint64(work[0])<<32|uint64(work[1])] = uint64(id)<<32 | uint64(id)
		merges = append(merges, [2]int32{work[0], work[1]})
	}
	return merges, nil
}
