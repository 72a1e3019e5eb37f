package ckpt

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"unsafe"
)

// littleEndian reports whether float32 values are stored little-endian in
// memory, so that their bytes can be written and read without conversion.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// floatBytes returns the memory of s as bytes (4 per value, in the
// machine's byte order).
func floatBytes(s []float32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// chunkValues is the number of values converted at a time on big-endian
// machines.
const chunkValues = 1 << 16

// writeFloats writes s as little-endian float32.
func writeFloats(w io.Writer, s []float32) error {
	if littleEndian {
		_, err := w.Write(floatBytes(s))
		return err
	}
	buf := make([]byte, 4*min(len(s), chunkValues))
	for len(s) > 0 {
		n := min(len(s), chunkValues)
		for i, v := range s[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// readFloats fills s from little-endian float32 read from r.
func readFloats(r io.Reader, s []float32) error {
	if littleEndian {
		_, err := io.ReadFull(r, floatBytes(s))
		return err
	}
	buf := make([]byte, 4*min(len(s), chunkValues))
	for len(s) > 0 {
		n := min(len(s), chunkValues)
		if _, err := io.ReadFull(r, buf[:4*n]); err != nil {
			return err
		}
		for i := range s[:n] {
			s[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		s = s[n:]
	}
	return nil
}

// crcFloats continues crc over s as little-endian float32.
func crcFloats(crc uint32, s []float32) uint32 {
	if littleEndian {
		return crc32.Update(crc, castagnoli, floatBytes(s))
	}
	var buf [4 * 1024]byte
	for len(s) > 0 {
		n := min(len(s), 1024)
		for i, v := range s[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		crc = crc32.Update(crc, castagnoli, buf[:4*n])
		s = s[n:]
	}
	return crc
}

// shuffle stores the k = len(src)/4 four-byte values of src as four byte
// planes in dst: dst[p·k+i] = src[4·i+p].
func shuffle(dst, src []byte) {
	k := len(src) / 4
	p0, p1, p2, p3 := dst[:k], dst[k:2*k], dst[2*k:3*k], dst[3*k:4*k]
	for i := range k {
		v := src[4*i : 4*i+4 : 4*i+4]
		p0[i], p1[i], p2[i], p3[i] = v[0], v[1], v[2], v[3]
	}
}

// unshuffle inverts shuffle: dst[4·i+p] = src[p·k+i].
func unshuffle(dst, src []byte) {
	k := len(src) / 4
	p0, p1, p2, p3 := src[:k], src[k:2*k], src[2*k:3*k], src[3*k:4*k]
	for i := range k {
		v := dst[4*i : 4*i+4 : 4*i+4]
		v[0], v[1], v[2], v[3] = p0[i], p1[i], p2[i], p3[i]
	}
}

// shuffleWriter byte-shuffles a stream of float32 values in blocks of
// blockValues values. Flush writes the last, shorter block.
type shuffleWriter struct {
	w        io.Writer
	buf, out []byte
}

func newShuffleWriter(w io.Writer) *shuffleWriter {
	return &shuffleWriter{w: w, buf: make([]byte, 0, 4*blockValues), out: make([]byte, 4*blockValues)}
}

func (s *shuffleWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(cap(s.buf)-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		if len(s.buf) == cap(s.buf) {
			if err := s.Flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// Flush shuffles and writes the buffered values; their number of bytes
// must be a multiple of 4.
func (s *shuffleWriter) Flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	out := s.out[:len(s.buf)]
	shuffle(out, s.buf)
	s.buf = s.buf[:0]
	_, err := s.w.Write(out)
	return err
}

// unshuffleReader reads a stream of n float32 values written by
// shuffleWriter and returns their bytes in the original order.
type unshuffleReader struct {
	r        io.Reader
	left     int64 // values not yet read from r
	in, out  []byte
	pos, end int // unread part of out
}

func newUnshuffleReader(r io.Reader, n int64) *unshuffleReader {
	return &unshuffleReader{r: r, left: n, in: make([]byte, 4*blockValues), out: make([]byte, 4*blockValues)}
}

func (u *unshuffleReader) Read(p []byte) (int, error) {
	if u.pos == u.end {
		if u.left == 0 {
			return 0, io.EOF
		}
		k := int(min(u.left, blockValues))
		if _, err := io.ReadFull(u.r, u.in[:4*k]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		unshuffle(u.out[:4*k], u.in[:4*k])
		u.left -= int64(k)
		u.pos, u.end = 0, 4*k
	}
	n := copy(p, u.out[u.pos:u.end])
	u.pos += n
	return n, nil
}
