// Package ckpt reads and writes training-state checkpoints: everything a
// run needs to continue bit for bit, in one safetensors file.
//
// A checkpoint holds the weights of every physical block under their
// Hugging Face GPT-2 names, the AdamW moments as "adam.m.<name>" and
// "adam.v.<name>", all F32, and in the "__metadata__" header object:
//
//	format                 "pt", so that safetensors loaders accept the file
//	workbench.ckpt         format version ("1")
//	ckpt.model             model shape as Hugging Face GPT2Config JSON
//	ckpt.optim             AdamW hyperparameters and per-group step counts
//	ckpt.tensor_steps      the step count of every tensor (JSON object)
//	ckpt.state             trainer state (JSON, opaque to this package)
//	ckpt.config            run configuration (JSON, opaque to this package)
//	ckpt.source_sha256     hash of the script and plugin sources
//	ckpt.data_sha256       hash of the training data
//	ckpt.crc32c            checksum of everything else (see below)
//
// The checksum is CRC-32C (Castagnoli) over the metadata entries other than
// itself, in key order, each as key, NUL, value, NUL; then the weights, the
// first moments and the second moments as little-endian float32 in layout
// order. It depends only on the content, not on the file's tensor order
// or compression. Read verifies it and every other part of the file, so a
// truncated, damaged or foreign file is reported, never loaded.
//
// A compressed checkpoint (conventionally ".safetensors.zst") is a zstd
// stream of the same file in which the data buffer, read as float32
// values, is cut into blocks of 65536 values (the last one shorter) and
// each block is stored as four byte planes: every value's first byte, then
// every second byte, and so on. Grouping the sign-and-exponent bytes makes
// float data markedly more compressible. Read recognises compressed files
// by the zstd magic number, whatever their name.
package ckpt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"

	"workbench/core/fsutil"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/safetensors"
)

// Version is the checkpoint format version this package writes and reads.
const Version = 1

// Metadata keys of a checkpoint file.
const (
	keyFormat  = "format"
	keyVersion = "workbench.ckpt"
	keyModel   = "ckpt.model"
	keyOptim   = "ckpt.optim"
	keySteps   = "ckpt.tensor_steps"
	keyState   = "ckpt.state"
	keyConfig  = "ckpt.config"
	keySource  = "ckpt.source_sha256"
	keyData    = "ckpt.data_sha256"
	keyCRC     = "ckpt.crc32c"
)

// Prefixes of the AdamW moment tensors.
const (
	PrefixM = "adam.m."
	PrefixV = "adam.v."
)

// blockValues is the number of float32 values per shuffled block of a
// compressed checkpoint.
const blockValues = 1 << 16

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Checkpoint is the state of a training run. Params, M and V are laid out
// by model.NewLayout(Model).
type Checkpoint struct {
	// Model is the shape; Batch and MaxDepth are not stored.
	Model  model.Config
	Params []float32 // weights of all physical blocks
	M, V   []float32 // AdamW first and second moments
	Optim  Optim
	// State and Config are the trainer's state and the run's
	// configuration as JSON; this package stores them verbatim.
	State  json.RawMessage
	Config json.RawMessage
	// SourceHash identifies the script and plugin sources that drove the
	// run; DataHash the training data. Either may be empty.
	SourceHash string
	DataHash   string
	// Checksum is the CRC-32C of the content, set by Write and Read.
	Checksum uint32
}

// Optim holds AdamW's hyperparameters and step counts.
type Optim struct {
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	// Steps counts the updates of each parameter group; 0 means the
	// group was never updated.
	Steps []int `json:"group_steps"`
}

// FromTraining returns a checkpoint of m and o whose slabs alias theirs:
// write it before either changes again. State, Config and the hashes are
// left for the caller to fill.
func FromTraining(m *model.Model, o *optim.AdamW) *Checkpoint {
	c := m.Config
	c.Batch, c.MaxDepth = 0, 0
	return &Checkpoint{
		Model:  c,
		Params: m.Params.Data,
		M:      o.M,
		V:      o.V,
		Optim:  Optim{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay, Steps: o.Steps},
	}
}

