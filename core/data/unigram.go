package data

import (
	"fmt"
	"math"
)

// Unigram is the add-one-smoothed unigram distribution of a token stream:
// the loss of a model that ignores context, which a language model has to
// beat to show that it uses any.
type Unigram struct {
	logp []float64 // natural log-probability of each id
}

// NewUnigram counts the ids of tokens, which must be below vocab, and
// smooths the counts by adding one to each of the vocab ids.
func NewUnigram(tokens Tokens, vocab int) (Unigram, error) {
	if vocab < 1 {
		return Unigram{}, fmt.Errorf("unigram over a vocabulary of %d", vocab)
	}
	counts := make([]float64, vocab)
	err := eachChunk(tokens, func(chunk []int32, start int) error {
		for _, id := range chunk {
			if id < 0 || int(id) >= vocab {
				return fmt.Errorf("token %d at position %d is outside the vocabulary of %d", id, start, vocab)
			}
			counts[id]++
		}
		return nil
	})
	if err != nil {
		return Unigram{}, err
	}
	total := float64(tokens.Len() + vocab)
	u := Unigram{logp: counts}
	for i, c := range counts {
		u.logp[i] = math.Log((c + 1) / total)
	}
	return u, nil
}

// TokensLoss returns Loss over a token stream, read a chunk at a time so
// that a memory-mapped split is never copied whole.
func (u Unigram) TokensLoss(tokens Tokens) (float64, int, error) {
	var sum float64
	var n int
	err := eachChunk(tokens, func(chunk []int32, start int) error {
		l, k, err := u.Loss(chunk)
		if err != nil {
			return fmt.Errorf("%v (in the chunk from position %d)", err, start)
		}
		sum, n = sum+l*float64(k), n+k
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no token to score")
	}
	return sum / float64(n), n, nil
}

// eachChunk calls fn with consecutive chunks of tokens and the position of
// each chunk's first token, stopping at the first error.
func eachChunk(tokens Tokens, fn func(chunk []int32, start int) error) error {
	buf := make([]int32, min(1<<16, tokens.Len()))
	for start := 0; start < tokens.Len(); start += len(buf) {
		chunk := buf[:min(len(buf), tokens.Len()-start)]
		tokens.Read(chunk, start)
		if err := fn(chunk, start); err != nil {
			return err
		}
	}
	return nil
}

// Loss returns the mean cross-entropy in nats of ids under u and how many
// it scored; negative ids (the -100 of unscored labels) are skipped.
func (u Unigram) Loss(ids []int32) (float64, int, error) {
	var sum float64
	var n int
	for i, id := range ids {
		if id < 0 {
			continue
		}
		if int(id) >= len(u.logp) {
			return 0, 0, fmt.Errorf("token %d at position %d is outside the vocabulary of %d", id, i, len(u.logp))
		}
		sum -= u.logp[id]
		n++
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no token to score")
	}
	return sum / float64(n), n, nil
}
