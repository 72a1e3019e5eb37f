package script

import (
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	"github.com/traefik/yaegi/stdlib/unsafe"

	"workbench/core/script/symbols"
)

// forbiddenPkgs lists the packages that restricted plugins may not import:
// they run programs, reach the network, bypass memory safety or take over
// the process's signals. Every package under net/ is forbidden too.
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

// forbiddenImport reports whether restricted plugins may not import p.
func forbiddenImport(p string) bool {
	return forbiddenPkgs[p] || strings.HasPrefix(p, "net/")
}

// removedFuncs lists, per package, the functions that restricted plugins
// may not call because they write, create or remove files, open raw file
// descriptors, or act on other processes.
var removedFuncs = map[string]map[string]bool{
	"os": set("Chdir", "Chmod", "Chown", "Chtimes", "Create", "CreateTemp", "FindProcess",
		"Lchown", "Link", "Mkdir", "MkdirAll", "MkdirTemp", "NewFile", "OpenFile", "Pipe",
		"Remove", "RemoveAll", "Rename", "StartProcess", "Symlink", "Truncate", "WriteFile"),
	"io/ioutil":     set("TempDir", "TempFile", "WriteFile"),
	"runtime/debug": set("WriteHeapDump"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// symbolSet is the set of compiled packages offered to plugins.
type symbolSet struct {
	exports []interp.Exports // passed to Interpreter.Use in order
	names   map[string]string
}

// pkgName returns the package name of import path p, and whether plugins
// may import p.
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

// restrictedSymbols is the standard library without forbiddenPkgs and
// removedFuncs, plus the workbench packages of package symbols.
var restrictedSymbols = sync.OnceValue(func() *symbolSet {
	std := interp.Exports{}
	for k, v := range stdlib.Symbols {
		p := path.Dir(k)
		if forbiddenImport(p) {
			continue
		}
		if rm := removedFuncs[p]; rm != nil {
			w := make(map[string]reflect.Value, len(v))
			for name, val := range v {
				if !rm[name] {
					w[name] = val
				}
			}
			v = w
		}
		std[k] = v
	}
	return newSymbolSet(std, symbols.Symbols)
})

// unrestrictedSymbols is the whole standard library, including the
// process-exiting, syscall and unsafe symbols, plus the workbench packages.
var unrestrictedSymbols = sync.OnceValue(func() *symbolSet {
	return newSymbolSet(stdlib.Symbols, unrestricted.Symbols, syscall.Symbols, unsafe.Symbols, symbols.Symbols)
})
