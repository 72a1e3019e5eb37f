package script

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/traefik/yaegi/stdlib"
)

// The restricted standard library is an allowlist: a package is offered to
// restricted code only if it is listed in allowedPkgs (every symbol) or in
// partialPkgs (the symbols listed). The allowed symbols compute, read files
// and print; none of them, nor any method of a value they return, creates,
// modifies or removes a file, changes the working directory, the process's
// environment or its runtime settings, starts or signals a process, or
// reaches the network. Files are opened through readOnlyFile, which offers
// reading methods only.

// allowedPkgs lists the standard-library packages offered whole.
var allowedPkgs = set(
	"archive/tar", "archive/zip", "bufio", "bytes", "cmp",
	"compress/bzip2", "compress/flate", "compress/gzip", "compress/lzw", "compress/zlib",
	"container/heap", "container/list", "container/ring", "context",
	"crypto", "crypto/aes", "crypto/cipher", "crypto/des", "crypto/dsa", "crypto/ecdh", "crypto/ecdsa",
	"crypto/ed25519", "crypto/elliptic", "crypto/hmac", "crypto/md5", "crypto/rand", "crypto/rc4",
	"crypto/rsa", "crypto/sha1", "crypto/sha256", "crypto/sha512", "crypto/subtle",
	"encoding", "encoding/ascii85", "encoding/asn1", "encoding/base32", "encoding/base64",
	"encoding/binary", "encoding/csv", "encoding/gob", "encoding/hex", "encoding/json", "encoding/pem",
	"encoding/xml", "errors", "flag", "fmt",
	"go/ast", "go/build/constraint", "go/constant", "go/doc", "go/doc/comment", "go/format",
	"go/parser", "go/printer", "go/scanner", "go/token", "go/types", "go/version",
	"hash", "hash/adler32", "hash/crc32", "hash/crc64", "hash/fnv", "hash/maphash",
	"html", "html/template", "image", "image/color", "image/color/palette", "image/draw",
	"image/gif", "image/jpeg", "image/png", "index/suffixarray", "io", "io/fs",
	"maps", "math", "math/big", "math/bits", "math/cmplx", "math/rand", "math/rand/v2",
	"mime", "mime/quotedprintable", "os/user", "path", "path/filepath",
	"regexp", "regexp/syntax", "slices", "sort", "strconv", "strings", "sync", "sync/atomic",
	"text/scanner", "text/tabwriter", "text/template", "text/template/parse", "time",
	"unicode", "unicode/utf16", "unicode/utf8",
)

