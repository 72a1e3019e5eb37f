package env

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSet(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // settings
		err  string
	}{
		{nil, []string{}, ""},
		{[]string{"steps=20"}, []string{"steps=20"}, ""},
		{[]string{"steps=20,lr=0.01", "seed=2"}, []string{"steps=20", "lr=0.01", "seed=2"}, ""},
		{[]string{"stages=1,3,6,stage-ends=0.1,0.25,steps=9"}, []string{"stages=1,3,6", "stage-ends=0.1,0.25", "steps=9"}, ""},
		{[]string{"name="}, []string{"name="}, ""},
		{[]string{"sampler=lvpsk:k=40"}, []string{"sampler=lvpsk:k=40"}, ""},
		{[]string{"steps"}, nil, `--set "steps": want key=value`},
		{[]string{"a b=1"}, nil, `is not a parameter name`},
		{[]string{"steps=1", "steps=2"}, nil, "--set steps given twice"},
	} {
		p, err := ParseSet(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if got := p.Settings(); !slices.Equal(got, tc.want) {
			t.Errorf("%q: settings %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestParamsRead(t *testing.T) {
	p, err := ParseSet([]string{"a=1,b=2"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Lookup("a"); !ok || v != "1" {
		t.Fatalf("Lookup(a) = %q, %v", v, ok)
	}
	if _, ok := p.Lookup("c"); ok {
		t.Fatal("Lookup(c) found a value")
	}
	if got := p.Unread(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("Unread() = %q", got)
	}
	var zero Params
	if _, ok := zero.Lookup("a"); ok || len(zero.Keys()) != 0 {
		t.Fatal("the zero Params holds values")
	}
}
