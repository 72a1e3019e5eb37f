package nn

// EmbedTypedForward writes BERT's summed embeddings
// out[b·t, c] = wte[tokens[r]] + wpe[r mod t] + wtt[types[r]]; types nil
// means token type 0 everywhere.
func EmbedTypedForward(out []float32, tokens, types []int32, wte, wpe, wtt []float32, b, t, c int) {
	EmbedForward(out, tokens, wte, wpe, b, t, c)
	for r := 0; r < b*t; r++ {
		ty := 0
		if types != nil {
			ty = int(types[r])
		}
		o, tw := out[r*c:(r+1)*c], wtt[ty*c:(ty+1)*c]
		for j := range o {
			o[j] += tw[j]
		}
	}
}

// EmbedTypedBackward accumulates dout into dwte (by token), dwpe (by
// position) and dwtt (by token type), serially in row order.
func EmbedTypedBackward(dwte, dwpe, dwtt, dout []float32, tokens, types []int32, b, t, c int) {
	EmbedBackward(dwte, dwpe, dout, tokens, b, t, c)
	for r := 0; r < b*t; r++ {
		ty := 0
		if types != nil {
			ty = int(types[r])
		}
		g, tw := dout[r*c:(r+1)*c], dwtt[ty*c:(ty+1)*c]
		for j := range g {
			tw[j] += g[j]
		}
	}
}
