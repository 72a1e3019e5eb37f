package kern

import "unsafe"

// kernelFunc computes one mr×nr tile of C = alpha·A·B + beta·C, where A is a
// packed panel (kc steps of mr values), B a packed panel (kc steps of nr
// values) and c starts at the tile's top-left element with row stride ldc.
// With beta == 0, C is not read.
type kernelFunc func(kc int, a, b, c []float32, ldc int, alpha, beta float32)

// stridedKernelFunc is a kernelFunc that reads A in place: row i of the
// panel starts at a[i·lda] and holds kc consecutive k values.
type stridedKernelFunc func(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32)

// copyFunc copies rows rows of a fixed width from src, row r at src[r·lds],
// into consecutive rows of dst.
type copyFunc func(dst, src []float32, lds, rows int)

// gatherFunc packs nr rows of kc values, row j starting at src[j·lds], as kc
// steps of nr values: dst[p·nr+j] = src[j·lds+p].
type gatherFunc func(dst, src []float32, lds, kc int)

// driver is the packed, cache-blocked GEMM shared by every micro-kernel.
//
// Loop order, outermost first: k in blocks of kc (C accumulates the blocks
// in increasing k), n in blocks of nb (the packed B block stays in L2),
// m in panels of mr (the A panel, packed or read in place, stays in L1), n
// in panels of nr (one micro-kernel call). The tile grid is anchored at C's top-left corner
// and every element is summed in the same order whatever the thread count.
type driver struct {
	name   string
	mr, nr int
	kc, nb int
	kern   kernelFunc
	kernS  stridedKernelFunc // optional
	// copyA and copyB, when set, copy whole rows of a panel's width
	// (mr and nr values) faster than copy does.
	copyA, copyB copyFunc
	// gatherB, when set, packs a panel of nr rows of a transposed B.
	gatherB gatherFunc
	// dot and axpy are the vector kernels for products with one row or
	// column.
	dot  func(x, y []float32) float32
	axpy func(alpha float32, x, y []float32)

	workspaces FreeList[workspace]
	tasks      FreeList[gemmTask]
}

// workspace holds one worker's pack buffers.
type workspace struct {
	a, b, t []float32
}

// gemmTask is one Sgemm call split into chunks of C; it is the Ranger given
// to Parallel.
type gemmTask struct {
	d              *driver
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int

	chunks int
	alongM bool
}

// alignedFloats returns a zeroed slice of n float32 whose first element is
// 64-byte aligned.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&s[0])) % 64; r != 0 {
		off = int(64-r) / 4
	}
	return s[off : off+n : off+n]
}

func (d *driver) getWorkspace() *workspace {
	w := d.workspaces.Get()
	if w.a == nil {
		w.a = alignedFloats(d.mr * d.kc)
		w.b = alignedFloats(d.kc * d.nb)
		w.t = alignedFloats(d.mr * d.nr)
	}
	return w
}

func (d *driver) putWorkspace(w *workspace) { d.workspaces.Put(w) }

func (d *driver) getTask() *gemmTask {
	t := d.tasks.Get()
	t.d = d
	return t
}

func (d *driver) putTask(t *gemmTask) {
	t.a, t.b, t.c = nil, nil, nil
	d.tasks.Put(t)
}

// parallelMin is the smallest m·n·k worth splitting over threads.
const parallelMin = 1 << 20

// sgemm runs a checked Sgemm call through the blocked algorithm.
func (d *driver) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := d.getTask()
	t.transA, t.transB = transA, transB
	t.m, t.n, t.k = m, n, k
	t.alpha, t.a, t.lda = alpha, a, lda
	t.b, t.ldb = b, ldb
	t.beta, t.c, t.ldc = beta, c, ldc

	tilesM := (m + d.mr - 1) / d.mr
	tilesN := (n + d.nr - 1) / d.nr
	threads := Threads()
	if m*n*k < parallelMin {
		threads = 1
	}
	t.alongM = tilesM >= tilesN
	tiles := tilesN
	if t.alongM {
		tiles = tilesM
	}
	if threads > tiles {
		threads = tiles
	}
	t.chunks = threads
	if threads == 1 {
		t.Range(0, 1)
	} else {
		Parallel(threads, t)
	}
	d.putTask(t)
}

// Range computes chunks [lo, hi) of C.
func (t *gemmTask) Range(lo, hi int) {
	d := t.d
	w := d.getWorkspace()
	for ch := lo; ch < hi; ch++ {
		i0, i1, j0, j1 := 0, t.m, 0, t.n
		if t.alongM {
			tiles := (t.m + d.mr - 1) / d.mr
			i0 = ch * tiles / t.chunks * d.mr
			i1 = min((ch+1)*tiles/t.chunks*d.mr, t.m)
		} else {
			tiles := (t.n + d.nr - 1) / d.nr
			j0 = ch * tiles / t.chunks * d.nr
			j1 = min((ch+1)*tiles/t.chunks*d.nr, t.n)
		}
		if i0 < i1 && j0 < j1 {
			t.block(w, i0, i1, j0, j1)
		}
	}
	d.putWorkspace(w)
}

