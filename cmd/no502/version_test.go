package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	vcs := func(rev, tm, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: tm}, {Key: "vcs.modified", Value: modified}}
	}
	cases := []struct {
		name          string
		ldV, ldC, ldD string
		mainVersion   string
		settings      []debug.BuildSetting
		want          string
	}{
		{"release build (ldflags)", "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-06T10:00:00Z",
			"(devel)", nil, "v1.2.3 (commit 0123456, 2026-12-06, go1.26.8)"},
		{"ldflags win over the build info", "v1.2.3", "0123456789abcdef", "2026-12-06T10:00:00Z",
			"v0.0.0-20261128210729-b9d8bf1d0b0d+dirty", vcs("b9d8bf1d0b0d4ab2a3ffe10e5fca8c44629ce28b", "2026-11-28T21:07:29Z", "true"),
			"v1.2.3 (commit 0123456, 2026-12-06, go1.26.8)"},
		{"go install ...@v1.2.3", "", "", "", "v1.2.3", nil, "v1.2.3 (go1.26.8)"},
		{"go install ...@<commit> before any tag", "", "", "", "v0.0.0-20261206111045-4cbbfc0bdf26", nil,
			"dev (commit 4cbbfc0, 2026-12-06, go1.26.8)"},
		{"go install ...@<commit> after v1.2.3", "", "", "", "v1.2.4-0.20261206111045-4cbbfc0bdf26", nil,
			"v1.2.4-0.20261206111045-4cbbfc0bdf26 (commit 4cbbfc0, 2026-12-06, go1.26.8)"},
		{"go build in a checkout with changes", "", "", "", "v0.0.0-20261128210729-b9d8bf1d0b0d+dirty",
			vcs("b9d8bf1d0b0d4ab2a3ffe10e5fca8c44629ce28b", "2026-11-28T21:07:29Z", "true"),
			"dev (commit b9d8bf1, modified, 2026-11-28, go1.26.8)"},
		{"go build at a tag", "", "", "", "v1.2.3",
			vcs("b9d8bf1d0b0d4ab2a3ffe10e5fca8c44629ce28b", "2026-11-28T21:07:29Z", "false"),
			"v1.2.3 (commit b9d8bf1, 2026-11-28, go1.26.8)"},
		{"no information at all (go run, -buildvcs=false)", "", "", "", "(devel)", nil, "dev (go1.26.8)"},
	}
	for _, c := range cases {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/no502/no502", Version: c.mainVersion}, Settings: c.settings}
		got := describeBuild(c.ldV, c.ldC, c.ldD, bi).String()
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if got := describeBuild("", "", "", nil).Version; got != "dev" {
		t.Errorf("without build info: version %q, want dev", got)
	}
}

// buildNo502 builds the command into a temporary directory with extra go build flags.
func buildNo502(t *testing.T, flags ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping a test that builds no502")
	}
	bin := filepath.Join(t.TempDir(), "no502")
	args := append([]string{"build", "-o", bin}, flags...)
	c := exec.Command("go", append(args, ".")...)
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, out)
	}
	return bin
}

// versionOutputs runs `no502 --version` and `no502 version`, which must agree.
func versionOutputs(t *testing.T, bin string) string {
	t.Helper()
	flag, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	cmd, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if string(flag) != string(cmd) {
		t.Errorf("--version printed %q, version printed %q", flag, cmd)
	}
	return string(cmd)
}

// The release build's -ldflags (internal/release sets the same three variables).
func TestVersionFromLdflags(t *testing.T) {
	bin := buildNo502(t, "-trimpath", "-ldflags",
		"-X main.version=v9.8.7 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-12-06T10:00:00Z")
	got := versionOutputs(t, bin)
	if !strings.HasPrefix(got, "no502 v9.8.7 (commit 0123456, 2026-12-06, go") || strings.Count(got, "\n") != 1 {
		t.Errorf("got %q", got)
	}
}

// A plain go build in a git checkout: the commit comes from the VCS information the Go
// toolchain records.
func TestVersionFromCheckout(t *testing.T) {
	needTool(t, "git")
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := buildNo502(t, "-buildvcs=true")
	got := versionOutputs(t, bin)
	if strings.Contains(got, "devel") || !strings.HasPrefix(got, "no502 ") {
		t.Fatalf("got %q", got)
	}
	if !strings.Contains(got, "(commit "+string(rev[:7])) {
		// go build finds no VCS information in a linked git worktree (its .git is a file).
		if os.Getenv("CI") == "true" {
			t.Fatalf("got %q, want commit %s", got, rev[:7])
		}
		t.Skipf("go build recorded no commit in this checkout (a git worktree?): %q", got)
	}
}
