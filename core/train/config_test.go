package train

import (
	"reflect"
	"strings"
	"testing"
)

func TestDefaultStages(t *testing.T) {
	for _, tc := range []struct {
		l      int
		stages []int
		ends   []float64
	}{
		{12, []int{1, 3, 6, 12}, []float64{0.05, 0.10, 0.25}},
		{6, []int{1, 3, 6}, []float64{0.10, 0.25}},
		{8, []int{1, 2, 4, 8}, []float64{0.05, 0.10, 0.25}},
		{24, []int{1, 6, 12, 24}, []float64{0.05, 0.10, 0.25}},
		{4, []int{1, 2, 4}, []float64{0.10, 0.25}},
		{2, []int{1, 2}, []float64{0.25}},
		{1, []int{1}, []float64{}},
	} {
		st, en := DefaultStages(tc.l)
		if !reflect.DeepEqual(st, tc.stages) || !reflect.DeepEqual(en, tc.ends) {
			t.Errorf("DefaultStages(%d) = %v %v, want %v %v", tc.l, st, en, tc.stages, tc.ends)
		}
	}
}

func TestStackStages(t *testing.T) {
	for _, tc := range []struct {
		l      int
		stages []int
		ends   []float64
	}{
		{12, []int{3, 6, 12}, []float64{0.25, 0.5}},
		{6, []int{1, 3, 6}, []float64{0.25, 0.5}},
		{2, []int{1, 2}, []float64{0.5}},
		{1, []int{1}, []float64{}},
	} {
		st, en := StackStages(tc.l)
		if !reflect.DeepEqual(st, tc.stages) || !reflect.DeepEqual(en, tc.ends) {
			t.Errorf("StackStages(%d) = %v %v, want %v %v", tc.l, st, en, tc.stages, tc.ends)
		}
	}
}

func TestProgressiveFillsOnlyWhatIsEmpty(t *testing.T) {
	c := Defaults()
	c.Layers = 12
	c.ShareMap = "mine"
	c.Progressive("lvps", "interpolate", "")
	if !reflect.DeepEqual(c.Stages, []int{1, 3, 6, 12}) || c.Sampler != "lvps" || c.ShareMap != "mine" || c.Expander != "" {
		t.Fatalf("Progressive gave stages %v, sampler %q, share %q, expander %q", c.Stages, c.Sampler, c.ShareMap, c.Expander)
	}
	c.Stages = []int{2, 12}
	c.Progressive("x", "y", "z")
	if !reflect.DeepEqual(c.Stages, []int{2, 12}) || c.Sampler != "lvps" || c.Expander != "z" {
		t.Fatalf("Progressive overwrote settings: %v %q %q", c.Stages, c.Sampler, c.Expander)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Dim = 250 }, "dim 250 is not divisible by heads 8"},
		{func(c *Config) { c.Layers = 0 }, "layers must be at least 1"},
		{func(c *Config) { c.Steps = 0 }, "steps must be at least 1"},
		{func(c *Config) { c.Warmup = 1 }, "warmup must be a fraction"},
		{func(c *Config) { c.OptState = "drop" }, `opt-state must be keep, copy or reset, got "drop"`},
		{func(c *Config) { c.Stages = []int{1, 3, 6}; c.StageEnds = []float64{0.1} }, "stage-ends has 1 values, want 2"},
		{func(c *Config) { c.Stages = []int{3, 1, 6}; c.StageEnds = []float64{0.1, 0.2} }, "stages 3,1,6 must increase"},
		{func(c *Config) { c.Stages = []int{1, 3}; c.StageEnds = []float64{0.1} }, "must end at the target depth 6"},
		{func(c *Config) { c.Stages = []int{1, 6}; c.StageEnds = []float64{1.5} }, "stage-ends must increase within (0, 1)"},
	} {
		c := Defaults()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}

func TestDerivedMethod(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) {}, "baseline"},
		{func(c *Config) { c.Sampler = "lvps" }, "baseline"}, // one stage: the sampler is never asked
		{func(c *Config) { c.Progressive("lvps", "interpolate", "interpolate") }, "lvps+interpolate"},
		{func(c *Config) { c.Progressive("lvpsk:k=10", "interpolate", "interpolate") }, "lvpsk:k=10+interpolate"},
		{func(c *Config) { c.Progressive("uniform", "interpolate", "stack") }, "uniform+interpolate+stack"},
		{func(c *Config) { c.Progressive("none", "none", "stack") }, "stack"},
		{func(c *Config) { c.Progressive("", "", "stack"); c.Freeze = true }, "stack+freeze"},
		{func(c *Config) { c.Plan = "layerdrop:rate=0.1" }, "layerdrop:rate=0.1"},
		{func(c *Config) { c.Progressive("", "", "interpolate"); c.Plan = "raptr" }, "raptr+interpolate"},
		{func(c *Config) { c.GrowFrom = "runs/small"; c.Expander = "stack" }, "grow+stack"},
	} {
		c := Defaults()
		tc.edit(&c)
		if got := c.DerivedMethod(); got != tc.want {
			t.Errorf("%+v: DerivedMethod() = %q, want %q", c, got, tc.want)
		}
	}
}

// New names the method when the configuration does not, and keeps a name
// given.
func TestNewNamesMethod(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Layers, c.Stages, c.StageEnds = 4, []int{1, 2, 4}, []float64{0.25, 0.5}
	c.Sampler, c.ShareMap, c.Expander = "lvps", "interpolate", "interpolate"
	tr, err := New(c, apolloHooks())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Config.Method != "lvps+interpolate" {
		t.Errorf("method %q, want lvps+interpolate", tr.Config.Method)
	}
	c.Method = "apollo"
	if tr, _ = New(c, apolloHooks()); tr.Config.Method != "apollo" {
		t.Errorf("method %q, want the given apollo", tr.Config.Method)
	}
}
