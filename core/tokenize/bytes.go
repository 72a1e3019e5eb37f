package tokenize

import "sync"

// bytesTokenizer reads text byte by byte: id = byte value.
type bytesTokenizer struct{}

// Bytes returns the byte tokenizer: 256 ids, one per byte value, no
// special tokens.
func Bytes() Tokenizer { return bytesTokenizer{} }

func (bytesTokenizer) Name() string              { return "bytes" }
func (bytesTokenizer) VocabSize() int            { return 256 }
func (bytesTokenizer) Special() map[string]int32 { return nil }

func (bytesTokenizer) Encode(dst []int32, text []byte) ([]int32, error) {
	for _, b := range text {
		dst = append(dst, int32(b))
	}
	return dst, nil
}

func (bytesTokenizer) Decode(dst []byte, ids []int32) ([]byte, error) {
	for _, id := range ids {
		if id < 0 || id > 255 {
			return dst, errBadID(id, 256)
		}
		dst = append(dst, byte(id))
	}
	return dst, nil
}

var bytesJSON = sync.OnceValues(func() ([]byte, error) {
	vocab := make([][]byte, 256)
	for i := range vocab {
		vocab[i] = []byte{byte(i)}
	}
	return byteLevelJSON(vocab, nil, nil, false)
})

// JSON is a byte-level BPE without merges and without pre-tokenization,
// whose ids are the byte values.
func (bytesTokenizer) JSON() ([]byte, error) { return bytesJSON() }

func (t bytesTokenizer) Hash() string {
	b, _ := t.JSON()
	return hashJSON(b)
}
