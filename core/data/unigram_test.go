package data

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestUnigram(t *testing.T) {
	// Counts 3, 1, 0 over a vocabulary of 3: add-one probabilities 4/7, 2/7, 1/7.
	u, err := NewUnigram(Int32Tokens([]int32{0, 0, 1, 0}), 3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ids  []int32
		want float64
		n    int
	}{
		{[]int32{0}, -math.Log(4.0 / 7), 1},
		{[]int32{1, 2}, -(math.Log(2.0/7) + math.Log(1.0/7)) / 2, 2},
		{[]int32{-100, 2, -100}, -math.Log(1.0 / 7), 1},
	}
	for _, tc := range tests {
		got, n, err := u.Loss(tc.ids)
		if err != nil || n != tc.n || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Loss(%v) = %g, %d, %v; want %g, %d", tc.ids, got, n, err, tc.want, tc.n)
		}
	}
	for _, tc := range []struct {
		ids  []int32
		want string
	}{
		{[]int32{-100}, "no token to score"},
		{[]int32{3}, "token 3 at position 0 is outside the vocabulary of 3"},
	} {
		if _, _, err := u.Loss(tc.ids); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Loss(%v): error %v, want %q", tc.ids, err, tc.want)
		}
	}
	if _, err := NewUnigram(Int32Tokens([]int32{0, 5}), 3); err == nil || !strings.Contains(err.Error(), "token 5 at position 0") {
		t.Errorf("NewUnigram with an id outside the vocabulary: %v", err)
	}
}

// TestUnigramLongStream checks the counts of a stream longer than one
// read chunk against the entropy of its distribution.
func TestUnigramLongStream(t *testing.T) {
	ids := make([]int32, 200000)
	for i := range ids {
		ids[i] = int32(i % 4) // uniform over 4 of 8 ids
	}
	u, err := NewUnigram(Int32Tokens(ids), 8)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := u.Loss(ids)
	want := -math.Log((50000.0 + 1) / (200000 + 8))
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("loss %g, want %g", got, want)
	}
	streamed, n, err := u.TokensLoss(Int32Tokens(ids))
	if err != nil || n != len(ids) || math.Abs(streamed-got) > 1e-9 {
		t.Errorf("TokensLoss = %g, %d, %v; Loss = %g over %d", streamed, n, err, got, len(ids))
	}
}

func ExampleUnigram() {
	train := Int32Tokens([]int32{7, 7, 7, 1})
	u, _ := NewUnigram(train, 8)
	loss, n, _ := u.Loss([]int32{7, -100, 7})
	fmt.Printf("%.4f nats over %d tokens\n", loss, n)
	// Output: 1.0986 nats over 2 tokens
}
