package train

import (
	"flag"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

// floatSettings returns the flag name of every number setting of Config
// (float64 or []float64 fields), by their JSON names.
func floatSettings() []string {
	var names []string
	typ := reflect.TypeFor[Config]()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Type.Kind() == reflect.Float64 || (f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Float64) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names = append(names, strings.ReplaceAll(name, "_", "-"))
		}
	}
	return names
}

// Every number flag (and so every --set key of a script) refuses NaN and
// infinities, naming the flag.
func TestFloatFlagsRejectNonFinite(t *testing.T) {
	names := floatSettings()
	if len(names) < 9 {
		t.Fatalf("found only the number settings %v", names)
	}
	for _, name := range names {
		for _, bad := range []string{"nan", "NaN", "inf", "-Inf", "+infinity", "0.1,nan"} {
			if bad == "0.1,nan" && name != "stage-ends" {
				continue
			}
			c := Defaults()
			fs := flag.NewFlagSet("train", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			BindFlags(fs, &c)
			err := fs.Parse([]string{"--" + name, bad})
			if err == nil || !strings.Contains(err.Error(), "-"+name) || !strings.Contains(err.Error(), "finite") {
				t.Errorf("--%s %s: %v, want an error naming the flag and asking for a finite number", name, bad, err)
			}
		}
		c := Defaults()
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		BindFlags(fs, &c)
		if f := fs.Lookup(name); f == nil {
			t.Errorf("no flag --%s", name)
		} else if err := f.Value.Set("0.5"); err != nil {
			t.Errorf("--%s 0.5: %v", name, err)
		}
	}
}

// Validate refuses a non-finite number in any setting, also one set in Go.
func TestValidateRejectsNonFinite(t *testing.T) {
	for i, name := range floatSettings() {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			c := Defaults()
			v := reflect.ValueOf(&c).Elem()
			for j := 0; j < v.NumField(); j++ {
				tag, _, _ := strings.Cut(v.Type().Field(j).Tag.Get("json"), ",")
				if strings.ReplaceAll(tag, "_", "-") != name {
					continue
				}
				if f := v.Field(j); f.Kind() == reflect.Float64 {
					f.SetFloat(bad)
				} else {
					c.Layers, c.Stages, c.StageEnds = 6, []int{1, 3, 6}, []float64{0.1, bad}
				}
			}
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), name+" must be a finite number") {
				t.Errorf("%d: %s = %v: %v, want an error naming %s", i, name, bad, err, name)
			}
		}
	}
	c := Defaults()
	c.ValFrac = 1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "val-frac must be a fraction in (0, 1)") {
		t.Errorf("val-frac 1: %v", err)
	}
}

// An error encoding config.json is returned, never ignored.
func TestWriteConfigReportsErrors(t *testing.T) {
	c := smallConfig(t, shakespeare)
	c.Out = t.TempDir()
	tr, err := New(c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	tr.Config.LR = math.NaN() // set behind Validate's back
	r := newRun(tr, c.Out, nil)
	if err := r.writeConfig(); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Fatalf("writeConfig with a NaN setting: %v, want an error naming config.json", err)
	}
}