// ErrShape is wrapped by the errors that report checkpoints and models of
// different shapes.
var ErrShape = errors.New("different model shape")

// SameShape reports an error wrapping ErrShape and naming each
// difference, as "layers a vs b", unless shapes a and b have the same
// parameters (layers, width, heads, sequence length and vocabulary all
// equal).
func SameShape(a, b model.Config) error {
	var diff []string
	add := func(name string, x, y int) {
		if x != y {
			diff = append(diff, fmt.Sprintf("%s %d vs %d", name, x, y))
		}
	}
	if a.ArchName() != b.ArchName() {
		diff = append(diff, fmt.Sprintf("arch %s vs %s", a.ArchName(), b.ArchName()))
	}
	add("layers", a.Layers, b.Layers)
	add("dim", a.Dim, b.Dim)
	add("heads", a.Heads, b.Heads)
	add("seq", a.Seq, b.Seq)
	add("vocab", a.Vocab, b.Vocab)
	if len(diff) > 0 {
		return fmt.Errorf("%w: %s", ErrShape, strings.Join(diff, ", "))
	}
	return nil
}

// Restore copies the checkpoint's weights into m and its optimizer state
// into o. The shapes must be equal.
func (c *Checkpoint) Restore(m *model.Model, o *optim.AdamW) error {
	if err := SameShape(c.Model, m.Config); err != nil {
		return fmt.Errorf("checkpoint has a %s, the model %s: %v", shape(c.Model), shape(m.Config), err)
	}
	if len(c.Params) != len(m.Params.Data) || len(c.M) != len(o.M) || len(c.V) != len(o.V) || len(c.Optim.Steps) != len(o.Steps) {
		return errors.New("checkpoint slabs do not match the model's layout")
	}
	for _, p := range [][2][]float32{{m.Params.Data, c.Params}, {o.M, c.M}, {o.V, c.V}} {
		if len(p[0]) > 0 && &p[0][0] != &p[1][0] { // not read in place by ReadFileInto
			copy(p[0], p[1])
		}
	}
	copy(o.Steps, c.Optim.Steps)
	o.Beta1, o.Beta2, o.Eps, o.WeightDecay = c.Optim.Beta1, c.Optim.Beta2, c.Optim.Eps, c.Optim.WeightDecay
	return nil
}

// shape describes a model shape in a few words.
func shape(c model.Config) string {
	return fmt.Sprintf("%d-layer d=%d %s model (%d heads, seq %d, vocab %d)", c.Layers, c.Dim, c.ArchName(), c.Heads, c.Seq, c.Vocab)
}

// Options control how a checkpoint is written.
type Options struct {
	// Compress writes a zstd stream of the byte-shuffled file.
	Compress bool
}

// Name returns the conventional file name of the checkpoint at step:
// step-000123.safetensors, or step-000123.safetensors.zst when compressed.
func Name(step int, compressed bool) string {
	if compressed {
		return fmt.Sprintf("step-%06d.safetensors.zst", step)
	}
	return fmt.Sprintf("step-%06d.safetensors", step)
}

// WriteFile writes c to path atomically (see fsutil.WriteFileAtomic): a
// crash at any moment leaves either the previous file or the complete new
// one, and an error leaves the previous file in place.
func WriteFile(path string, c *Checkpoint, opt Options) error {
	return fsutil.WriteFileAtomic(path, 0o644, func(w io.Writer) error { return Write(w, c, opt) })
}

