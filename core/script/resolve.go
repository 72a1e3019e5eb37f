package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"workbench/plugins"
)

// source is a resolved plugin reference.
type source struct {
	base     string   // reference without parameters
	path     string   // file as given or resolved, used in messages
	embedded bool     // read from plugins.FS
	src      []byte   // file contents
	args     []string // "key=value" parameter settings
}

// splitRef splits a reference into its plugin part and its parameter
// settings. Parameters follow the last colon when what follows it is empty
// or contains "=", so that a Windows drive letter is not taken for them.
func splitRef(ref string) (base string, args []string) {
	i := strings.LastIndexByte(ref, ':')
	if i < 0 || (i+1 < len(ref) && !strings.Contains(ref[i+1:], "=")) {
		return ref, nil
	}
	base, rest := ref[:i], ref[i+1:]
	if rest == "" {
		return base, nil
	}
	return base, strings.Split(rest, ",")
}

// isPath reports whether a plugin reference names a file rather than a
// plugin.
func isPath(base string) bool {
	return strings.ContainsRune(base, '/') || strings.ContainsRune(base, filepath.Separator) ||
		strings.HasSuffix(base, ".go")
}

// isIdent reports whether s is a Go identifier made of ASCII letters,
// digits and underscores.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// resolve finds and reads the plugin file a reference names.
func (l *Loader) resolve(k Kind, ref string) (*source, error) {
	base, args := splitRef(strings.TrimSpace(ref))
	if base == "" {
		return nil, fmt.Errorf("empty %s reference (want a name such as %q or a path to a .go file)",
			k, builtinExample(k))
	}
	s := &source{base: base, args: args}
	if isPath(base) {
		s.path = base
		b, err := os.ReadFile(l.join(base))
		if err != nil {
			return nil, fmt.Errorf("%s plugin: %w", k, pathErr(err))
		}
		s.src = b
		return s, nil
	}
	if !isIdent(base) {
		return nil, fmt.Errorf("invalid %s name %q (want a Go identifier such as %q, or a path to a .go file)",
			k, base, builtinExample(k))
	}
	rel := path.Join(k.Dir(), base, base+".go")
	s.path = filepath.Join(l.Dir, "plugins", filepath.FromSlash(rel))
	b, err := os.ReadFile(s.path)
	if err == nil {
		s.src = b
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s plugin: %w", k, pathErr(err))
	}
	b, err = fs.ReadFile(plugins.FS, rel)
	if err != nil {
		return nil, fmt.Errorf("unknown %s %q: no file %s and no built-in %s of that name (built-in: %s)",
			k, base, s.path, k, strings.Join(Builtin(k), ", "))
	}
	s.src, s.embedded = b, true
	s.path = filepath.Join("plugins", filepath.FromSlash(rel))
	return s, nil
}

// join resolves a relative file path against the loader's directory.
func (l *Loader) join(p string) string {
	if l.Dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.Dir, p)
}

// pathErr drops the operation from a *fs.PathError ("open x.go: ...")
// but keeps the path and the reason.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// Builtin returns the names of the plugins of kind k shipped in the
// binary, sorted.
func Builtin(k Kind) []string {
	return pluginNames(plugins.FS, k.Dir())
}

// Names returns the names of the plugins of kind k that the loader can
// load by name: those under its plugins directory and the built-in ones,
// sorted and without duplicates.
func (l *Loader) Names(k Kind) []string {
	dir := filepath.Join(l.Dir, "plugins", k.Dir())
	names := append(pluginNames(os.DirFS(dir), "."), Builtin(k)...)
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}

// pluginNames lists the directories d under dir of fsys that contain
// d/d.go.
func pluginNames(fsys fs.FS, dir string) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || !isIdent(e.Name()) {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(dir, e.Name(), e.Name()+".go")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// builtinExample returns a built-in plugin name of kind k for messages.
func builtinExample(k Kind) string {
	if b := Builtin(k); len(b) > 0 {
		return b[0]
	}
	return "name"
}
