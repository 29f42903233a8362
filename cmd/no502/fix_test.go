package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyFixture copies testdata/fix (a stack whose findings have edit fixes) to a fresh
// directory and returns it with the original contents by name.
func copyFixture(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	orig := map[string]string{}
	entries, err := os.ReadDir("testdata/fix")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata/fix", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		orig[e.Name()] = string(b)
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dir, orig
}

func readAll(t *testing.T, dir string, names map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// TestDiffWritesNothing: --diff prints the changes, exits 1, and leaves every file as it
// was; the diff applies with git apply and gives exactly what --fix writes.
func TestDiffWritesNothing(t *testing.T) {
	dir, orig := copyFixture(t)
	diff, stderr, code := runIn(t, dir, "", "lint", "--diff", "--unsafe-fixes", ".")
	if code != 1 {
		t.Fatalf("--diff exit code %d, want 1 (there is something to fix)\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "would fix 9 findings in 3 files: alb.tf, app.yaml, nginx.conf") {
		t.Errorf("stderr = %q", stderr)
	}
	for _, want := range []string{"--- a/nginx.conf\n+++ b/nginx.conf\n", "-    matcher = \"200-499\"\n+    matcher = \"200-299\"\n", "-  replicas: 1\n+  replicas: 2\n"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	for name, src := range readAll(t, dir, orig) {
		if src != orig[name] {
			t.Errorf("--diff changed %s", name)
		}
	}

	fixed, _ := copyFixture(t)
	if _, stderr, _ := runIn(t, fixed, "", "lint", "--fix", "--unsafe-fixes", "."); !strings.Contains(stderr, "fixed 9 findings in 3 files") {
		t.Fatalf("--fix stderr = %q", stderr)
	}
	needTool(t, "git")
	patch := filepath.Join(t.TempDir(), "fix.patch")
	os.WriteFile(patch, []byte(diff), 0o644)
	if out, code := cmdIn(t, dir, nil, "git", "apply", "--unsafe-paths", "--directory=.", patch); code != 0 {
		t.Fatalf("git apply rejected the diff: %s", out)
	}
	want := readAll(t, fixed, orig)
	for name, src := range readAll(t, dir, orig) {
		if src != want[name] {
			t.Errorf("%s: the applied diff differs from what --fix wrote:\n%s\n---\n%s", name, src, want[name])
		}
	}
}

// TestFixSafetyLevels: without --unsafe-fixes, --fix writes only the safe fixes (the
// finding's own setting); the unsafe ones (more replicas, a longer deregistration delay, a
// health check that starts to depend on the app) stay, marked so in the text and JSON.
func TestFixSafetyLevels(t *testing.T) {
	dir, orig := copyFixture(t)
	out, stderr, _ := runIn(t, dir, "", "lint", "--fix", "--no-color", ".")
	if !strings.Contains(stderr, "fixed 4 findings in 2 files: alb.tf, nginx.conf") {
		t.Errorf("stderr = %q", stderr)
	}
	for _, want := range []string{"= fix (unsafe): run 2 replicas", "= fix (unsafe): set deregistration_delay = 100", "= fix (unsafe): forward /healthz to the app"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	files := readAll(t, dir, orig)
	if !strings.Contains(files["app.yaml"], "replicas: 1\n") || !strings.Contains(files["alb.tf"], "deregistration_delay = 0") {
		t.Errorf("an unsafe fix was written without --unsafe-fixes:\n%s\n%s", files["app.yaml"], files["alb.tf"])
	}
	js, _, _ := runIn(t, dir, "", "lint", "--format", "json", ".")
	if !strings.Contains(js, `"safety":"unsafe"`) {
		t.Errorf("the JSON lacks fix.safety:\n%s", js)
	}
}

// TestFixWritesAndClears: --fix changes only the files with fixable findings, keeps their
// mode, reports what is left, and a second run finds nothing to fix. The fixed nginx.conf
// passes the real nginx -t and the fixed alb.tf terraform fmt.
func TestFixWritesAndClears(t *testing.T) {
	dir, orig := copyFixture(t)
	out, stderr, code := runIn(t, dir, "", "lint", "--fix", "--unsafe-fixes", "--no-color", ".")
	if code != 0 || !strings.Contains(out, "0 findings") {
		t.Errorf("exit code %d, want 0 and nothing left:\n%s", code, out)
	}
	if !strings.Contains(stderr, "fixed 9 findings in 3 files: alb.tf, app.yaml, nginx.conf") {
		t.Errorf("stderr = %q", stderr)
	}
	for _, gone := range []string{"health-matcher-accepts-errors", "single-replica", "read-timeout-below-budget", "dead-upstream-in-rotation"} {
		if strings.Contains(out, gone) {
			t.Errorf("%s is still reported after --fix:\n%s", gone, out)
		}
	}
	now := readAll(t, dir, orig)
	if now[".no502.yaml"] != orig[".no502.yaml"] {
		t.Error("--fix changed .no502.yaml")
	}
	if !strings.Contains(now["nginx.conf"], "proxy_read_timeout 100s;") || !strings.Contains(now["alb.tf"], `matcher = "200-299"`) {
		t.Errorf("fixes not written:\n%s\n%s", now["nginx.conf"], now["alb.tf"])
	}
	// The Kubernetes fixes are patches made into edits: replicas in place, and the
	// PodDisruptionBudget that two replicas then need as a new document after the
	// Deployment, in its namespace (none written: the Deployment names none).
	want := strings.Replace(orig["app.yaml"], "  replicas: 1\n", "  replicas: 2\n", 1)
	want = strings.Replace(want, "---\napiVersion: v1\nkind: Service", "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: shop\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: \"shop\"\n  unhealthyPodEvictionPolicy: AlwaysAllow\n---\napiVersion: v1\nkind: Service", 1)
	if now["app.yaml"] != want {
		t.Errorf("app.yaml after --fix:\n%s\nwant:\n%s", now["app.yaml"], want)
	}
	if st, err := os.Stat(filepath.Join(dir, "alb.tf")); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("alb.tf mode changed: %v %v", st.Mode(), err)
	}
	if _, stderr, code := runIn(t, dir, "", "lint", "--diff", "."); code != 0 || !strings.Contains(stderr, "nothing to fix") {
		t.Errorf("second --diff: exit %d, %q; want 0 and nothing to fix", code, stderr)
	}

	if bin := nginxBinary(t); bin != "" {
		cmd := exec.Command(bin, "-t", "-q", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", "stderr", "-g", "pid "+filepath.Join(dir, "nginx.pid")+";")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("nginx -t rejected the fixed config: %v\n%s\n%s", err, out, now["nginx.conf"])
		}
	}
	needTool(t, "terraform")
	if out, code := cmdIn(t, dir, nil, "terraform", "fmt", "-check", "-diff", "alb.tf"); code != 0 {
		t.Errorf("terraform fmt would change the fixed alb.tf:\n%s", out)
	}
}

// TestFixNamedFilesOnly: in named-file mode (pre-commit) --fix writes only the files named,
// even when another file's findings have fixes.
func TestFixNamedFilesOnly(t *testing.T) {
	dir, orig := copyFixture(t)
	_, stderr, _ := runIn(t, dir, "", "lint", "--fix", "--unsafe-fixes", "alb.tf")
	if !strings.Contains(stderr, "fixed 2 findings in 1 file: alb.tf") {
		t.Errorf("stderr = %q", stderr)
	}
	now := readAll(t, dir, orig)
	for _, name := range []string{"nginx.conf", "app.yaml", ".no502.yaml"} {
		if now[name] != orig[name] {
			t.Errorf("--fix alb.tf changed %s", name)
		}
	}
	if now["alb.tf"] == orig["alb.tf"] {
		t.Error("alb.tf was not fixed")
	}
}

func TestFixUsageErrors(t *testing.T) {
	dir, _ := copyFixture(t)
	for _, args := range [][]string{
		{"lint", "--fix", "--diff", "."},
		{"lint", "--fix", "--stdin-filename", "nginx.conf", "-"},
		{"lint", "--fix", "--write-baseline", "b.json", "."},
	} {
		if _, stderr, code := runIn(t, dir, "server {}", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// nginxBinary finds nginx for the real nginx -t: a skip on a laptop without it, a failure
// under CI=true.
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("nginx is not installed, and CI must not skip this check (.ci/run installs nginx-light)")
	}
	t.Log("nginx not installed: skipping the real nginx -t check (apt-get install nginx-light)")
	return ""
}

// TestFixSymlinks: a link inside the linted directory is written through (its target is
// linted too); a link to a file outside is left alone, and stderr says so.
func TestFixSymlinks(t *testing.T) {
	dir, orig := copyFixture(t)
	outside := t.TempDir()
	// nginx.conf moves out of the tree and is linked back in.
	target := filepath.Join(outside, "nginx.conf")
	if err := os.Rename(filepath.Join(dir, "nginx.conf"), target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "nginx.conf")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	// alb.tf lives in a subdirectory and is linked from another one, both linted.
	os.MkdirAll(filepath.Join(dir, "available"), 0o755)
	os.MkdirAll(filepath.Join(dir, "enabled"), 0o755)
	os.Rename(filepath.Join(dir, "alb.tf"), filepath.Join(dir, "available", "alb.tf"))
	os.Symlink("../available/alb.tf", filepath.Join(dir, "enabled", "alb.tf"))

	_, stderr, _ := runIn(t, dir, "", "lint", "--fix", ".")
	if !strings.Contains(stderr, "not fixed: nginx.conf (outside the linted directories, or a link that leads there)") {
		t.Errorf("stderr = %q", stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != orig["nginx.conf"] {
		t.Errorf("--fix wrote through a link to a file outside the linted directory:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "available", "alb.tf")); !strings.Contains(string(b), `matcher = "200-299"`) {
		t.Errorf("alb.tf was not fixed:\n%s", b)
	}
	if st, err := os.Lstat(filepath.Join(dir, "enabled", "alb.tf")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link enabled/alb.tf was replaced: %v %v", st.Mode(), err)
	}
	// Reached by two paths, alb.tf is changed once: its diff must apply.
	dir2, _ := copyFixture(t)
	os.MkdirAll(filepath.Join(dir2, "available"), 0o755)
	os.MkdirAll(filepath.Join(dir2, "enabled"), 0o755)
	os.Rename(filepath.Join(dir2, "alb.tf"), filepath.Join(dir2, "available", "alb.tf"))
	os.Symlink("../available/alb.tf", filepath.Join(dir2, "enabled", "alb.tf"))
	diff, _, _ := runIn(t, dir2, "", "lint", "--diff", ".")
	if n := strings.Count(diff, `+    matcher = "200-299"`); n != 1 {
		t.Errorf("the matcher fix appears %d times in the diff, want 1:\n%s", n, diff)
	}
}

// TestFixKeepsCRLF: a file whose lines end in CRLF keeps them in the lines a fix adds.
func TestFixKeepsCRLF(t *testing.T) {
	dir := t.TempDir()
	conf := strings.ReplaceAll(fixableNginx, "\n", "\r\n")
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	runIn(t, dir, "", "lint", "--fix", ".")
	b, _ := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	if !strings.Contains(string(b), "max_fails=3 fail_timeout=10s") {
		t.Fatalf("not fixed:\n%q", b)
	}
	if n, m := strings.Count(string(b), "\n"), strings.Count(string(b), "\r\n"); n != m {
		t.Errorf("%d of %d lines end in CRLF after --fix:\n%q", m, n, b)
	}
}

// TestFixNamedFileEditsAnother: in named-file mode --fix writes only the files named. A
// safe fix whose edit lies in another file (the proxy_read_timeout of an include only
// this location reads) is not written, and stderr says which file and why; before, the
// finding showed "fix (safe)" beside "nothing to fix".
func TestFixNamedFileEditsAnother(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"nginx.conf":  "events {}\nhttp {\n  server {\n    listen 80;\n    location /a/ {\n      include proxy.conf;\n      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n}\n",
		"proxy.conf":  "proxy_read_timeout 30s;\n",
		".no502.yaml": "edge: none\nroutes:\n  - match: /a/\n    handler_timeout: 90s\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, _ := runIn(t, dir, "", "lint", "--fix", "nginx.conf")
	if !strings.Contains(stderr, "not fixed: proxy.conf (not named: --fix writes only the files named; name it too)") {
		t.Errorf("stderr = %q", stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "proxy.conf")); string(b) != files["proxy.conf"] {
		t.Errorf("--fix wrote a file that was not named:\n%s", b)
	}
	_, stderr, _ = runIn(t, dir, "", "lint", "--fix", "nginx.conf", "proxy.conf")
	if b, _ := os.ReadFile(filepath.Join(dir, "proxy.conf")); !strings.Contains(string(b), "proxy_read_timeout 100s") {
		t.Errorf("both named: proxy.conf = %q (stderr %q)", b, stderr)
	}
}