// Write writes c to w and sets c.Checksum.
func Write(w io.Writer, c *Checkpoint, opt Options) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	meta, err := c.metadata()
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	c.Checksum = c.checksum(meta)
	meta[keyCRC] = fmt.Sprintf("%08x", c.Checksum)
	layout := model.NewLayout(c.Model)
	header, err := encodeHeader(layout, meta)
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	var enc *zstd.Encoder
	dst := w
	if opt.Compress {
		enc, err = zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithWindowSize(writeWindow),
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return fmt.Errorf("checkpoint: %v", err)
		}
		defer enc.Close()
		dst = enc
	}
	if _, err := dst.Write(header); err != nil {
		return err
	}
	data := dst
	var sw *shuffleWriter
	if opt.Compress {
		sw = newShuffleWriter(dst)
		data = sw
	}
	for _, s := range [][]float32{c.Params, c.M, c.V} {
		if err := writeFloats(data, s); err != nil {
			return err
		}
	}
	if sw != nil {
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if enc != nil {
		return enc.Close()
	}
	return nil
}

// check verifies that the slabs and step counts fit the model shape.
func (c *Checkpoint) check() error {
	if err := CheckShape(c.Model); err != nil {
		return err
	}
	l := model.NewLayout(c.Model)
	switch {
	case len(c.Params) != l.Size || len(c.M) != l.Size || len(c.V) != l.Size:
		return fmt.Errorf("slabs of %d, %d and %d values for a %s with %d parameters", len(c.Params), len(c.M), len(c.V), shape(c.Model), l.Size)
	case len(c.Optim.Steps) != len(l.Groups):
		return fmt.Errorf("%d group step counts for %d groups", len(c.Optim.Steps), len(l.Groups))
	case len(c.State) > 0 && !json.Valid(c.State):
		return errors.New("state is not valid JSON")
	case len(c.Config) > 0 && !json.Valid(c.Config):
		return errors.New("config is not valid JSON")
	}
	return nil
}

