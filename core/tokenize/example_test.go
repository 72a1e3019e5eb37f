package tokenize_test

import (
	"fmt"

	"workbench/core/tokenize"
)

func ExampleGPT2() {
	tok, err := tokenize.GPT2()
	if err != nil {
		panic(err)
	}
	ids, _ := tok.Encode(nil, []byte("Hello world"))
	text, _ := tok.Decode(nil, ids)
	fmt.Println(ids, string(text), tok.VocabSize(), tok.Special()[tokenize.EndOfText])
	// Output: [15496 995] Hello world 50257 50256
}

func ExampleTrainBPE() {
	text := []byte("the cat sat on the mat; the cat ate the rat")
	tok, err := tokenize.TrainBPE([][]byte{text}, 257+8, nil)
	if err != nil {
		panic(err)
	}
	ids, _ := tok.Encode(nil, []byte(" the cat"))
	fmt.Println(tok.Name(), tok.VocabSize(), len(ids))
	// Output: bpe 265 2
}

func ExampleLoad() {
	tok, err := tokenize.Load("bytes")
	if err != nil {
		panic(err)
	}
	ids, _ := tok.Encode(nil, []byte("hi"))
	fmt.Println(tok.Name(), ids)
	// Output: bytes [104 105]
}
