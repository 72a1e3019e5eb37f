package kern

var act = actGo

func init() { act = actPaths()[0] }

// actPaths lists the implementations of the element-wise and row kernels
// this CPU runs, fastest first.
func actPaths() []actPath {
	var p []actPath
	if hasAVX512 {
		p = append(p, actPath{
			name:    "avx512",
			geluFwd: geluFwdAVX512, geluBwd: geluBwdAVX512, geluErfFwd: geluErfFwdAVX512, geluErfBwd: geluErfBwdAVX512,
			expSub: expSubAVX512, max: maxAVX512, scaleTo: scaleToAVX512, sum: sumAVX512, sumSqDev: sumSqDevAVX512,
			lnAffine: lnAffineAVX512, lnBwdSums: lnBwdSumsAVX512, lnBwdApply: lnBwdApplyAVX512, lnParam: lnParamAVX512,
			adamw: adamwAVX512, mulSub: mulSubAVX512,
		})
	}
	if hasAVX2 {
		p = append(p, actPath{
			name:    "avx2",
			geluFwd: geluFwdAVX2, geluBwd: geluBwdAVX2, geluErfFwd: geluErfFwdAVX2, geluErfBwd: geluErfBwdAVX2,
			expSub: expSubAVX2, max: maxAVX2, scaleTo: scaleToAVX2, sum: sumAVX2, sumSqDev: sumSqDevAVX2,
			lnAffine: lnAffineAVX2, lnBwdSums: lnBwdSumsAVX2, lnBwdApply: lnBwdApplyAVX2, lnParam: lnParamAVX2,
			adamw: adamwAVX2, mulSub: mulSubAVX2,
		})
	}
	return append(p, actGo)
}
