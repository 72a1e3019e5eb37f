package runlog

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// oldLine is how metrics lines were built before the typed record: a map
// marshalled by encoding/json (keys sorted).
func oldLine(m Metrics) map[string]any {
	line := map[string]any{
		"step": m.Step, "tokens": m.Tokens, "flops": m.FLOPs, "stage": m.Stage, "depth": m.Depth,
		"lr": m.LR, "train_loss": m.TrainLoss, "grad_norm": m.GradNorm,
		"tokens_per_s": m.TokensPerS, "wall_s": m.WallS,
	}
	if len(m.SampledDepth) == 1 {
		line["sampled_depth"] = m.SampledDepth[0]
	} else {
		line["sampled_depth"] = m.SampledDepth
	}
	if !math.IsNaN(m.TrainBPB) {
		line["train_bpb"] = m.TrainBPB
	}
	if m.HasVal {
		line["val_loss"] = m.ValLoss
		if !math.IsNaN(m.ValBPB) {
			line["val_bpb"] = m.ValBPB
		}
	}
	if len(m.Plans) == 1 {
		line["plan"] = m.Plans[0]
	} else if m.Plans != nil {
		line["plan"] = m.Plans
	}
	return line
}

func TestMetricsRoundTrip(t *testing.T) {
	nan := math.NaN()
	tests := []Metrics{
		{Step: 1, Tokens: 2048, FLOPs: 3.0146560512e10, Stage: 0, Depth: 1, SampledDepth: []int{3},
			LR: 1.6666666666666667e-05, TrainLoss: 5.573, TrainBPB: 8.04, GradNorm: 0.92, ValBPB: nan, TokensPerS: 7435, WallS: 0.27},
		{Step: 600, Tokens: 1 << 40, FLOPs: 1.5e21, Stage: 3, Depth: 12, SampledDepth: []int{12, 7, 9, 12},
			LR: 1e-4, TrainLoss: 1.9, TrainBPB: 2.7, GradNorm: 3e-7, ValLoss: 1.989, ValBPB: 2.869, HasVal: true, TokensPerS: 0, WallS: 175.25},
		{Step: 0, SampledDepth: []int{1}, GradNorm: 1e-9, FLOPs: 0, LR: 0, TrainBPB: nan, ValBPB: nan},
		{Step: 2, SampledDepth: []int{1}, ValLoss: 3, HasVal: true, TrainBPB: nan, ValBPB: nan, WallS: 1},
		{Step: 5, SampledDepth: []int{3}, Plans: [][]int{{0, 0, 1}}, ValBPB: nan, WallS: 1},
		{Step: 6, SampledDepth: []int{3, 2}, Plans: [][]int{{0, 0, 1}, {0, 1}}, ValBPB: nan, WallS: 1},
	}
	for _, m := range tests {
		got, err := m.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back Metrics
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if fmt.Sprintf("%+v", back) != fmt.Sprintf("%+v", m) { // NaN for absent equals NaN
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", got, back, m)
		}
		// The same values as the map form that came before.
		var fromNew, fromOld map[string]any
		old, _ := json.Marshal(oldLine(m))
		json.Unmarshal(got, &fromNew)
		json.Unmarshal(old, &fromOld)
		if !reflect.DeepEqual(fromNew, fromOld) {
			t.Errorf("typed line %s\ndiffers from the map line %s", got, old)
		}
		// Numbers are spelled as encoding/json spells them.
		for _, f := range strings.Split(strings.Trim(string(got), "{}"), ",\"") {
			k, v, _ := strings.Cut(f, ":")
			k = strings.Trim(k, `"`)
			if want, _ := json.Marshal(fromOld[k]); v != string(want) && !strings.HasPrefix(v, "[") && k != "sampled_depth" {
				t.Errorf("%s written as %s, encoding/json writes %s", k, v, want)
			}
		}
	}
}

