package kern

import "fmt"

// Causal self-attention of one head, on the micro-kernels of the GEMM
// driver. Row i of the score matrix only needs keys 0…i, so each panel of
// mr query rows multiplies against the key panels up to its diagonal, and
// each panel of mr key rows of the gradients sums over the queries from its
// first row on. The operands are packed once per head; the products then
// run as plain micro-kernel calls, without the per-call work of Sgemm.

// CausalAttention computes one head of causal self-attention over t
// positions with head size hs. Row i of q, k and v starts at i·ld (the
// three may be views into one [t, 3c] matrix) and row i of o at i·ldo. It
// sets p[i·t+j] to the softmax over j ≤ i of scale·q_i·k_j (0 for j > i)
// and o_i = Σ_j p[i·t+j]·v_j. Sums run in an order that depends on the CPU
// path only.
func CausalAttention(o, p, q, k, v []float32, t, hs, ld, ldo int, scale float32) {
	checkAttn("CausalAttention", t, hs, ld, ldo, []attnArg{{"o", o, ldo}, {"q", q, ld}, {"k", k, ld}, {"v", v, ld}, {"p", p, 0}})
	attention(o, p, q, k, v, t, t, hs, ld, ldo, scale, true)
}

// CausalAttentionBackward computes the gradients of CausalAttention with
// respect to q, k and v (overwritten; rows at i·ld) from the gradient do of
// its output (rows at i·ldo), given its inputs and the probabilities p it
// computed. ds is scratch space of t·t floats.
func CausalAttentionBackward(dq, dk, dv, ds, do, q, k, v, p []float32, t, hs, ld, ldo int, scale float32) {
	checkAttn("CausalAttentionBackward", t, hs, ld, ldo, []attnArg{
		{"dq", dq, ld}, {"dk", dk, ld}, {"dv", dv, ld}, {"ds", ds, 0}, {"do", do, ldo},
		{"q", q, ld}, {"k", k, ld}, {"v", v, ld}, {"p", p, 0},
	})
	attentionBackward(dq, dk, dv, ds, do, q, k, v, p, t, t, hs, ld, ldo, scale, true)
}

// attention is one head of self-attention where query i attends to the
// keys j < n, and with causal also only to j ≤ i. Each panel of mr query
// rows multiplies against the key panels up to its last key.
func attention(o, p, q, k, v []float32, t, n, hs, ld, ldo int, scale float32, causal bool) {
	if t == 0 || hs == 0 {
		return
	}
	d := attnDriver()
	w := getAttnWork(t, hs, d, false)
	defer putAttnWork(w)
	nr := d.nr
	// Kᵀ as the B operand of S = Q·Kᵀ (k = hs, n = t) and V as that of
	// O = P·V (k = t, n = hs).
	packB(d.copyB, d.gatherB, w.kT, true, k, ld, 0, hs, 0, t, nr)
	packB(d.copyB, d.gatherB, w.vP, false, v, ld, 0, t, 0, hs, nr)
	for i0 := 0; i0 < t; i0 += d.mr {
		rows := min(d.mr, t-i0)
		keys := n
		if causal {
			keys = i0 + rows
		}
		w.mul(d, hs, q[i0*ld:], ld, false, rows, w.kT, hs, 0, min(roundUp(keys, nr), t), p[i0*t:], t, scale)
		for i := i0; i < i0+rows; i++ {
			m := rowKeys(i, n, causal)
			row := p[i*t : i*t+m]
			sum := act.expSub(row, row, act.max(row))
			scaleImpl(1/sum, row)
			clear(p[i*t+m : (i+1)*t])
		}
		w.mul(d, keys, p[i0*t:], t, false, rows, w.vP, t, 0, hs, o[i0*ldo:], ldo, 1)
	}
}

// rowKeys is the number of keys query i attends to.
func rowKeys(i, n int, causal bool) int {
	if causal {
		return i + 1
	}
	return n
}

