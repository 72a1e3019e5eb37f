package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"workbench/core/nn"
	"workbench/core/tokenize"
)

func TestIgnoreIsNNIgnoreIndex(t *testing.T) {
	if Ignore != nn.IgnoreIndex {
		t.Fatalf("data.Ignore = %d, nn.IgnoreIndex = %d", Ignore, nn.IgnoreIndex)
	}
}

func corpusIDs(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32((i*7 + i/13) % 256)
	}
	return s
}

func corpus(n int) Tokens { return Int32Tokens(corpusIDs(n)) }

// TestMLMStatistics draws many sequences and checks the structure
// ([CLS] … [SEP]), that labels mark exactly the selected positions, and the
// 15% / 80-10-10 proportions.
func TestMLMStatistics(t *testing.T) {
	const b, T = 64, 40
	tokens := corpus(5000)
	m := ByteMLM(DefaultMaskRate)
	mb, err := NewMLMBatcher(tokens, b, T, 3, m)
	if err != nil {
		t.Fatal(err)
	}
	in, lab := make([]int32, b*T), make([]int32, b*T)
	var positions, selected, masked, random, kept float64
	for step := 0; step < 50; step++ {
		mb.Next(in, lab)
		for i := 0; i < b; i++ {
			seq, l := in[i*T:(i+1)*T], lab[i*T:(i+1)*T]
			if seq[0] != ByteCLS || seq[T-1] != ByteSEP || l[0] != Ignore || l[T-1] != Ignore {
				t.Fatalf("sequence %d is not [CLS] … [SEP] with unlabelled specials: %v / %v", i, seq, l)
			}
			for j := 1; j < T-1; j++ {
				positions++
				switch {
				case l[j] == Ignore:
					if seq[j] >= 256 {
						t.Fatalf("unselected position holds special %d", seq[j])
					}
				case seq[j] == ByteMASK:
					selected++
					masked++
				case seq[j] == l[j]:
					selected++
					kept++
				default:
					selected++
					random++
					if seq[j] >= 256 {
						t.Fatalf("random replacement is special %d", seq[j])
					}
				}
			}
		}
	}
	near := func(what string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.4f, want %.2f ± %.3f", what, got, want, tol)
		}
	}
	// About 2,000 selected positions: binomial standard errors ~0.002
	// (rate) and ~0.009 / 0.007 (shares).
	near("selected fraction", selected/positions, 0.15, 0.008)
	near("[MASK] share", masked/selected, 0.8, 0.03)
	// A random replacement equals the original 1 time in 256 and counts as kept.
	near("random share", random/selected, 0.1, 0.025)
	near("kept share", kept/selected, 0.1, 0.025)
}

// TestMLMResumeIsBitExact restores the generator state mid-way: the next
// batches and masks are identical.
func TestMLMResumeIsBitExact(t *testing.T) {
	tokens := corpus(3000)
	a, _ := NewMLMBatcher(tokens, 4, 32, 9, ByteMLM(0.15))
	in, lab := make([]int32, 4*32), make([]int32, 4*32)
	a.Next(in, lab)
	state, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a.Next(in, lab)
	want := slices.Concat(in, lab)
	b, _ := NewMLMBatcher(tokens, 4, 32, 1234, ByteMLM(0.15))
	if err := b.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	b.Next(in, lab)
	if !slices.Equal(slices.Concat(in, lab), want) {
		t.Fatal("resumed batcher draws different sequences or masks")
	}
}

func TestMLMStridedCoversEveryToken(t *testing.T) {
	ids := corpusIDs(101)
	tokens := Int32Tokens(ids)
	const T = 12
	m := ByteMLM(0.3)
	in, lab, lens := m.Strided(tokens, T, 7)
	if len(lens) != 11 || lens[10] != 1+2 {
		t.Fatalf("lens %v, want 10 full sequences and one of 1 token", lens)
	}
	var got []int32
	for i, n := range lens {
		seq, l := in[i*T:(i+1)*T], lab[i*T:(i+1)*T]
		for j := 1; j < n-1; j++ {
			if l[j] != Ignore {
				got = append(got, l[j])
			} else {
				got = append(got, seq[j])
			}
		}
		for j := n; j < T; j++ {
			if seq[j] != BytePAD || l[j] != Ignore {
				t.Fatalf("sequence %d position %d: %d/%d, want [PAD] unlabelled", i, j, seq[j], l[j])
			}
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatal("the strided sequences do not hold every token once, in order")
	}
	in2, lab2, _ := m.Strided(tokens, T, 7)
	if !slices.Equal(in, in2) || !slices.Equal(lab, lab2) {
		t.Fatal("the same seed gives different masks")
	}
}

func TestMLMValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*MLM)
		want string
	}{
		{func(m *MLM) { m.Rate = 0 }, "mask rate must be in (0, 1), got 0"},
		{func(m *MLM) { m.Rate = 1 }, "mask rate must be in (0, 1), got 1"},
		{func(m *MLM) { m.Vocab = 256 }, "special token [CLS] has id 257 outside the vocabulary of 256"},
		{func(m *MLM) { m.MASK = -1 }, "special token [MASK] has id -1 outside the vocabulary of 260"},
		{func(m *MLM) { m.PAD = m.SEP }, "special tokens [SEP] and [PAD] share id 258"},
	} {
		m := ByteMLM(0.15)
		tc.edit(&m)
		if err := m.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	if _, err := NewMLMBatcher(corpus(10), 1, 2, 1, ByteMLM(0.15)); err == nil {
		t.Error("a 2-position sequence was accepted")
	}
}

func ExampleMLM_Strided() {
	m := ByteMLM(0.5)
	in, labels, lens := m.Strided(Int32Tokens([]int32{'h', 'e', 'l', 'l', 'o'}), 6, 1)
	fmt.Println(len(lens), lens, in[0] == ByteCLS, len(labels))
	// Output: 2 [6 3] true 12
}

func TestByteVocabBERT(t *testing.T) {
	v := ByteVocabBERT()
	if len(v) != VocabBytesBERT || v['A'] != "<0x41>" || v[BytePAD] != "[PAD]" || v[ByteCLS] != "[CLS]" || v[ByteSEP] != "[SEP]" || v[ByteMASK] != "[MASK]" {
		t.Fatalf("vocabulary %d entries: %q %q %q %q %q", len(v), v['A'], v[BytePAD], v[ByteCLS], v[ByteSEP], v[ByteMASK])
	}
}

func TestNewMLM(t *testing.T) {
	m, err := NewMLM(tokenize.Bytes(), 0.15)
	if err != nil || m != ByteMLM(0.15) {
		t.Fatalf("bytes: %+v, %v", m, err)
	}
	gpt2, err := tokenize.GPT2()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMLM(gpt2, 0.15); err == nil || !strings.Contains(err.Error(), "has no [CLS] token") {
		t.Errorf("GPT-2 BPE: %v", err)
	}
	if _, err := NewMLM(tokenize.Bytes(), 1.5); err == nil || err.Error() != "mask rate must be in (0, 1), got 1.5" {
		t.Errorf("rate 1.5: %v", err)
	}
}
