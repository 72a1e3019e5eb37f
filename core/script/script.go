// Package script loads plugins: Go source files, interpreted at run time,
// that provide the contracts of package workbench/core/grow (a depth
// sampler, a share map, an expander or a plan). Researchers change a plugin by
// editing its file and rerunning, without rebuilding workbench.
//
// A plugin is referenced as name or path, optionally followed by
// parameters: "lvpsk:k=10", "fixed:depth=4", "./my/sampler.go:K=3". A
// reference containing a path separator or ending in ".go" is a file path;
// otherwise it names plugins/<kind>/<name>/<name>.go under the loader's
// directory, or else the copy of that plugin shipped in the binary.
//
// The interpreter only offers an allowlist of the standard library that
// computes, reads files and prints (sandbox.go), plus workbench/core/grow,
// unless Loader.Unrestricted is set. Every value a plugin returns is
// validated, and a panic inside a plugin, or in a goroutine it started, is
// returned as an error naming the plugin's file. See docs/plugins.md and
// docs/scripting.md.
//
// The same host interprets experiment scripts (Program: a package main
// file, run once) and interactive input (Session), with the same
// restrictions and checks, and with extra compiled packages such as the
// experiment facade workbench/core/wb. See docs/scripting.md.
package script

import (
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"strings"
	"sync"
)

// Kind is a kind of plugin.
type Kind int

// The kinds of plugin.
const (
	KindSampler  Kind = iota // func Sample(s grow.SampleState) int
	KindShareMap             // func Share(real, depth int) []int
	KindExpander             // func Expand(oldReal, newReal int) []int
	KindPlan                 // func Plan(s grow.SampleState) []int
)

var kindInfo = [...]struct {
	name, dir, fn, sig string
}{
	KindSampler:  {"sampler", "samplers", "Sample", "func Sample(s grow.SampleState) int"},
	KindShareMap: {"share map", "sharemaps", "Share", "func Share(real, depth int) []int"},
	KindExpander: {"expander", "expanders", "Expand", "func Expand(oldReal, newReal int) []int"},
	KindPlan:     {"plan", "plans", "Plan", "func Plan(s grow.SampleState) []int"},
}

// String returns the kind's name, such as "share map".
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindInfo[k].name
}

// Dir returns the directory of the kind's plugins under plugins/, such as
// "sharemaps".
func (k Kind) Dir() string {
	if !k.valid() {
		return ""
	}
	return kindInfo[k].dir
}

// Func returns the name of the function a plugin of this kind defines.
func (k Kind) Func() string {
	if !k.valid() {
		return ""
	}
	return kindInfo[k].fn
}

// Signature returns the declaration of the function a plugin of this kind
// defines.
func (k Kind) Signature() string {
	if !k.valid() {
		return ""
	}
	return kindInfo[k].sig
}

func (k Kind) valid() bool { return k >= 0 && int(k) < len(kindInfo) }

// Loader loads plugins. The zero Loader looks plugins up under the working
// directory, runs them restricted and lets them print to os.Stdout and
// os.Stderr.
type Loader struct {
	// Dir is the directory under which plugins/<kind>/<name>/<name>.go is
	// looked up, and relative file paths are taken from; "" is the working
	// directory.
	Dir string
	// Unrestricted offers plugins the whole standard library, including
	// os/exec, net, syscall, unsafe, the file-writing functions of os and
	// the methods of *os.File.
	Unrestricted bool
	// Stdout and Stderr receive what plugins print; nil means os.Stdout
	// and os.Stderr.
	Stdout, Stderr io.Writer
	// Check, when set, is applied by LoadHooks to every plugin it loads;
	// its errors are reported with the load errors.
	Check func(*Plugin) error
}

// LoadSampler loads a sampler plugin with the zero Loader.
func LoadSampler(ref string) (*Sampler, error) { return new(Loader).LoadSampler(ref) }

// LoadShareMap loads a share-map plugin with the zero Loader.
func LoadShareMap(ref string) (*ShareMap, error) { return new(Loader).LoadShareMap(ref) }

// LoadExpander loads an expander plugin with the zero Loader.
func LoadExpander(ref string) (*Expander, error) { return new(Loader).LoadExpander(ref) }

// LoadPlan loads a plan plugin with the zero Loader.
func LoadPlan(ref string) (*Plan, error) { return new(Loader).LoadPlan(ref) }

// Param is a parameter of a plugin: an exported package-level variable of
// type float64, int, bool or string.
type Param struct {
	Name    string // variable name, such as "K"
	Type    string // "float64", "int", "bool" or "string"
	Value   string // current value, formatted as a reference would set it
	Default string // value the plugin's source gives it
}

// Plugin describes a loaded plugin. Its methods are promoted by Sampler,
// ShareMap and Expander.
type Plugin struct {
	kind     Kind
	base     string // reference without parameters
	path     string // file as given or resolved
	embedded bool
	src      []byte
	params   []Param
	fset     *token.FileSet
	file     *ast.File

	mu sync.Mutex // serialises calls
	h  host
}

// Kind returns the kind of the plugin.
func (p *Plugin) Kind() Kind { return p.kind }

// Path returns the plugin's file as the reference gave it or as it was
// resolved, such as "plugins/samplers/lvps/lvps.go". Every error about the
// plugin begins with it.
func (p *Plugin) Path() string { return p.path }

// Embedded reports whether the plugin's source is the copy shipped in the
// binary rather than a file on disk.
func (p *Plugin) Embedded() bool { return p.embedded }

// Source returns the plugin's source code.
func (p *Plugin) Source() []byte { return p.src }

// Params returns the plugin's parameters with their current values, sorted
// by name.
func (p *Plugin) Params() []Param { return append([]Param(nil), p.params...) }

// String returns a reference that reloads the plugin with the same
// parameter values, such as "lvpsk:K=10".
func (p *Plugin) String() string {
	if len(p.params) == 0 {
		return p.base
	}
	var b strings.Builder
	b.WriteString(p.base)
	for i, q := range p.params {
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%s", q.Name, q.Value)
	}
	return b.String()
}