// metadata returns the header metadata of c without the checksum.
func (c *Checkpoint) metadata() (map[string]string, error) {
	mb, err := json.Marshal(c.Model.HFValue())
	if err != nil {
		return nil, err
	}
	ob, err := json.Marshal(c.Optim)
	if err != nil {
		return nil, err
	}
	l := model.NewLayout(c.Model)
	var sb bytes.Buffer
	sb.WriteByte('{')
	for i, t := range l.Tensors {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "%q:%d", t.Name, c.Optim.Steps[t.Group])
	}
	sb.WriteByte('}')
	meta := map[string]string{
		keyFormat:  "pt",
		keyVersion: strconv.Itoa(Version),
		keyModel:   string(mb),
		keyOptim:   string(ob),
		keySteps:   sb.String(),
		keyState:   string(orNull(c.State)),
		keyConfig:  string(orNull(c.Config)),
		keySource:  c.SourceHash,
		keyData:    c.DataHash,
	}
	return meta, nil
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// checksum returns the CRC-32C of meta (without keyCRC) and the slabs.
func (c *Checkpoint) checksum(meta map[string]string) uint32 {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != keyCRC {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var crc uint32
	for _, k := range keys {
		crc = crc32.Update(crc, castagnoli, []byte(k))
		crc = crc32.Update(crc, castagnoli, []byte{0})
		crc = crc32.Update(crc, castagnoli, []byte(meta[k]))
		crc = crc32.Update(crc, castagnoli, []byte{0})
	}
	for _, s := range [][]float32{c.Params, c.M, c.V} {
		crc = crcFloats(crc, s)
	}
	return crc
}

// tensorName returns the file name of layout tensor name in slab k
// (0 weights, 1 first moments, 2 second moments).
func tensorName(k int, name string) string {
	switch k {
	case 1:
		return PrefixM + name
	case 2:
		return PrefixV + name
	}
	return name
}

// encodeHeader returns the 8-byte length and the JSON header of a
// checkpoint file of layout l, as the safetensors package encodes them.
func encodeHeader(l *model.Layout, meta map[string]string) ([]byte, error) {
	ts := make([]safetensors.TensorInfo, 0, 3*len(l.Tensors))
	var off int64
	for k := range 3 {
		for _, t := range l.Tensors {
			end := off + 4*int64(t.Size)
			ts = append(ts, safetensors.TensorInfo{Name: tensorName(k, t.Name), DType: safetensors.F32, Shape: t.Shape, Begin: off, End: end})
			off = end
		}
	}
	return safetensors.EncodeHeader(ts, meta)
}

// CorruptError reports a file that cannot be loaded as a checkpoint: it
// is truncated, damaged, of an unknown version or not a checkpoint.
type CorruptError struct {
	Path   string // empty when reading from a stream
	Reason string
}

func (e *CorruptError) Error() string {
	if e.Path == "" {
		return "checkpoint: " + e.Reason
	}
	return e.Path + ": " + e.Reason
}

func corrupt(format string, args ...any) error {
	return &CorruptError{Reason: fmt.Sprintf(format, args...)}
}

// ReadFile reads and verifies the checkpoint at path, compressed or not.
// Every error names the file; problems with its content are
// *CorruptError. Memory is allocated only for what the file is shown to
// hold (see Read).
func ReadFile(path string) (*Checkpoint, error) {
	return readFile(path, nil)
}

// ReadFileInto reads the checkpoint at path like ReadFile but decodes the
// weights and moments straight into m's and o's slabs instead of new
// memory; the returned checkpoint's slabs alias them. The checkpoint must
// have m's shape, else the error wraps ErrShape; a damaged checkpoint is
// reported as damaged (a *CorruptError), whatever shape it claims. On any
// error the content of the slabs is undefined. Restore(m, o) then
// completes the restore.
func ReadFileInto(path string, m *model.Model, o *optim.AdamW) (*Checkpoint, error) {
	return readFile(path, &slabs{shape: m.Config, params: m.Params.Data, m: o.M, v: o.V})
}

// slabs are where a checkpoint of shape shape is decoded; with discard
// set the data is read and dropped.
type slabs struct {
	shape        model.Config
	params, m, v []float32
	discard      bool
}

func readFile(path string, into *slabs) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	c, err := read(f, st.Size(), into)
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.Path = path
		return nil, ce
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Read reads and verifies a checkpoint held in memory, compressed or not.
// Problems with the content are reported as *CorruptError.
//
// Nothing is allocated for what the header claims before the file is
// known to hold it: the shape must be within the bounds of CheckShape, an
// uncompressed file must be exactly as long as its header says, and a
// compressed one is decoded once without keeping the data, to show that
// it holds every byte its header promises, before memory is allocated
// for it.
func Read(data []byte) (*Checkpoint, error) {
	return read(bytes.NewReader(data), int64(len(data)), nil)
}

// read reads the checkpoint in the size bytes of src.
func read(src io.ReaderAt, size int64, into *slabs) (*Checkpoint, error) {
	var magic [4]byte
	n, _ := src.ReadAt(magic[:], 0)
	compressed := n == len(magic) && bytes.Equal(magic[:], zstdMagic)
	if into != nil {
		c, err := decodeFrom(src, size, compressed, into)
		if errors.Is(err, ErrShape) {
			// A damaged file is damaged, whatever shape it claims.
			if _, verr := read(src, size, nil); verr != nil {
				return nil, verr
			}
		}
		return c, err
	}
	if compressed {
		if _, err := decodeFrom(src, size, true, &slabs{discard: true}); err != nil {
			return nil, err
		}
	}
	return decodeFrom(src, size, compressed, nil)
}

// decodeFrom decodes the checkpoint in the size bytes of src.
func decodeFrom(src io.ReaderAt, size int64, compressed bool, into *slabs) (*Checkpoint, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(src, 0, size), int(min(size, 1<<20)))
	if !compressed {
		return decode(br, size, false, into)
	}
	dec, err := newDecoder(br, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return decode(dec, -1, true, into)
}

// MaxWindow is the largest zstd window a compressed checkpoint may use:
// twice what the writer uses, and what the zstd command uses at most at
// its standard levels (1 to 19). A frame that asks for more is rejected
// before the decoder allocates anything for it.
const MaxWindow = 8 << 20

// writeWindow is the zstd window of the checkpoints Write compresses.
const writeWindow = 4 << 20

// newDecoder returns a zstd decoder of r whose memory for the window is
// capped at MaxWindow, whatever the frame header declares.
func newDecoder(r io.Reader, concurrency int) (*zstd.Decoder, error) {
	return zstd.NewReader(r, zstd.WithDecoderConcurrency(concurrency),
		zstd.WithDecoderMaxWindow(MaxWindow), zstd.WithDecoderMaxMemory(MaxWindow))
}

// readErr turns a read error into a CorruptError when it means that the
// file ended early or, for a compressed file, that its stream is damaged.
func readErr(err error, what string, compressed bool) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return corrupt("truncated: the file ends inside the %s", what)
	case compressed:
		return corrupt("damaged compressed data near the %s: %v", what, err)
	}
	return err
}

