package env

import (
	"fmt"
	"strings"
	"sync"
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
