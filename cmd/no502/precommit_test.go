package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// needTool skips when an outside program is missing, except in CI (CI=true), where a
// missing tool is a broken CI setup.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI=true: .ci/run should have installed it)", name)
		}
		t.Skipf("%s is not installed; skipping (CI installs it)", name)
	}
}

func cmdIn(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out.String(), code
}

func mustRun(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	out, code := cmdIn(t, dir, nil, name, args...)
	if code != 0 {
		t.Fatalf("%s %v: exit %d\n%s", name, args, code, out)
	}
	return strings.TrimSpace(out)
}

// snapshotRepo copies the working tree of the repository at root (tracked files and
// untracked ones that are not ignored, as they are on disk) into a new git repository
// with one commit, and returns its path and commit. pre-commit installs hooks by cloning
// a repository at a rev; a clone of root itself would test the last commit, not the
// code under test, and committing in root is not the test's business.
func snapshotRepo(t *testing.T, root string) (dir, rev string) {
	t.Helper()
	dir = t.TempDir()
	list := mustRun(t, root, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		src := filepath.Join(root, name)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or a symlink
		}
		dst := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		in, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	gitInit(t, dir)
	return dir, mustRun(t, dir, "git", "rev-parse", "HEAD")
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	mustRun(t, dir, "git", "init", "-q")
	mustRun(t, dir, "git", "add", "-A")
	mustRun(t, dir, "git", "-c", "user.name=no502 test", "-c", "user.email=test@no502.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot")
}

// docExamples returns the YAML blocks of docs/ci.md that configure the hook id, so the
// test runs the documentation as written.
func docExample(t *testing.T, id string) string {
	t.Helper()
	return docExampleWith(t, id, "")
}

// docExampleWith returns the first example for the hook id that also contains text.
func docExampleWith(t *testing.T, id, text string) string {
	t.Helper()
	src, err := os.ReadFile("../../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(src), -1) {
		if strings.Contains(m[1], "- id: "+id+"\n") && strings.Contains(m[1], "repos:") && strings.Contains(m[1], text) {
			return m[1]
		}
	}
	t.Fatalf("docs/ci.md has no pre-commit example for %s with %q", id, text)
	return ""
}

const (
	badNginx  = "events {}\nhttp {\n    upstream app {\n        server 10.0.0.1:8080;\n    }\n    server {\n        location / { proxy_pass http://app; }\n    }\n}\n"
	goodNginx = "events {}\nhttp {\n    upstream app {\n        server app.internal:8080;\n    }\n    server {\n        location / { proxy_pass http://app; }\n    }\n}\n"
)