// errReader remembers the first error of r other than io.EOF, so that a
// failing read (such as damaged compressed data) can be told apart from
// a malformed header.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// readHeader reads the safetensors header of a checkpoint stream.
func readHeader(r io.Reader, compressed bool) (*safetensors.Header, error) {
	er := &errReader{r: r}
	h, err := safetensors.ReadHeader(er)
	switch {
	case err == nil:
		return h, nil
	case er.err != nil:
		return nil, readErr(er.err, "header", compressed)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, corrupt("truncated: %s", strings.TrimPrefix(err.Error(), "safetensors: "))
	}
	return nil, corrupt("%s", strings.TrimPrefix(err.Error(), "safetensors: "))
}

// dest is where a tensor of the file goes: layout tensor t of slab k (0
// weights, 1 first moments, 2 second moments).
type dest struct {
	k int
	t model.Tensor
}

// decode reads a checkpoint stream (already decompressed when shuffled
// is set). size is the length of the stream when known, else -1.
func decode(r io.Reader, size int64, shuffled bool, into *slabs) (*Checkpoint, error) {
	h, err := readHeader(r, shuffled)
	if err != nil {
		return nil, err
	}
	if want := h.Len() + h.DataSize; size >= 0 && size < want {
		return nil, corrupt("truncated: the header describes a file of %d bytes, the file has %d", want, size)
	} else if size > want {
		return nil, corrupt("data after the last tensor (the file has %d bytes, its header describes %d)", size, want)
	}
	meta := h.Metadata
	if meta == nil || meta[keyVersion] == "" {
		return nil, corrupt("not a workbench checkpoint (no %q metadata); for Hugging Face weights use train --init or workbench ckpt import", keyVersion)
	}
	if meta[keyVersion] != strconv.Itoa(Version) {
		return nil, corrupt("checkpoint format version %q, this build reads version %d", meta[keyVersion], Version)
	}
	c := &Checkpoint{SourceHash: meta[keySource], DataHash: meta[keyData]}
	mc, err := model.ParseHFConfig([]byte(meta[keyModel]), 1)
	if err == nil {
		mc.Batch = 0
		err = CheckShape(mc)
	}
	if err != nil {
		return nil, corrupt("metadata %s: %v", keyModel, err)
	}
	c.Model = mc
	l := model.NewLayout(c.Model)
	if err := json.Unmarshal([]byte(meta[keyOptim]), &c.Optim); err != nil {
		return nil, corrupt("metadata %s: %v", keyOptim, err)
	}
	if len(c.Optim.Steps) != len(l.Groups) {
		return nil, corrupt("metadata %s has %d group step counts, the model has %d groups", keyOptim, len(c.Optim.Steps), len(l.Groups))
	}
	var tsteps map[string]int
	if err := json.Unmarshal([]byte(meta[keySteps]), &tsteps); err != nil {
		return nil, corrupt("metadata %s: %v", keySteps, err)
	}
	for _, t := range l.Tensors {
		if s, ok := tsteps[t.Name]; !ok || s != c.Optim.Steps[t.Group] {
			return nil, corrupt("metadata %s: tensor %s has step %d, its group %d", keySteps, t.Name, s, c.Optim.Steps[t.Group])
		}
	}
	for _, k := range []string{keyState, keyConfig} {
		if !json.Valid([]byte(meta[k])) {
			return nil, corrupt("metadata %s is not valid JSON", k)
		}
	}
	c.State = json.RawMessage(meta[keyState])
	c.Config = json.RawMessage(meta[keyConfig])
	stored, err := strconv.ParseUint(meta[keyCRC], 16, 32)
	if err != nil || len(meta[keyCRC]) != 8 {
		return nil, corrupt("metadata %s is %q, want 8 hex digits", keyCRC, meta[keyCRC])
	}

	dests := make(map[string]dest, 3*len(l.Tensors))
	for k := range 3 {
		for _, t := range l.Tensors {
			dests[tensorName(k, t.Name)] = dest{k, t}
		}
	}
	seen := make(map[string]bool, len(dests))
	for _, t := range h.Tensors {
		d, ok := dests[t.Name]
		if !ok {
			return nil, corrupt("unexpected tensor %q for a %s", t.Name, shape(c.Model))
		}
		if t.DType != safetensors.F32 || !slices.Equal(t.Shape, d.t.Shape) {
			return nil, corrupt("tensor %q is %s %v, want F32 %v", t.Name, t.DType, t.Shape, d.t.Shape)
		}
		seen[t.Name] = true
	}
	if len(seen) < len(dests) {
		var missing []string
		for n := range dests {
			if !seen[n] {
				missing = append(missing, n)
			}
		}
		sort.Strings(missing)
		return nil, corrupt("%d tensors are missing, such as %q", len(missing), missing[0])
	}

	switch {
	case into == nil:
		c.Params = make([]float32, l.Size)
		c.M = make([]float32, l.Size)
		c.V = make([]float32, l.Size)
	case into.discard:
		if _, err := io.CopyN(io.Discard, r, h.DataSize); err != nil {
			return nil, readErr(err, "tensor data", shuffled)
		}
		return nil, atEnd(r, shuffled)
	default:
		if err := SameShape(c.Model, into.shape); err != nil {
			return nil, fmt.Errorf("%w (checkpoint vs model)", err)
		}
		if len(into.params) != l.Size || len(into.m) != l.Size || len(into.v) != l.Size {
			return nil, errors.New("the model's slabs do not match its shape")
		}
		c.Params, c.M, c.V = into.params, into.m, into.v
	}
	src := r
	if shuffled {
		src = newUnshuffleReader(r, h.DataSize/4)
	}
	for _, t := range h.Tensors {
		d := dests[t.Name]
		s := [][]float32{c.Params, c.M, c.V}[d.k]
		if err := readFloats(src, s[d.t.Offset:d.t.Offset+d.t.Size]); err != nil {
			return nil, readErr(err, fmt.Sprintf("tensor %q", t.Name), shuffled)
		}
	}
	if err := atEnd(r, shuffled); err != nil {
		return nil, err
	}
	c.Checksum = c.checksum(meta)
	if uint32(stored) != c.Checksum {
		return nil, corrupt("checksum mismatch: the header records crc32c %08x, the content has %08x (the file is damaged)", stored, c.Checksum)
	}
	return c, nil
}

// atEnd checks that r has nothing left.
func atEnd(r io.Reader, compressed bool) error {
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return corrupt("data after the last tensor (the file is longer than its header says)")
	} else if !errors.Is(err, io.EOF) {
		return readErr(err, "end of the file", compressed)
	}
	return nil
}

// ReadHeader reads the header of the safetensors file at path, compressed
// or not, without reading or verifying the data. It also reports whether
// the file is compressed.
func ReadHeader(path string) (*safetensors.Header, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	var r io.Reader = br
	compressed := bytes.Equal(magic, zstdMagic)
	if compressed {
		dec, err := newDecoder(br, 1)
		if err != nil {
			return nil, true, err
		}
		defer dec.Close()
		r = dec
	}
	h, err := readHeader(r, compressed)
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.Path = path
		return nil, compressed, ce
	}
	return h, compressed, err
}