// block computes rows [i0, i1) and columns [j0, j1) of C.
func (t *gemmTask) block(w *workspace, i0, i1, j0, j1 int) {
	d := t.d
	mr, nr := d.mr, d.nr
	for pc := 0; pc < t.k; pc += d.kc {
		kc := min(d.kc, t.k-pc)
		beta := t.beta
		if pc > 0 {
			beta = 1
		}
		for jc := j0; jc < j1; jc += d.nb {
			nb := min(d.nb, j1-jc)
			packB(d.copyB, d.gatherB, w.b, t.transB, t.b, t.ldb, pc, kc, jc, nb, nr)
			for ir := i0; ir < i1; ir += mr {
				rows := min(mr, i1-ir)
				// A full panel of untransposed A is read in place when the
				// driver has a kernel for it; anything else is packed.
				strided := d.kernS != nil && !t.transA && rows == mr
				var ap []float32
				if strided {
					ap = t.a[ir*t.lda+pc:]
				} else {
					packA(d.copyA, w.a, t.transA, t.a, t.lda, pc, kc, ir, rows, mr)
					ap = w.a[:kc*mr]
				}
				for jr := 0; jr < nb; jr += nr {
					cols := min(nr, nb-jr)
					bp := w.b[jr*kc : jr*kc+kc*nr]
					off := ir*t.ldc + jc + jr
					cs, ldc := t.c[off:], t.ldc
					edge := rows < mr || cols < nr
					if edge {
						// Run the same kernel on a scratch tile so that the
						// arithmetic matches the interior exactly.
						cs, ldc = w.t, nr
						if beta != 0 {
							for i := 0; i < rows; i++ {
								copy(cs[i*nr:i*nr+cols], t.c[off+i*t.ldc:off+i*t.ldc+cols])
							}
						}
					}
					if strided {
						d.kernS(kc, ap, t.lda, bp, cs, ldc, t.alpha, beta)
					} else {
						d.kern(kc, ap, bp, cs, ldc, t.alpha, beta)
					}
					if edge {
						for i := 0; i < rows; i++ {
							copy(t.c[off+i*t.ldc:off+i*t.ldc+cols], cs[i*nr:i*nr+cols])
						}
					}
				}
			}
		}
	}
}

// packA copies rows [i0, i0+rows) and k range [p0, p0+kc) of op(A) into dst
// as kc steps of mr values, padding missing rows with zeros.
func packA(copyA copyFunc, dst []float32, trans bool, a []float32, lda, p0, kc, i0, rows, mr int) {
	dst = dst[:kc*mr]
	if trans {
		if rows == mr {
			if copyA != nil {
				_ = a[(p0+kc-1)*lda+i0+mr-1]
				copyA(dst, a[p0*lda+i0:], lda, kc)
			} else {
				copyRows(dst, a[p0*lda+i0:], lda, kc, mr)
			}
			return
		}
		for p := 0; p < kc; p++ {
			d := dst[p*mr : p*mr+mr]
			s := a[(p0+p)*lda+i0:]
			copy(d, s[:rows])
			clear(d[rows:])
		}
		return
	}
	transposeInto(dst, mr, a, lda, (i0)*lda+p0, rows, kc)
}

// transposeInto writes rows rows of kc values, row r starting at
// src[off+r·lds], as columns of dst: dst[p·ld+r] = src[off+r·lds+p].
// Columns rows..ld-1 of dst are set to zero.
func transposeInto(dst []float32, ld int, src []float32, lds, off, rows, kc int) {
	// Four source rows at a time, so that each pass writes four
	// neighbouring values of every packed step.
	r := 0
	for ; r+4 <= rows; r += 4 {
		base := off + r*lds
		s0 := src[base : base+kc]
		s1 := src[base+lds : base+lds+kc]
		s2 := src[base+2*lds : base+2*lds+kc]
		s3 := src[base+3*lds : base+3*lds+kc]
		for p := range s0 {
			d := dst[p*ld+r : p*ld+r+4 : p*ld+r+4]
			d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; r < rows; r++ {
		s := src[off+r*lds : off+r*lds+kc]
		for p, v := range s {
			dst[p*ld+r] = v
		}
	}
	if rows < ld {
		for p := 0; p < kc; p++ {
			clear(dst[p*ld+rows : p*ld+ld])
		}
	}
}

// packB copies k range [p0, p0+kc) and columns [j0, j0+cols) of op(B) into
// dst as consecutive panels of nr columns, each kc steps of nr values,
// padding missing columns with zeros.
func packB(copyB copyFunc, gatherB gatherFunc, dst []float32, trans bool, b []float32, ldb, p0, kc, j0, cols, nr int) {
	for jp := 0; jp < cols; jp += nr {
		w := min(nr, cols-jp)
		panel := dst[jp*kc : jp*kc+kc*nr]
		if trans {
			if w == nr && gatherB != nil && int64(ldb)*int64(nr) < 1<<31 {
				gatherB(panel, b[(j0+jp)*ldb+p0:], ldb, kc)
				continue
			}
			transposeInto(panel, nr, b, ldb, (j0+jp)*ldb+p0, w, kc)
			continue
		}
		if w == nr {
			if copyB != nil {
				_ = b[(p0+kc-1)*ldb+j0+jp+nr-1]
				copyB(panel, b[p0*ldb+j0+jp:], ldb, kc)
			} else {
				copyRows(panel, b[p0*ldb+j0+jp:], ldb, kc, nr)
			}
			continue
		}
		for p := 0; p < kc; p++ {
			d := panel[p*nr : p*nr+nr]
			copy(d, b[(p0+p)*ldb+j0+jp:(p0+p)*ldb+j0+jp+w])
			clear(d[w:])
		}
	}
}

// copyRows copies rows rows of w values, src row r starting at src[r·lds],
// to consecutive rows of dst.
func copyRows(dst, src []float32, lds, rows, w int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*w:r*w+w], src[r*lds:r*lds+w])
	}
}
