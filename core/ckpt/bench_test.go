package ckpt_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"workbench/core/ckpt"
	"workbench/core/model"
	"workbench/core/optim"
	"workbench/core/train"
)

// benchModels are the checkpoints measured: the default run after 20
// training steps, and GPT-2 small (124M parameters) after one step on
// random tokens (weights at their initialisation, moments of one
// gradient).
var benchModels = []struct {
	name  string
	build func(b *testing.B) *ckpt.Checkpoint
}{
	{"default-6L-d256", defaultCheckpoint},
	{"gpt2-12L-d768-v50257", gpt2Checkpoint},
}

var (
	benchOnce  = map[string]*sync.Once{}
	benchCache = map[string]*ckpt.Checkpoint{}
)

func cached(b *testing.B, name string, build func(b *testing.B) *ckpt.Checkpoint) *ckpt.Checkpoint {
	if benchOnce[name] == nil {
		benchOnce[name] = new(sync.Once)
	}
	benchOnce[name].Do(func() { benchCache[name] = build(b) })
	if benchCache[name] == nil {
		b.Fatal("setup failed")
	}
	return benchCache[name]
}

func defaultCheckpoint(b *testing.B) *ckpt.Checkpoint {
	c := train.Defaults()
	c.Data = "../../datasets/tinyshakespeare.txt"
	tr, err := train.New(c, train.Hooks{})
	if err != nil {
		b.Fatal(err)
	}
	for tr.Step < 20 {
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
	ck, err := tr.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	return ck
}

func gpt2Checkpoint(b *testing.B) *ckpt.Checkpoint {
	mc := model.Config{Layers: 12, Dim: 768, Heads: 12, Seq: 1024, Vocab: 50257, Batch: 1, MaxDepth: 12}
	m, err := model.New(mc, 1)
	if err != nil {
		b.Fatal(err)
	}
	o := optim.NewAdamW(m.Layout, 0.01)
	rng := rand.New(rand.NewPCG(1, 2))
	const t = 64
	x, y := make([]int32, t), make([]int32, t)
	for i := range x {
		x[i], y[i] = int32(rng.IntN(mc.Vocab)), int32(rng.IntN(mc.Vocab))
	}
	plan := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	if _, err := m.Forward(plan, x, y, 1, t); err != nil {
		b.Fatal(err)
	}
	m.Backward(1)
	o.Step(m.Params.Data, m.Grads.Data, m.Touched, 1e-4, 1)
	ck := ckpt.FromTraining(m, o)
	ck.State, ck.Config = []byte(`{"step":1}`), []byte(`{}`)
	// Keep the slabs, drop the model's activations.
	out := *ck
	out.Params = append([]float32(nil), ck.Params...)
	out.M = append([]float32(nil), ck.M...)
	out.V = append([]float32(nil), ck.V...)
	runtime.GC()
	return &out
}

// BenchmarkWrite writes a checkpoint with WriteFile (atomic, fsynced) and
// reports the file size and the size relative to the uncompressed file.
func BenchmarkWrite(b *testing.B) {
	for _, bm := range benchModels {
		for _, compress := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/compress=%v", bm.name, compress), func(b *testing.B) {
				ck := cached(b, bm.name, bm.build)
				raw := int64(12 * len(ck.Params))
				path := filepath.Join(b.TempDir(), ckpt.Name(1, compress))
				b.SetBytes(raw)
				b.ResetTimer()
				for range b.N {
					if err := ckpt.WriteFile(path, ck, ckpt.Options{Compress: compress}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				st, _ := os.Stat(path)
				b.ReportMetric(float64(st.Size())/1e6, "file-MB")
				b.ReportMetric(float64(st.Size())/float64(raw), "size-ratio")
			})
		}
	}
}

// BenchmarkRead reads and verifies a checkpoint (the file is in the page
// cache) with ReadFileInto, into a model's and optimizer's slabs as a
// resume does, and with ReadFile, into new memory.
func BenchmarkRead(b *testing.B) {
	for _, bm := range benchModels {
		for _, compress := range []bool{false, true} {
			for _, into := range []bool{true, false} {
				b.Run(fmt.Sprintf("%s/compress=%v/into=%v", bm.name, compress, into), func(b *testing.B) {
					ck := cached(b, bm.name, bm.build)
					path := filepath.Join(b.TempDir(), ckpt.Name(1, compress))
					if err := ckpt.WriteFile(path, ck, ckpt.Options{Compress: compress}); err != nil {
						b.Fatal(err)
					}
					l := model.NewLayout(ck.Model)
					m := &model.Model{Config: ck.Model, Layout: l, Params: model.Params{Data: make([]float32, l.Size)}}
					o := optim.NewAdamW(l, 0)
					b.SetBytes(int64(12 * len(ck.Params)))
					b.ResetTimer()
					for range b.N {
						var err error
						if into {
							_, err = ckpt.ReadFileInto(path, m, o)
						} else {
							_, err = ckpt.ReadFile(path)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkZstdUnshuffled compresses the uncompressed checkpoint file
// with zstd at the same level but without the byte shuffle, to measure
// what the shuffle gains.
func BenchmarkZstdUnshuffled(b *testing.B) {
	for _, bm := range benchModels {
		b.Run(bm.name, func(b *testing.B) {
			ck := cached(b, bm.name, bm.build)
			var plain bytes.Buffer
			if err := ckpt.Write(&plain, ck, ckpt.Options{}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(plain.Len()))
			var out bytes.Buffer
			b.ResetTimer()
			for range b.N {
				out.Reset()
				enc, _ := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
				enc.Write(plain.Bytes())
				enc.Close()
			}
			b.StopTimer()
			b.ReportMetric(float64(out.Len())/1e6, "file-MB")
			b.ReportMetric(float64(out.Len())/float64(plain.Len()), "size-ratio")
		})
	}
}
