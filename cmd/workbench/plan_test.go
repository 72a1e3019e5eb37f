package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanCommand(t *testing.T) {
	data := scriptData(t)
	dir := t.TempDir()
	write := func(name, src string) string { return writeSource(t, dir, name, src) }
	nothing := write("nothing.go", "package main\n\nimport \"workbench/core/wb\"\n\nfunc main() { wb.Logf(\"hello\") }\n")
	reader := write("reader.go", "package reader\n\nimport (\n\t\"os\"\n\n\t\"workbench/core/grow\"\n)\n\nfunc Sample(s grow.SampleState) int {\n\tif _, err := os.ReadFile(\"metrics.jsonl\"); err == nil {\n\t\treturn s.Target\n\t}\n\treturn s.Real\n}\n")
	stepwise := write("stepwise.go", "package main\n\nimport \"workbench/core/wb\"\n\nfunc main() {\n\t_, err := wb.NewTrainer(wb.Config())\n\twb.Check(err)\n}\n")
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  string
		planned []string
	}{
		{"apollo", append([]string{"plan", "../../scripts/apollo.go", "--batches"}, quick(data)...), 0, "planned apollo", []string{"apollo"}},
		{"main", append([]string{"plan", "../../scripts/main.go"}, quick(data)...), 0, "not comparing 2 runs", []string{"baseline", "apollo"}},
		{"step plots", append([]string{"plan", "../../scripts/bert_expand.go"}, quick(data)...), 0, "not plotting 2 runs", []string{"stacking", "interpolation"}},
		{"budget sweep", append([]string{"plan", "../../scripts/budget_sweep.go", "--set", "budgets=2,4,seeds=1,methods=apollo"}, quick(data)...), 0, "not sweeping 2 comparisons", []string{"b2-baseline-s1", "b4-apollo-s1"}},
		{"trains nothing", []string{"plan", nothing}, 1, "nothing.go trains nothing", nil},
		{"step by step", []string{"plan", stepwise}, 1, "wb.NewTrainer: a step-by-step trainer reports losses", nil},
		{"reads files", append([]string{"plan", "../../scripts/apollo.go", "--set", "sampler=" + reader}, quick(data)...), 1, reader + " imports os: a plugin that can read files", nil},
		{"no out", []string{"plan", nothing}, 1, "--out DIR is required", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "plans")
			args := tc.args
			if tc.name != "no out" {
				args = append(args, "--out", out)
			}
			code, _, stderr := run(args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
			for _, name := range tc.planned {
				for _, f := range []string{"config.json", "plan.jsonl", "init.safetensors"} {
					if _, err := os.Stat(filepath.Join(out, name, f)); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
				b, err := os.ReadFile(filepath.Join(out, name, "plan.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				var first struct {
					Batches [][]int `json:"batches"`
				}
				json.Unmarshal([]byte(lines[0]), &first)
				if hasBatches := len(first.Batches) == 1; hasBatches != (tc.name == "apollo") {
					t.Errorf("%s: batches %v with --batches %v", name, first.Batches, tc.name == "apollo")
				}
				if !strings.Contains(lines[len(lines)-1], `"event":"end"`) {
					t.Errorf("%s: last line %s, want the end line", name, lines[len(lines)-1])
				}
			}
		})
	}
}
