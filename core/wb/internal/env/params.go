package env

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"workbench/core/train"
)

// Params holds the key=value settings of --set and records which keys the
// script read. The zero Params holds none.
type Params struct {
	mu   sync.Mutex
	keys []string // in the order given
	vals map[string]string
	read map[string]bool
}

// ParseSet parses --set arguments. Each argument holds one or more
// key=value settings separated by commas; a comma-separated part without
// "=" continues the previous value, so "stages=1,3,6,steps=20" sets stages
// to "1,3,6" and steps to "20". A key given twice is an error.
func ParseSet(args []string) (*Params, error) {
	p := &Params{vals: map[string]string{}, read: map[string]bool{}}
	for _, a := range args {
		var key string
		for i, part := range strings.Split(a, ",") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				if i == 0 {
					return nil, fmt.Errorf("--set %q: want key=value (several separated by commas)", a)
				}
				p.vals[key] += "," + part
				continue
			}
			key = strings.TrimSpace(k)
			if !validKey(key) {
				return nil, fmt.Errorf("--set %q: %q is not a parameter name (letters, digits, '-' and '_')", a, k)
			}
			if _, dup := p.vals[key]; dup {
				return nil, fmt.Errorf("--set %s given twice", key)
			}
			p.keys = append(p.keys, key)
			p.vals[key] = v
		}
	}
	return p, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		switch {
		case r == '-', r == '_', r == '.', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return true
}

// Lookup returns the value set for key and records that the script read
// it.
func (p *Params) Lookup(key string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.vals[key]
	if ok {
		p.read[key] = true // read is non-nil whenever vals holds a key
	}
	return v, ok
}

// Peek returns the value set for key without recording a read.
func (p *Params) Peek(key string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.vals[key]
	return v, ok
}

// Keys returns the keys set, in the order given.
func (p *Params) Keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.keys...)
}

// Unread returns the keys set that the script has not read, in the order
// given.
func (p *Params) Unread() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, k := range p.keys {
		if !p.read[k] {
			out = append(out, k)
		}
	}
	return out
}

// Settings returns "key=value" for every key set, in the order given.
func (p *Params) Settings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.keys))
	for _, k := range p.keys {
		out = append(out, k+"="+p.vals[k])
	}
	return out
}

// The readers of a script's own parameters (wb.Int, wb.Float, wb.String
// and wb.Bool) parse values with these functions, and the host checks every
// --set value with them before the script runs.

// ParseInt parses an integer parameter.
func ParseInt(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errors.New("want an integer")
	}
	return n, nil
}

// ParseFloat parses a floating-point parameter; NaN and infinities are
// refused.
func ParseFloat(v string) (float64, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, errors.New("want a finite number")
	}
	return x, nil
}

// ParseBool parses a boolean parameter (1, t, true, 0, f, false, ...).
func ParseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, errors.New("want true or false")
	}
	return b, nil
}

// CheckValue checks the value v of --set key as the facade function
// reader ("Int", "Float", "Bool", "String" or "Config") will parse it.
func CheckValue(reader, key, v string) error {
	var err error
	switch reader {
	case "Int":
		_, err = ParseInt(v)
	case "Float":
		_, err = ParseFloat(v)
	case "Bool":
		_, err = ParseBool(v)
	case "Config":
		var c train.Config
		fs := ConfigFlags(&c)
		if f := fs.Lookup(key); f != nil {
			if serr := fs.Set(key, v); serr != nil {
				err = errors.New(SetError(f, serr))
			}
		}
	}
	if err != nil {
		return fmt.Errorf("--set %s=%s: %v", key, v, err)
	}
	return nil
}

// notSetKeys are the flags of workbench train that place a run or pick
// its starting point; a script's runs go into the experiment directory.
var notSetKeys = map[string]bool{"out": true, "resume": true, "force": true, "init": true}

// ConfigFlags binds the settings of c to flags named as those of
// workbench train (train.BindFlags), without --out, --resume, --force and
// --init: the keys that wb.Config applies.
func ConfigFlags(c *train.Config) *flag.FlagSet {
	all := flag.NewFlagSet("train", flag.ContinueOnError)
	train.BindFlags(all, c)
	fs := flag.NewFlagSet("--set", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	all.VisitAll(func(f *flag.Flag) {
		if !notSetKeys[f.Name] {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	return fs
}

// SetError describes a value that a flag of ConfigFlags rejected.
func SetError(f *flag.Flag, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err.Error() // the lists explain themselves
	}
	switch g.Get().(type) {
	case int, uint64:
		return "want an integer"
	case float64:
		return "want a number"
	case bool:
		return "want true or false"
	}
	return err.Error()
}
