package wb

import (
	"path/filepath"
	"testing"

	_ "workbench/core/wb/engine"
	"workbench/core/wb/internal/env"
)

// BenchmarkApolloPluginShare measures the share of an Apollo step of the
// default model (6 layers, d=256, batch 16, sequence 128) spent in the
// interpreted plugins: the lvps sampler, called once per micro-batch, and
// the interpolate share map, in the first stage (1 real layer), where the
// sampler is called at every step. It reports the plugin time per step and
// its percentage of the step time.
func BenchmarkApolloPluginShare(b *testing.B) {
	s := env.New(filepath.Join(b.TempDir(), "exp"), nil)
	s.Stderr = nil
	defer env.Install(s)()
	cfg := Config()
	cfg.Data = "../../datasets/tinyshakespeare.txt"
	cfg.Name, cfg.Method = "apollo", "apollo"
	cfg.Stages, cfg.StageEnds = DefaultStages(cfg.Layers)
	cfg.Sampler, cfg.ShareMap, cfg.Expander = "lvps", "interpolate", "interpolate"
	cfg.Steps = 1 << 30
	r, timer, err := start(s, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if _, err := r.TrainStep(); err != nil { // warm up
		b.Fatal(err)
	}
	timer.seconds = 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perStep := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(timer.seconds/float64(b.N)*1e9, "plugin-ns/step")
	b.ReportMetric(100*timer.seconds/float64(b.N)/perStep, "plugin-%")
}
