package english

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// debKeep lists, per Debian package, the directories whose files the
// conversions read.
var debKeep = map[string][]string{
	"sword-comm-tdavid":   {"usr/share/sword/"},
	"sword-comm-mhcc":     {"usr/share/sword/"},
	"sword-comm-scofield": {"usr/share/sword/"},
	"sword-text-web":      {"usr/share/sword/"},
	"r-cran-janeaustenr":  {"usr/lib/R/site-library/janeaustenr/data/"},
	"jargon-text":         {"usr/share/doc/jargon-text/"},
	"dict-devil":          {"usr/share/dictd/"},
	"python3.11-doc":      {"usr/share/doc/python3.11/html/_sources/"},
	"linux-doc-6.1":       {"usr/share/doc/linux-doc-6.1/Documentation/"},
	"dict-gcide":          {"usr/share/dictd/"},
	"dict-wn":             {"usr/share/dictd/"},
	"dict-foldoc":         {"usr/share/dictd/"},
	"fortunes":            {"usr/share/games/fortunes/"},
}

// readTar reads the regular files and symbolic links of a tar stream
// that keep accepts.
func readTar(r io.Reader, keep func(string) bool, p *pkgData) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(h.Name, "./")
		if !keep(name) {
			continue
		}
		switch h.Typeflag {
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			p.files[name] = b
		case tar.TypeSymlink:
			p.links[name] = h.Linkname
		}
	}
}

// loadNpm reads an npm tarball made by npm pack.
func (b *builder) loadNpm(dir, spec string) error {
	name, version, _ := strings.Cut(spec, "@")
	file := filepath.Join(dir, name+"-"+version+".tgz")
	raw, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("package %s: npm pack left no %s: %v", spec, filepath.Base(file), err)
	}
	p := &pkgData{Pkg: Pkg{Name: name, Version: version, File: filepath.Base(file)}, files: map[string][]byte{}, links: map[string]string{}}
	b.verify(p, raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("package %s: %s: %v", spec, p.File, err)
	}
	if err := readTar(zr, func(string) bool { return true }, p); err != nil {
		return fmt.Errorf("package %s: %s: %v", spec, p.File, err)
	}
	var meta struct {
		License any `json:"license"`
	}
	if err := json.Unmarshal(p.files["package/package.json"], &meta); err != nil {
		return fmt.Errorf("package %s: package.json: %v", spec, err)
	}
	p.Licence = fmt.Sprint(meta.License)
	if meta.License == nil {
		p.Licence = "unspecified in package.json"
	}
	b.pkgs[name] = p
	return nil
}

// loadDeb reads a Debian package downloaded by apt-get download: its
// files through dpkg-deb --fsys-tarfile, its version from the file name
// and its licence from the first License: field of its copyright file.
func (b *builder) loadDeb(ctx context.Context, dir, name string) error {
	file, err := find(dir, name+"_*.deb", name)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	base := filepath.Base(file)
	version := strings.Split(base, "_")[1]
	if v, err := url.PathUnescape(version); err == nil {
		version = v
	}
	p := &pkgData{Pkg: Pkg{Name: name, Version: version, File: base}, files: map[string][]byte{}, links: map[string]string{}}
	b.verify(p, raw)
	copyright := "usr/share/doc/" + name + "/copyright"
	keep := func(path string) bool {
		if path == copyright {
			return true
		}
		for _, k := range debKeep[name] {
			if strings.HasPrefix(path, k) {
				return true
			}
		}
		return false
	}
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("package %s: dpkg-deb --fsys-tarfile %s: %v", name, base, err)
	}
	terr := readTar(bufio.NewReaderSize(out, 1<<20), keep, p)
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("package %s: dpkg-deb --fsys-tarfile %s failed: %v: %s", name, base, err, lastLine(stderr.String()))
	}
	if terr != nil {
		return fmt.Errorf("package %s: %s: %v", name, base, terr)
	}
	p.Licence = "see /usr/share/doc/" + name + "/copyright"
	if c, ok := p.files[copyright]; ok {
		for _, line := range strings.Split(string(c), "\n") {
			if l, ok := strings.CutPrefix(line, "License:"); ok && strings.TrimSpace(l) != "" {
				p.Licence = strings.TrimSpace(l)
				break
			}
		}
		if strings.HasPrefix(p.Licence, "see ") && strings.Contains(strings.ToLower(string(c)), "is in the public domain") {
			p.Licence = "public domain (" + strings.TrimPrefix(p.Licence, "see ") + ")"
		}
		delete(p.files, copyright)
	}
	b.pkgs[name] = p
	return nil
}
