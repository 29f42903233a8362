package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ciConf = "events {}\nhttp {\n    upstream app {\n        server 10.0.0.1:8080;%s\n    }\n    server {\n        location / { proxy_pass http://app; }\n    }\n}\n"

func writeConf(t *testing.T, dir, eol string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(strings.Replace(ciConf, "%s", eol, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSuppressionFlags(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, " # no502:ignore single-upstream -- one box, on purpose")
	if out, _, code := runIn(t, dir, "", "lint", "--no-color"); code != 0 || strings.Contains(out, "single-upstream") {
		t.Errorf("suppressed: exit %d\n%s", code, out)
	}
	if out, _, code := runIn(t, dir, "", "lint", "--no-color", "--no-ignore"); code != 1 || !strings.Contains(out, "[single-upstream]") {
		t.Errorf("--no-ignore: exit %d\n%s", code, out)
	}
	// A stale suppression is an info finding: shown, but not failing the default run.
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(strings.Replace(strings.Replace(ciConf, "%s", " # no502:ignore single-upstream", 1), "10.0.0.1", "app.internal", 1)), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--no-color")
	if code != 0 || !strings.Contains(out, "info[unused-suppression]") {
		t.Errorf("stale suppression: exit %d\n%s", code, out)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--fail-on", "info"); code != 1 {
		t.Errorf("stale suppression with --fail-on info: exit %d, want 1", code)
	}
}

func TestBaselineFlags(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, "")
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "--write-baseline", ".no502-baseline.json")
	if code != 0 || !strings.Contains(out, "1 known finding recorded in .no502-baseline.json not shown") {
		t.Errorf("--write-baseline: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".no502-baseline.json")); err != nil {
		t.Fatal(err)
	}
	if out, _, code := runIn(t, dir, "", "lint", "--baseline", ".no502-baseline.json"); code != 0 {
		t.Errorf("--baseline, nothing new: exit %d\n%s", code, out)
	}
	// Lines shift: still known. Run from a subdirectory: still known (paths in the
	// baseline are relative to it).
	writeConf(t, dir, "")
	src, _ := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	os.WriteFile(filepath.Join(dir, "nginx.conf"), append([]byte("# moved down\n\n"), src...), 0o644)
	if out, _, code := runIn(t, dir, "", "lint", "--baseline", ".no502-baseline.json"); code != 0 {
		t.Errorf("--baseline after a line shift: exit %d\n%s", code, out)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	if out, _, code := runIn(t, sub, "", "lint", "--baseline", "../.no502-baseline.json", ".."); code != 0 {
		t.Errorf("--baseline from a subdirectory: exit %d\n%s", code, out)
	}
	// A new problem fails, and only it is shown.
	src, _ = os.ReadFile(filepath.Join(dir, "nginx.conf"))
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(strings.Replace(string(src), "    server {\n", "    upstream two { server 10.0.0.2:8080; }\n    server {\n        location /two { proxy_pass http://two; }\n", 1)), 0o644)
	out, _, code = runIn(t, dir, "", "lint", "--no-color", "--baseline", ".no502-baseline.json")
	if code != 1 || !strings.Contains(out, "10.0.0.2") || strings.Contains(out, "10.0.0.1:8080 ") || !strings.Contains(out, "1 finding in 1 file") {
		t.Errorf("--baseline with a new finding: exit %d\n%s", code, out)
	}
	// Bad uses are usage errors.
	for _, args := range [][]string{
		{"lint", "--baseline", "missing.json"},
		{"lint", "--baseline", "nginx.conf"},
		{"lint", "--baseline", "a.json", "--write-baseline", "b.json"},
	} {
		if _, stderr, code := runIn(t, dir, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2; %s", args, code, stderr)
		}
		// A baseline nobody wrote yet: the error says how to write it.
		if args[2] == "missing.json" {
			if _, stderr, _ := runIn(t, dir, "", args...); !strings.Contains(stderr, "--write-baseline missing.json") {
				t.Errorf("%v: the error does not say how to record a baseline: %s", args, stderr)
			}
		}
	}
}

// A Terraform file named on its own (as pre-commit names it) is linted with the other
// files of its module, whose variable defaults it uses; findings in those files are not
// reported.
func TestExplicitFileContext(t *testing.T) {
	src := "../../rules/testdata/tf-read-timeout-below-budget/trigger"
	dir := t.TempDir()
	for _, name := range []string{"main.tf", "variables.tf", ".no502.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "main.tf")
	if code != 1 || !strings.Contains(out, "main.tf:4:") || !strings.Contains(out, "in 1 file") {
		t.Errorf("main.tf with its module: exit %d\n%s", code, out)
	}
	out, _, code = runIn(t, dir, "", "lint", "--no-color", "variables.tf")
	if code != 0 || strings.Contains(out, "main.tf:") {
		t.Errorf("variables.tf alone must not report main.tf's finding: exit %d\n%s", code, out)
	}
}

// A pre-commit run on one manifest sees the Terraform ALB in front of it: the keep-alive
// race between the two is reported on the manifest, and only the named file counts as
// linted. From the repository root the context scan finds the ALB by itself (issue 17:
// the named file's findings are the full run's); from k8s/, whose tree holds only the
// manifest, the manifest alone is clean, and context: in .no502.yaml brings the ALB in.
// A context path that does not exist is a positioned config error.
func TestConfigContext(t *testing.T) {
	src := "../../testdata/stacks/alb-tgb-gunicorn"
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	for _, name := range []string{"k8s/app.yaml", "terraform/alb.tf"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	const race = "k8s/app.yaml:20:80: warning[keepalive-race]"
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "k8s/app.yaml")
	if code != 1 || !strings.Contains(out, race) || !strings.Contains(out, "1 finding in 1 file") {
		t.Errorf("from the root, without context: exit %d\n%s", code, out)
	}
	out, _, code = runIn(t, filepath.Join(dir, "k8s"), "", "lint", "--no-color", "app.yaml")
	if code != 0 || !strings.Contains(out, "0 findings in 1 file") {
		t.Errorf("from k8s/, without context: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("context:\n  - terraform\n"), 0o644)
	out, _, code = runIn(t, filepath.Join(dir, "k8s"), "", "lint", "--no-color", "app.yaml")
	if code != 1 || !strings.Contains(out, "app.yaml:20:80: warning[keepalive-race]") || !strings.Contains(out, "1 finding in 1 file") {
		t.Errorf("from k8s/, with context: exit %d\n%s", code, out)
	}
	// A whole-directory run is unchanged by context:.
	out, _, code = runIn(t, dir, "", "lint", "--no-color", ".")
	if code != 1 || !strings.Contains(out, "1 finding in 2 files") {
		t.Errorf("directory run: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("context:\n  - terraform\n  - infra\n"), 0o644)
	_, errOut, code := runIn(t, dir, "", "lint", "--no-color", "k8s/app.yaml")
	if code != 2 || !strings.Contains(errOut, ".no502.yaml:3:5: context: infra does not exist") {
		t.Errorf("missing context path: exit %d\n%s", code, errOut)
	}
}

// ignore: globs are relative to the config file's directory, as .gitignore patterns are:
// a root config's "legacy/**" skips legacy/ whether no502 runs at the root or inside
// legacy/, and a glob without a slash matches base names anywhere below.
func TestIgnoreGlobsRelativeToConfig(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	bad := "events {}\nhttp {\n  upstream app { server 10.0.0.5:8080; }\n  server { listen 80; location / { proxy_pass http://app; } }\n}\n"
	for _, p := range []string{"legacy/nginx.conf", "app/nginx.conf", "app/old.conf"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(bad), 0o644)
	}
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("ignore:\n  - legacy/**\n  - old.conf\n"), 0o644)
	for _, c := range []struct {
		cwd, arg, want string
	}{
		{".", ".", "app/nginx.conf"},
		{"legacy", ".", "0 findings in 0 files"},
		{"app", ".", "nginx.conf:"},
	} {
		out, _, _ := runIn(t, filepath.Join(dir, c.cwd), "", "lint", "--no-color", c.arg)
		if !strings.Contains(out, c.want) || strings.Contains(out, "legacy/nginx.conf:") || strings.Contains(out, "old.conf:") {
			t.Errorf("in %s: lint %s:\n%s", c.cwd, c.arg, out)
		}
	}
}
