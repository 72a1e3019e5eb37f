package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGrownRunsSayWhetherFlopsCount checks that the comparison says, for a
// run grown from a trained model, whether that model's FLOPs are counted.
func TestGrownRunsSayWhetherFlopsCount(t *testing.T) {
	for _, counted := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "grown")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(runsDir, "apollo_s1")
		for _, f := range []string{MetricsFile, EventsFile} {
			if b, err := os.ReadFile(filepath.Join(src, f)); err == nil {
				os.WriteFile(filepath.Join(dir, f), b, 0o644)
			}
		}
		var cfg map[string]any
		b, _ := os.ReadFile(filepath.Join(src, ConfigFile))
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["name"], cfg["grow_from"], cfg["grow_from_flops"] = "grown", "runs/small", counted
		b, _ = json.Marshal(cfg)
		os.WriteFile(filepath.Join(dir, ConfigFile), b, 0o644)

		grown, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Compare(append(loadRuns(t, "baseline_s1"), grown), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var text bytes.Buffer
		c.WriteText(&text)
		want := "Run grown grew from the trained model runs/small; the FLOPs that trained it are not counted in its FLOPs."
		if counted {
			want = strings.Replace(want, "are not", "are", 1)
		}
		if !strings.Contains(text.String(), want) {
			t.Errorf("counted %v: comparison lacks %q:\n%s", counted, want, text.String())
		}
	}
}