// attentionBackward is the backward pass of attention; the rows of keys at
// or after n get zero gradients.
func attentionBackward(dq, dk, dv, ds, do, q, k, v, p []float32, t, n, hs, ld, ldo int, scale float32, causal bool) {
	if t == 0 || hs == 0 {
		return
	}
	d := attnDriver()
	w := getAttnWork(t, hs, d, true)
	defer putAttnWork(w)
	nr := d.nr
	packB(d.copyB, d.gatherB, w.kT, true, v, ld, 0, hs, 0, t, nr)  // Vᵀ for dP = dO·Vᵀ
	packB(d.copyB, d.gatherB, w.vP, false, k, ld, 0, t, 0, hs, nr) // K for dQ = dS·K
	packB(d.copyB, d.gatherB, w.qP, false, q, ld, 0, t, 0, hs, nr) // Q for dK = dSᵀ·Q
	packB(d.copyB, d.gatherB, w.doP, false, do, ldo, 0, t, 0, hs, nr)
	for i0 := 0; i0 < t; i0 += d.mr {
		rows := min(d.mr, t-i0)
		keys := n
		if causal {
			keys = i0 + rows
		}
		// dP = dO·Vᵀ, then dS = P ⊙ (dP − rowsum(P ⊙ dP)), zero past the
		// row's keys, then dQ = scale·dS·K.
		w.mul(d, hs, do[i0*ldo:], ldo, false, rows, w.kT, hs, 0, min(roundUp(keys, nr), t), ds[i0*t:], t, 1)
		for i := i0; i < i0+rows; i++ {
			m := rowKeys(i, n, causal)
			act.mulSub(ds[i*t:i*t+m], p[i*t:i*t+m], dotImpl(p[i*t:i*t+m], ds[i*t:i*t+m]))
			clear(ds[i*t+m : (i+1)*t])
		}
		w.mul(d, keys, ds[i0*t:], t, false, rows, w.vP, t, 0, hs, dq[i0*ld:], ld, scale)
	}
	// Key rows j0… gather the queries that attend to them (causal: i ≥ j0,
	// else all): dK = scale·dSᵀ·Q and dV = Pᵀ·dO.
	for j0 := 0; j0 < n; j0 += d.mr {
		rows := min(d.mr, n-j0)
		first := 0
		if causal {
			first = j0
		}
		w.mul(d, t-first, ds[first*t+j0:], t, true, rows, w.qP, t, first, hs, dk[j0*ld:], ld, scale)
		w.mul(d, t-first, p[first*t+j0:], t, true, rows, w.doP, t, first, hs, dv[j0*ld:], ld, 1)
	}
	for j := n; j < t; j++ {
		clear(dk[j*ld : j*ld+hs])
		clear(dv[j*ld : j*ld+hs])
	}
}

type attnArg struct {
	name string
	s    []float32
	ld   int // row stride; 0 for a t×t matrix
}

func checkAttn(fn string, t, hs, ld, ldo int, args []attnArg) {
	if t < 0 || hs < 0 || ld < hs || ldo < hs {
		panic(fmt.Sprintf("kern: %s: t=%d, hs=%d, ld=%d, ldo=%d, want t, hs ≥ 0 and strides ≥ hs", fn, t, hs, ld, ldo))
	}
	if t == 0 || hs == 0 {
		return
	}
	for _, a := range args {
		need := (t-1)*a.ld + hs
		if a.ld == 0 {
			need = t * t
		}
		if len(a.s) < need {
			panic(fmt.Sprintf("kern: %s: len(%s)=%d, want at least %d", fn, a.name, len(a.s), need))
		}
	}
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// attnWork holds the packed operands of one head.
type attnWork struct {
	kT, vP, qP, doP []float32 // packed B operands, t·hs rounded up to panels
	a               []float32 // a packed A panel: mr rows of up to max(t, hs) steps
	tile            []float32 // an mr×nr scratch tile of C
}

// attnPool recycles the operands of attnWork between calls.
var attnPool FreeList[attnWork]

func getAttnWork(t, hs int, d *driver, backward bool) *attnWork {
	w := attnPool.Get()
	grow := func(s []float32, n int) []float32 {
		if cap(s) < n {
			return alignedFloats(n)
		}
		return s[:n]
	}
	// The packed Kᵀ (or Vᵀ) has t rounded up to nr columns of hs steps;
	// the packed row operands hs rounded up to nr columns of t steps.
	nb := max(roundUp(t, d.nr)*hs, t*roundUp(hs, d.nr))
	w.kT = grow(w.kT, nb)
	w.vP = grow(w.vP, nb)
	if backward {
		w.qP = grow(w.qP, nb)
		w.doP = grow(w.doP, nb)
	}
	w.a = grow(w.a, d.mr*max(t, hs))
	w.tile = grow(w.tile, d.mr*d.nr)
	return w
}

func putAttnWork(w *attnWork) { attnPool.Put(w) }

// mul computes rows (≤ mr) rows and n columns of C = alpha·A·B, C
// overwritten. A has kc steps: either rows of a with stride lda (trans
// false: row r, step s at a[r·lda+s]) or columns of a (trans true: row r,
// step s at a[s·lda+r]). B is packed as panels of nr columns with kcB
// steps each, of which the product uses steps k0 … k0+kc−1.
func (w *attnWork) mul(d *driver, kc int, a []float32, lda int, trans bool, rows int, b []float32, kcB, k0, n int, c []float32, ldc int, alpha float32) {
	mr, nr := d.mr, d.nr
	strided := d.kernS != nil && !trans && rows == mr
	ap := w.a[:kc*mr]
	if !strided {
		packA(d.copyA, ap, trans, a, lda, 0, kc, 0, rows, mr)
	}
	for j := 0; j < n; j += nr {
		cols := min(nr, n-j)
		bp := b[(j/nr)*kcB*nr+k0*nr:]
		cs, ldcs := c[j:], ldc
		edge := rows < mr || cols < nr
		if edge {
			cs, ldcs = w.tile, nr
		}
		if strided {
			d.kernS(kc, a, lda, bp, cs, ldcs, alpha, 0)
		} else {
			d.kern(kc, ap, bp, cs, ldcs, alpha, 0)
		}
		if edge {
			for i := 0; i < rows; i++ {
				copy(c[j+i*ldc:j+i*ldc+cols], cs[i*nr:i*nr+cols])
			}
		}
	}
}