func TestMetricsKeyOrder(t *testing.T) {
	m := Metrics{Step: 3, SampledDepth: []int{2, 3}, TrainBPB: 1.5, HasVal: true, ValLoss: 2, ValBPB: 2.5, Plans: [][]int{{0, 1, 1}, {0, 1}}}
	b, _ := m.AppendJSON(nil)
	want := `{"step":3,"tokens":0,"flops":0,"stage":0,"depth":0,"sampled_depth":[2,3],"lr":0,"train_loss":0,"train_bpb":1.5,"grad_norm":0,"val_loss":2,"val_bpb":2.5,"tokens_per_s":0,"wall_s":0,"plan":[[0,1,1],[0,1]]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if j, _ := json.Marshal(m); string(j) != want {
		t.Errorf("json.Marshal gives %s, want %s", j, want)
	}
}

func TestMetricsNonFinite(t *testing.T) {
	m := Metrics{Step: 7, SampledDepth: []int{1}, GradNorm: math.Inf(1)}
	if _, err := m.AppendJSON(nil); err == nil || !strings.Contains(err.Error(), "grad_norm") {
		t.Errorf("err = %v, want one naming grad_norm", err)
	}
}

func TestMetricsAllocs(t *testing.T) {
	m := Metrics{Step: 12, Tokens: 1 << 20, FLOPs: 1e12, SampledDepth: []int{3, 4}, LR: 1e-3, TrainLoss: 2.5,
		GradNorm: 0.5, ValLoss: 2.4, HasVal: true, TokensPerS: 7000, WallS: 12.5}
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = m.AppendJSON(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendJSON allocates %v times per line, want 0", allocs)
	}
}

func TestMetricsUnmarshalErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{`{"flops": 1, "wall_s": 1}`, `missing "step"`},
		{`{"step": 1, "wall_s": 1}`, `missing "flops"`},
		{`{"step": 1, "flops": 1}`, `missing "wall_s"`},
		{`{"step": "one", "flops": 1, "wall_s": 1}`, `Go struct field .step of type int`},
		{`{"step": 1, "flops": 1, "wall_s": 1, "sampled_depth": "x"}`, `field "sampled_depth": want an integer or a list of integers`},
	}
	for _, tt := range tests {
		var m Metrics
		err := json.Unmarshal([]byte(tt.line), &m)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.line, err, tt.want)
		}
	}
	var te *json.UnmarshalTypeError
	var m Metrics
	if err := json.Unmarshal([]byte(`{"step": 1, "flops": 1, "wall_s": 1, "depth": 1.5}`), &m); !errorsAs(err, &te) || te.Field != "depth" {
		t.Errorf("type error %#v, want one for field depth", err)
	}
}

func errorsAs(err error, te **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	*te = e
	return ok
}

func TestEventRoundTrip(t *testing.T) {
	full, bpb := 3.5, []float64{1.25, 1.5, 1.75, 2}
	tests := []Event{
		{Kind: EventExpand, Step: 30, FLOPs: 1e12, Stage: 1, From: 1, To: 3, Map: []int{0, 0, 0},
			ValFullBefore: &full, ValFullAfter: &full, ValNativeBefore: 4, ValNativeAfter: 3.9,
			ValFullBeforeBPB: &bpb[0], ValFullAfterBPB: &bpb[1], ValNativeBeforeBPB: &bpb[2], ValNativeAfterBPB: &bpb[3]},
		{Kind: EventExpand, Step: 60, From: 3, To: 6, Map: []int{0, 1, 2, 0, 1, 2}, ValNativeBefore: 3, ValNativeAfter: 3.1,
			ValNativeBeforeBPB: &bpb[0], ValNativeAfterBPB: &bpb[1]},
		// Bytes unknown: no bits per byte.
		{Kind: EventExpand, Step: 90, From: 6, To: 12, Map: []int{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5},
			ValFullBefore: &full, ValFullAfter: &full, ValNativeBefore: 3, ValNativeAfter: 3.1},
	}
	for _, e := range tests {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if e.ValFullBefore == nil && strings.Contains(string(b), "val_full") {
			t.Errorf("%s: full-depth losses written without a share map", b)
		}
		var keys map[string]any
		json.Unmarshal(b, &keys)
		for key, field := range map[string]*float64{
			"val_full_before_bpb": e.ValFullBeforeBPB, "val_full_after_bpb": e.ValFullAfterBPB,
			"val_native_before_bpb": e.ValNativeBeforeBPB, "val_native_after_bpb": e.ValNativeAfterBPB,
		} {
			if _, ok := keys[key]; ok != (field != nil) {
				t.Errorf("%s: %q written %v, want %v", b, key, ok, field != nil)
			}
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Errorf("round trip of %s: got %+v", b, back)
		}
	}
	var e Event
	var te *json.UnmarshalTypeError
	if err := json.Unmarshal([]byte(`{"step": 1, "to": "two"}`), &e); !errorsAs(err, &te) || te.Field != "to" {
		t.Errorf("type error %#v, want one for field to", err)
	}
	if err := json.Unmarshal([]byte(`{"from": 1, "to": 2}`), &e); err == nil || err.Error() != `missing "step"` {
		t.Errorf("err = %v, want missing step", err)
	}
}

func TestSameIgnoringTiming(t *testing.T) {
	line := func(step int, val, wall float64) string {
		m := Metrics{Step: step, FLOPs: 1e9 * float64(step), SampledDepth: []int{2}, TrainLoss: 3, TokensPerS: 1000 * wall, WallS: wall}
		if val > 0 {
			m.ValLoss, m.HasVal = val, true
		}
		b, _ := m.AppendJSON(nil)
		return string(b) + "\n"
	}
	a := line(1, 0, 0.5) + line(2, 2.5, 1)
	for _, tc := range []struct {
		b    string
		same bool
	}{
		{a, true},
		{line(1, 0, 0.7) + line(2, 2.5, 1.3), true},
		{line(1, 0, 0.5) + line(2, 2.6, 1), false},
		{line(1, 0, 0.5), false},
		{line(1, 0, 0.5) + line(3, 2.5, 1), false},
		{line(1, 0, 0.5) + "{\n", false},
	} {
		if got := SameIgnoringTiming([]byte(a), []byte(tc.b)); got != tc.same {
			t.Errorf("SameIgnoringTiming(\n%s,\n%s) = %v", a, tc.b, got)
		}
	}
	// Older lines without bits per byte (NaN once read) compare too.
	old1 := `{"step":1,"flops":1,"wall_s":0.5,"tokens_per_s":10,"train_loss":3}`
	old2 := `{"step":1,"flops":1,"wall_s":0.7,"tokens_per_s":12,"train_loss":3}`
	if !SameIgnoringTiming([]byte(old1), []byte(old2)) {
		t.Error("lines without bits per byte that differ only in timing compare unequal")
	}
	ev := `{"event":"expand","step":3,"flops":1,"stage":1,"from":1,"to":2,"map":[0,0],"val_native_before":3,"val_native_after":3.1}` + "\n"
	if !SameIgnoringTiming([]byte(ev), []byte(ev)) || SameIgnoringTiming([]byte(ev), []byte(strings.Replace(ev, "3.1", "3.2", 1))) {
		t.Error("events compare by their bytes")
	}
}
