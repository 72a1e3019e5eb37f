package train

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestRevision(t *testing.T) {
	const a, b, c = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333"
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A repository with a loose ref, one with a packed ref, a detached
	// HEAD and a worktree (.git file) sharing the first repository's refs.
	write("loose/.git/HEAD", "ref: refs/heads/main\n")
	write("loose/.git/refs/heads/main", a+"\n")
	write("loose/.git/packed-refs", "# pack-refs\n"+b+" refs/heads/old\n")
	write("loose/.git/worktrees/wt/HEAD", "ref: refs/heads/old\n")
	write("loose/.git/worktrees/wt/commondir", "../..\n")
	write("wt/.git", "gitdir: ../loose/.git/worktrees/wt\n")
	write("detached/.git/HEAD", c+"\n")
	built := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: c}}}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		git  string
		want string
	}{
		{"build info first", built, "loose/.git", c},
		{"loose ref", nil, "loose/.git", a},
		{"no vcs setting", &debug.BuildInfo{}, "loose/.git", a},
		{"worktree, packed ref", nil, "wt/.git", b},
		{"detached", nil, "detached/.git", c},
		{"none", nil, "missing/.git", ""},
	} {
		if got := revision(tc.bi, filepath.Join(dir, tc.git)); got != tc.want {
			t.Errorf("%s: revision = %q, want %q", tc.name, got, tc.want)
		}
	}
}