// partialPkgs lists, for the packages offered in part, the symbols offered.
var partialPkgs = map[string]map[string]bool{
	// Reading files and directories, the (interpreter's own) environment,
	// process information; os.Open and the standard streams are replaced by
	// readOnlyFile. Left out: every function that creates, writes, renames,
	// removes, links, chmods or chowns a file, Chdir, DirFS (its files are
	// *os.File values behind an interface), NewFile, Pipe and the
	// process-starting API.
	"os": set("Args", "Clearenv", "DevNull", "DirEntry", "Environ", "ErrClosed", "ErrDeadlineExceeded",
		"ErrExist", "ErrInvalid", "ErrNoDeadline", "ErrNotExist", "ErrPermission", "ErrProcessDone",
		"Executable", "Exit", "Expand", "ExpandEnv", "File", "FileInfo", "FileMode", "Getegid", "Getenv",
		"Geteuid", "Getgid", "Getgroups", "Getpagesize", "Getpid", "Getppid", "Getuid", "Getwd",
		"Hostname", "Interrupt", "IsExist", "IsNotExist", "IsPathSeparator", "IsPermission", "IsTimeout",
		"Kill", "LinkError", "LookupEnv", "Lstat", "ModeAppend", "ModeCharDevice", "ModeDevice", "ModeDir",
		"ModeExclusive", "ModeIrregular", "ModeNamedPipe", "ModePerm", "ModeSetgid", "ModeSetuid",
		"ModeSocket", "ModeSticky", "ModeSymlink", "ModeTemporary", "ModeType", "NewSyscallError",
		"O_APPEND", "O_CREATE", "O_EXCL", "O_RDONLY", "O_RDWR", "O_SYNC", "O_TRUNC", "O_WRONLY",
		"Open", "PathError", "PathListSeparator", "PathSeparator", "ReadDir", "ReadFile", "Readlink",
		"SEEK_CUR", "SEEK_END", "SEEK_SET", "SameFile", "Setenv", "Signal", "Stat", "Stderr", "Stdin",
		"Stdout", "SyscallError", "TempDir", "Unsetenv", "UserCacheDir", "UserConfigDir", "UserHomeDir",
		"_DirEntry", "_FileInfo", "_Signal"),
	"io/ioutil": set("Discard", "NopCloser", "ReadAll", "ReadDir", "ReadFile"),
	// The process's own logger (log.Default, slog.SetDefault) is left
	// out; log's package functions print to the interpreter's stderr.
	"log": set("Fatal", "Fatalf", "Fatalln", "Flags", "LUTC", "Ldate", "Llongfile", "Lmicroseconds",
		"Lmsgprefix", "Logger", "Lshortfile", "LstdFlags", "Ltime", "New", "Output", "Panic", "Panicf",
		"Panicln", "Prefix", "Print", "Printf", "Println", "SetFlags", "SetOutput", "SetPrefix", "Writer"),
	"log/slog": allExcept("log/slog", "SetDefault", "SetLogLoggerLevel"),
	// NewAt would turn the address of an unexported field (such as the
	// *os.File inside readOnlyFile) into a usable value.
	"reflect": allExcept("reflect", "NewAt"),
	// Reading runtime information; not GOMAXPROCS, LockOSThread, Goexit,
	// Breakpoint, profiling or tracing.
	"runtime": set("Caller", "Callers", "CallersFrames", "Compiler", "Error", "Frame", "Frames", "Func",
		"FuncForPC", "GC", "GOARCH", "GOOS", "GOROOT", "Gosched", "KeepAlive", "MemStats", "NumCPU",
		"NumGoroutine", "PanicNilError", "ReadMemStats", "Stack", "TypeAssertionError", "Version", "_Error"),
	// Not SetMemoryLimit, SetGCPercent, SetMaxStack, SetMaxThreads,
	// SetPanicOnFault, SetTraceback or WriteHeapDump.
	"runtime/debug": set("BuildInfo", "BuildSetting", "FreeOSMemory", "GCStats", "Module", "ParseBuildInfo",
		"PrintStack", "ReadBuildInfo", "ReadGCStats", "Stack"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// allExcept returns every symbol of the standard-library package p but
// the given ones.
func allExcept(p string, except ...string) map[string]bool {
	m := map[string]bool{}
	for name := range stdlib.Symbols[p+"/"+path.Base(p)] {
		m[name] = true
	}
	for _, n := range except {
		delete(m, n)
	}
	return m
}

// allowedSymbol reports whether restricted code may use symbol name of
// standard-library package p.
func allowedSymbol(p, name string) bool {
	if allowedPkgs[p] {
		return true
	}
	return partialPkgs[p][name]
}

// allowedImport reports whether restricted code may import standard-library
// package p.
func allowedImport(p string) bool {
	return allowedPkgs[p] || partialPkgs[p] != nil
}

// restrictedStdlib returns the allowlisted part of the standard library,
// with os.Open and os.File replaced by readOnlyFile.
func restrictedStdlib() map[string]map[string]reflect.Value {
	std := map[string]map[string]reflect.Value{}
	for k, v := range stdlib.Symbols {
		p := path.Dir(k)
		if !allowedImport(p) {
			continue
		}
		w := make(map[string]reflect.Value, len(v))
		for name, val := range v {
			if allowedSymbol(p, name) {
				w[name] = val
			}
		}
		std[k] = w
	}
	std["os/os"]["Open"] = reflect.ValueOf(openReadOnly)
	std["os/os"]["File"] = reflect.ValueOf((*readOnlyFile)(nil))
	for name, v := range stdStreams(os.Stdout, os.Stderr)["os/os"] {
		std["os/os"][name] = v
	}
	return std
}

// stdStreams returns the symbols that replace os.Stdin, os.Stdout and
// os.Stderr in restricted mode. They must be used after the standard
// library, whose loading sets them to the process's *os.File values.
func stdStreams(stdout, stderr io.Writer) map[string]map[string]reflect.Value {
	in := &readOnlyFile{name: "/dev/stdin", r: os.Stdin}
	out := &readOnlyFile{name: "/dev/stdout", w: stdout}
	errw := &readOnlyFile{name: "/dev/stderr", w: stderr}
	return map[string]map[string]reflect.Value{"os/os": {
		"Stdin":  reflect.ValueOf(&in).Elem(),
		"Stdout": reflect.ValueOf(&out).Elem(),
		"Stderr": reflect.ValueOf(&errw).Elem(),
	}}
}

// readOnlyFile is os.File for restricted code: a file opened for reading,
// or one of the standard streams. It has the reading methods of *os.File
// (and Write for the output streams), but none that changes the file, its
// mode, owner or size, or the working directory (Chmod, Chown, Chdir,
// Truncate, Sync, Fd, SyscallConn, ...). The *os.File it holds is
// unexported, so reflection cannot call its methods either.
type readOnlyFile struct {
	f    *os.File
	name string
	r    io.Reader // standard input
	w    io.Writer // standard output or error
}

// errReadOnly is the error of a write to a file that restricted code
// opened.
var errReadOnly = errors.New("file opened read-only (restricted scripts and plugins cannot write files; use wb.WriteFile)")

func openReadOnly(name string) (*readOnlyFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return &readOnlyFile{f: f, name: name}, nil
}

// errStream is the error of a file operation on a standard stream.
func (f *readOnlyFile) errStream(op string) error {
	return &fs.PathError{Op: op, Path: f.name, Err: errors.ErrUnsupported}
}

// Name returns the name of the file as opened.
func (f *readOnlyFile) Name() string { return f.name }

// Read reads from the file or standard input.
func (f *readOnlyFile) Read(b []byte) (int, error) {
	switch {
	case f.f != nil:
		return f.f.Read(b)
	case f.r != nil:
		return f.r.Read(b)
	}
	return 0, f.errStream("read")
}

// ReadAt reads from the file at offset off.
func (f *readOnlyFile) ReadAt(b []byte, off int64) (int, error) {
	if f.f == nil {
		return 0, f.errStream("read")
	}
	return f.f.ReadAt(b, off)
}

// Seek sets the offset of the next Read.
func (f *readOnlyFile) Seek(offset int64, whence int) (int64, error) {
	if f.f == nil {
		return 0, f.errStream("seek")
	}
	return f.f.Seek(offset, whence)
}

// Stat returns the file's information.
func (f *readOnlyFile) Stat() (fs.FileInfo, error) {
	if f.f == nil {
		return nil, f.errStream("stat")
	}
	return f.f.Stat()
}

// ReadDir reads the entries of a directory opened with os.Open.
func (f *readOnlyFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if f.f == nil {
		return nil, f.errStream("readdir")
	}
	return f.f.ReadDir(n)
}

// Readdir reads the entries of a directory opened with os.Open.
func (f *readOnlyFile) Readdir(n int) ([]fs.FileInfo, error) {
	if f.f == nil {
		return nil, f.errStream("readdir")
	}
	return f.f.Readdir(n)
}

// Readdirnames reads the entry names of a directory opened with os.Open.
func (f *readOnlyFile) Readdirnames(n int) ([]string, error) {
	if f.f == nil {
		return nil, f.errStream("readdir")
	}
	return f.f.Readdirnames(n)
}

// Write writes to standard output or error; files opened by restricted
// code are read-only.
func (f *readOnlyFile) Write(b []byte) (int, error) {
	if f.w == nil {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: errReadOnly}
	}
	return f.w.Write(b)
}

// WriteString writes s as Write does.
func (f *readOnlyFile) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// Close closes a file opened with os.Open; the standard streams stay open.
func (f *readOnlyFile) Close() error {
	if f.f == nil {
		return nil
	}
	return f.f.Close()
}

// stdlibPkgs is the set of import paths of the interpreter's standard
// library.
var stdlibPkgs = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for k := range stdlib.Symbols {
		if p := path.Dir(k); p != "." && !strings.HasPrefix(p, "github.com/") {
			m[p] = true
		}
	}
	return m
})

// isStdlib reports whether p is a package of the interpreter's standard
// library.
func isStdlib(p string) bool { return stdlibPkgs()[p] }
