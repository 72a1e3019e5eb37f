package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// class is the character class the GPT-2 pre-tokenizer distinguishes.
type class uint8

const (
	classOther class = iota // neither space, letter nor number (bytes that are not UTF-8 included)
	classSpace
	classLetter
	classNumber
)

// classOf returns the class of the rune starting at text[i] and its length
// in bytes. A byte that does not start a valid UTF-8 sequence is a
// one-byte classOther.
func classOf(text []byte, i int) (class, int) {
	c := text[i]
	if c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRune(text[i:])
	switch {
	case r == utf8.RuneError && n == 1:
		return classOther, 1
	case unicode.IsSpace(r):
		return classSpace, n
	case unicode.IsLetter(r):
		return classLetter, n
	case unicode.IsNumber(r):
		return classNumber, n
	}
	return classOther, n
}

var asciiClass = func() (t [utf8.RuneSelf]class) {
	for c := range t {
		switch r := rune(c); {
		case unicode.IsSpace(r):
			t[c] = classSpace
		case unicode.IsLetter(r):
			t[c] = classLetter
		case unicode.IsNumber(r):
			t[c] = classNumber
		}
	}
	return t
}()

// pretokenEnd returns the end of the GPT-2 pre-token that starts at
// text[i] (i < len(text)). It is a hand-written scanner for the regular
// expression of GPT-2 (tiktoken's r50k_base, Hugging Face's ByteLevel
// pre-tokenizer):
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// with its alternatives tried in order at each position, as a
// backtracking engine does. Go's regexp has no lookahead, and the scanner
// is several times faster than a general engine.
func pretokenEnd(text []byte, i int) int {
	if text[i] == '\'' {
		if n := contraction(text[i+1:]); n > 0 {
			return i + 1 + n
		}
	}
	cl, n := classOf(text, i)
	if cl == classSpace {
		if text[i] == ' ' && i+1 < len(text) {
			if next, _ := classOf(text, i+1); next != classSpace {
				return run(text, i+1, next) // " ?X+" with the space
			}
		}
		// \s+(?!\S): the whole run at the end of the text or, before a
		// non-space, the run without its last character; else \s+ takes
		// that single character.
		j, last := i, 0
		for j < len(text) {
			c, m := classOf(text, j)
			if c != classSpace {
				break
			}
			j, last = j+m, m
		}
		if j == len(text) || j-last == i {
			return j
		}
		return j - last
	}
	return run(text, i+n, cl)
}

// run returns the end of the run of class cl that continues at text[i].
func run(text []byte, i int, cl class) int {
	for i < len(text) {
		c, n := classOf(text, i)
		if c != cl {
			break
		}
		i += n
	}
	return i
}

// contraction returns the length of the English contraction suffix ("s",
// "t", "re", "ve", "m", "ll", "d") at the start of s, or 0.
func contraction(s []byte) int {
	if len(s) == 0 {
		return 0
	}
	switch s[0] {
	case 's', 't', 'm', 'd':
		return 1
	case 'r', 'v':
		if len(s) > 1 && s[1] == 'e' {
			return 2
		}
	case 'l':
		if len(s) > 1 && s[1] == 'l' {
			return 2
		}
	}
	return 0
}

// byteRunes is GPT-2's bytes_to_unicode table: the printable character
// that stands for each byte in a byte-level vocabulary (vocab.json,
// merges.txt, tokenizer.json).
var byteRunes, runeBytes = func() (b2r [256]rune, r2b map[rune]byte) {
	r2b = make(map[rune]byte, 256)
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2r[b] = rune(b)
		} else {
			b2r[b] = 256 + n
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

// byteLevelString returns the byte-level (vocab.json) spelling of token
// bytes b.
func byteLevelString(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = byteRunes[c]
	}
	return string(r)
}

// byteLevelBytes returns the bytes a byte-level spelling stands for, or
// false if s holds a character outside the 256 of the table.
func byteLevelBytes(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		b, ok := runeBytes[r]
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}
