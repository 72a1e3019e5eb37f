package nn

// GatherRows copies rows idx[0], idx[1], … of src[·, c] into consecutive
// rows of dst: the positions an MLM head scores.
func GatherRows(dst, src []float32, idx []int32, c int) {
	for i, r := range idx {
		copy(dst[i*c:(i+1)*c], src[int(r)*c:int(r+1)*c])
	}
}

// ScatterRows is the backward pass of GatherRows: it clears dsrc[0:rows·c]
// and writes row i of ddst to row idx[i] of dsrc (indices are distinct).
func ScatterRows(dsrc, ddst []float32, idx []int32, rows, c int) {
	clear(dsrc[:rows*c])
	for i, r := range idx {
		copy(dsrc[int(r)*c:int(r+1)*c], ddst[i*c:(i+1)*c])
	}
}
