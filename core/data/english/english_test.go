package english

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

// TestDecodeReplace compares with Python's bytes.decode("utf-8",
// "replace") (the outputs were produced by Python 3.11).
func TestDecodeReplace(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int // number of U+FFFD
		rest string
	}{
		{"ok", 0, "ok"}, {"\xff", 1, ""}, {"\xe2\x82", 1, ""}, {"\xe2\x82A", 1, "A"},
		{"\xed\xa0\x80", 3, ""}, {"\xf0\x9f\x99", 1, ""}, {"a\xc3", 1, "a"},
		{"\xc0\xaf", 2, ""}, {"\xf4\x90\x80\x80", 4, ""}, {"\xe0\x80\xaf", 3, ""},
	} {
		got := decodeReplace([]byte(tc.in))
		if n := strings.Count(got, "\ufffd"); n != tc.want || strings.ReplaceAll(got, "\ufffd", "") != tc.rest {
			t.Errorf("decodeReplace(%q) = %q, want %d replacements and %q", tc.in, got, tc.want, tc.rest)
		}
	}
}

func TestPyStrip(t *testing.T) {
	if got := pyStrip("\x1c\u00a0 text \u3000\n\x0b"); got != "text" {
		t.Errorf("pyStrip = %q", got)
	}
}

// rxdr builds R's XDR serialization of a character vector with NA.
func rxdr(items ...string) []byte {
	b := []byte("X\n")
	put := func(v int32) { b = binary.BigEndian.AppendUint32(b, uint32(v)) }
	put(2)
	put(0)
	put(0)
	put(16) // STRSXP
	put(int32(len(items)))
	for _, s := range items {
		put(9) // CHARSXP
		if s == "NA" {
			put(-1)
			continue
		}
		put(int32(len(s)))
		b = append(b, s...)
	}
	return b
}

func TestUnserialize(t *testing.T) {
	v, err := unserialize(rxdr("It is a truth", "NA", "universally acknowledged"))
	if err != nil {
		t.Fatal(err)
	}
	l, ok := v.([]any)
	if !ok || len(l) != 3 || l[0] != "It is a truth" || l[1] != nil || l[2] != "universally acknowledged" {
		t.Fatalf("got %#v", v)
	}
	bad := rxdr("x")
	for _, b := range [][]byte{bad[:len(bad)-2], []byte("RDX2"), append(bad[:14:14], 0, 0, 0, 99)} {
		if _, err := unserialize(b); err == nil {
			t.Errorf("unserialize(%q): no error", b)
		}
	}
}

func TestRunNamesCommand(t *testing.T) {
	err := run(context.Background(), t.TempDir(), "apt-get-that-does-not-exist", "download", "some-package")
	if err == nil || !strings.Contains(err.Error(), "apt-get-that-does-not-exist download some-package failed") {
		t.Errorf("missing command: %v", err)
	}
	err = run(context.Background(), t.TempDir(), "sh", "-c", "echo E: Unable to locate package nope >&2; exit 100")
	if err == nil || !strings.Contains(err.Error(), "exit status 100: E: Unable to locate package nope") {
		t.Errorf("failing command: %v", err)
	}
}
