package script

import (
	"path"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	"github.com/traefik/yaegi/stdlib/unsafe"

	"workbench/core/script/symbols"
)

// forbiddenPkgs lists packages that restricted code may not import because
// they run programs, reach the network, bypass memory safety or take over
// the process's signals; they get their own message. Every package under
// net/ is forbidden too. (The allowlist of sandbox.go decides the rest.)
var forbiddenPkgs = map[string]bool{
	"os/exec":    true,
	"os/signal":  true,
	"unsafe":     true,
	"syscall":    true,
	"plugin":     true,
	"net":        true,
	"crypto/tls": true,
	"log/syslog": true,
}

// forbiddenImport reports whether p is one of forbiddenPkgs.
func forbiddenImport(p string) bool {
	return forbiddenPkgs[p] || strings.HasPrefix(p, "net/")
}

// symbolSet is the set of compiled packages offered to interpreted code.
type symbolSet struct {
	exports []interp.Exports // passed to Interpreter.Use in order
	names   map[string]string
}

// pkgName returns the package name of import path p, and whether
// interpreted code may import p.
func (s *symbolSet) pkgName(p string) (string, bool) {
	n, ok := s.names[p]
	return n, ok
}

func newSymbolSet(exports ...interp.Exports) *symbolSet {
	s := &symbolSet{exports: exports, names: map[string]string{}}
	for _, e := range exports {
		for k := range e {
			if k != "." {
				s.names[path.Dir(k)] = path.Base(k)
			}
		}
	}
	return s
}

// restrictedSymbols is the allowlisted standard library (see sandbox.go)
// plus the workbench packages of package symbols.
var restrictedSymbols = sync.OnceValue(func() *symbolSet {
	return newSymbolSet(restrictedStdlib(), symbols.Symbols, guardPlaceholder)
})

// unrestrictedSymbols is the whole standard library, including the
// process-exiting, syscall and unsafe symbols, plus the workbench packages.
var unrestrictedSymbols = sync.OnceValue(func() *symbolSet {
	return newSymbolSet(stdlib.Symbols, unrestricted.Symbols, syscall.Symbols, unsafe.Symbols, symbols.Symbols, guardPlaceholder)
})
