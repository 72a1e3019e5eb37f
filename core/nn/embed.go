package nn

// EmbedForward writes out[b·t, c] = wte[tokens[b·t]] + wpe[pos(b·t)], where
// the position of row r is r mod t.
func EmbedForward(out []float32, tokens []int32, wte, wpe []float32, b, t, c int) {
	parallel(embedFwdPool, b*t, embedFwd{out, tokens, wte, wpe, t, c})
}

// EmbedBackward accumulates dout into the rows of dwte (by token) and dwpe
// (by position). It runs serially over rows in order, so sums are
// deterministic.
func EmbedBackward(dwte, dwpe, dout []float32, tokens []int32, b, t, c int) {
	for r := 0; r < b*t; r++ {
		g := dout[r*c : (r+1)*c]
		tw := dwte[int(tokens[r])*c : int(tokens[r]+1)*c]
		pw := dwpe[(r%t)*c : (r%t+1)*c]
		for j, v := range g {
			tw[j] += v
			pw[j] += v
		}
	}
}

var embedFwdPool = newPool[embedFwd]()

type embedFwd struct {
	out      []float32
	tokens   []int32
	wte, wpe []float32
	t, c     int
}

func (e *embedFwd) Range(lo, hi int) {
	c := e.c
	for r := lo; r < hi; r++ {
		o := e.out[r*c : (r+1)*c]
		tw := e.wte[int(e.tokens[r])*c : int(e.tokens[r]+1)*c]
		pw := e.wpe[(r%e.t)*c : (r%e.t+1)*c]
		for j := range o {
			o[j] = tw[j] + pw[j]
		}
	}
}