// TestPreCommitHooks runs both hooks of .pre-commit-hooks.yaml through the real
// pre-commit: a bad nginx.conf fails with its finding, the fixed one passes.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the pre-commit integration test")
	}
	needTool(t, "git")
	needTool(t, "pre-commit")
	needTool(t, "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, code := cmdIn(t, root, nil, "git", "rev-parse", "--show-toplevel"); code != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the source tree is not a git repository")
		}
		t.Skip("the source tree is not a git repository")
	}
	repo, rev := snapshotRepo(t, root)

	// no502-system needs no502 on PATH: build this tree's.
	bin := t.TempDir()
	mustRun(t, root, "go", "build", "-o", filepath.Join(bin, "no502"), "./cmd/no502")
	modcache := mustRun(t, root, "go", "env", "GOMODCACHE")
	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PRE_COMMIT_HOME=" + t.TempDir(),
		// pre-commit's golang hook builds with GOPATH in its own directory; reusing the
		// module cache spares a download of every dependency.
		"GOMODCACHE=" + modcache,
		"PRE_COMMIT_COLOR=never",
	}
	for _, id := range []string{"no502-system", "no502"} {
		t.Run(id, func(t *testing.T) {
			cfg := docExample(t, id)
			cfg = strings.Replace(cfg, "https://github.com/no502/no502", repo, 1)
			cfg = regexp.MustCompile(`(?m)^(\s*rev:).*$`).ReplaceAllString(cfg, "${1} "+rev)
			proj := t.TempDir()
			os.WriteFile(filepath.Join(proj, ".pre-commit-config.yaml"), []byte(cfg), 0o644)
			os.MkdirAll(filepath.Join(proj, "deploy"), 0o755)
			os.WriteFile(filepath.Join(proj, "deploy", "nginx.conf"), []byte(badNginx), 0o644)
			os.WriteFile(filepath.Join(proj, "README.md"), []byte("not a config\n"), 0o644)
			gitInit(t, proj)

			out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files")
			if code != 1 || !strings.Contains(out, "deploy/nginx.conf:4:") || !strings.Contains(out, "single-upstream") {
				t.Fatalf("bad nginx.conf: pre-commit exit %d, want 1 with the finding:\n%s", code, out)
			}
			os.WriteFile(filepath.Join(proj, "deploy", "nginx.conf"), []byte(goodNginx), 0o644)
			mustRun(t, proj, "git", "add", "-A")
			out, code = cmdIn(t, proj, env, "pre-commit", "run", "--all-files")
			if code != 0 || !strings.Contains(out, "Passed") {
				t.Fatalf("fixed nginx.conf: pre-commit exit %d, want 0:\n%s", code, out)
			}
		})
	}
	// args: [--fix]: the hook rewrites the file, pre-commit fails the run because a file
	// changed, and the next run passes.
	t.Run("no502-system --fix", func(t *testing.T) {
		cfg := docExampleWith(t, "no502-system", "--fix")
		cfg = strings.Replace(cfg, "https://github.com/no502/no502", repo, 1)
		cfg = regexp.MustCompile(`(?m)^(\s*rev:).*$`).ReplaceAllString(cfg, "${1} "+rev)
		proj := t.TempDir()
		os.WriteFile(filepath.Join(proj, ".pre-commit-config.yaml"), []byte(cfg), 0o644)
		conf := filepath.Join(proj, "nginx.conf")
		os.WriteFile(conf, []byte(fixableNginx), 0o644)
		gitInit(t, proj)
		out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files")
		now, _ := os.ReadFile(conf)
		if code != 1 || !strings.Contains(string(now), "max_fails=3 fail_timeout=10s") || !strings.Contains(out, "fixed 1 finding in 1 file: nginx.conf") {
			t.Fatalf("pre-commit exit %d, want 1 with nginx.conf rewritten:\n%s\n%s", code, out, now)
		}
		mustRun(t, proj, "git", "add", "-A")
		if out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files"); code != 0 {
			t.Fatalf("after --fix: pre-commit exit %d, want 0:\n%s", code, out)
		}
	})
	// A monorepo with a config per service, one hook entry per service, each naming its
	// config (docs/ci.md's example of it); and the plain hook, which names the files of
	// both services in one run: each file is judged by its own service's .no502.yaml.
	for name, text := range map[string]string{"no502-system per service": "alias: no502-billing", "no502-system one hook, two configs": "hooks:\n      - id: no502-system\n"} {
		t.Run(name, func(t *testing.T) { preCommitMonorepo(t, docExampleWith(t, "no502-system", text), repo, rev, env) })
	}
}

// preCommitMonorepo runs the hooks of cfg in a repository of two services, each with a
// .no502.yaml: billing accepts its single upstream, search does not.
func preCommitMonorepo(t *testing.T, cfg, repo, rev string, env []string) {
	cfg = strings.Replace(cfg, "https://github.com/no502/no502", repo, 1)
	cfg = regexp.MustCompile(`(?m)^(\s*rev:).*$`).ReplaceAllString(cfg, "${1} "+rev)
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, ".pre-commit-config.yaml"), []byte(cfg), 0o644)
	for _, svc := range []string{"billing", "search"} {
		os.MkdirAll(filepath.Join(proj, "services", svc), 0o755)
		os.WriteFile(filepath.Join(proj, "services", svc, "nginx.conf"), []byte(badNginx), 0o644)
	}
	// billing accepts its single upstream; search does not.
	os.WriteFile(filepath.Join(proj, "services", "billing", ".no502.yaml"), []byte("rules:\n  single-upstream: off\n"), 0o644)
	os.WriteFile(filepath.Join(proj, "services", "search", ".no502.yaml"), []byte("rules:\n  single-upstream: error\n"), 0o644)
	gitInit(t, proj)
	out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files")
	if code != 1 || !strings.Contains(out, "services/search/nginx.conf:4:9: error[single-upstream]") || strings.Contains(out, "services/billing/nginx.conf:") || strings.Contains(out, "different configs") {
		t.Fatalf("pre-commit exit %d, want 1 with the finding in search only:\n%s", code, out)
	}
}

// fixableNginx has one finding whose fix is an edit (max_fails=0 on one of two servers).
const fixableNginx = "events {}\nhttp {\n    upstream app {\n        server app-1.internal:8080 max_fails=0;\n        server app-2.internal:8080;\n    }\n    server {\n        location / { proxy_pass http://app; }\n    }\n}\n"
