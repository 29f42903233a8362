package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runIn runs the CLI with dir as the working directory.
func runIn(t *testing.T, dir string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/no502 -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test ./cmd/no502 -update after checking the change):\n--- got\n%s", name, got)
	}
}

// The demo is what the README tells newcomers to run: its text and JSON output are golden.
func TestDemoGolden(t *testing.T) {
	root, _ := filepath.Abs("../..")
	out, _, code := runIn(t, root, "", "lint", "--no-color", "testdata/demo")
	if code != 1 {
		t.Errorf("exit code %d, want 1 (the demo has warnings)", code)
	}
	golden(t, "demo.txt", out)

	out, _, code = runIn(t, root, "", "lint", "--format", "json", "testdata/demo")
	if code != 1 {
		t.Errorf("json: exit code %d, want 1", code)
	}
	golden(t, "demo.json", out)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if rep.Version != 1 || rep.Summary.Findings != len(rep.Findings) || len(rep.Findings) < 5 {
		t.Errorf("json summary %+v with %d findings", rep.Summary, len(rep.Findings))
	}
	rules := map[string]bool{}
	for _, f := range rep.Findings {
		rules[f.Rule] = true
		if f.File == "" || f.Line < 1 || f.Column < 1 || f.EndLine < f.Line || f.Message == "" {
			t.Errorf("finding without a full position: %+v", f)
		}
	}
	if len(rules) < 5 {
		t.Errorf("the demo should show several different findings, got %v", rules)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := "events {}\nhttp {\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://app.internal:8080;\n        }\n    }\n}\n"
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(clean), 0o644)
	if _, _, code := runIn(t, dir, "", "lint"); code != 0 {
		t.Errorf("clean config: exit %d, want 0", code)
	}
	bad := strings.Replace(clean, "app.internal:8080", "10.0.0.1:8080", 1)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(bad), 0o644)
	if _, _, code := runIn(t, dir, "", "lint"); code != 1 {
		t.Errorf("single IP upstream: exit %d, want 1", code)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--fail-on", "error"); code != 0 {
		t.Errorf("--fail-on error with only a warning: exit %d, want 0", code)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--fail-on", "never"); code != 0 {
		t.Errorf("--fail-on never: exit %d, want 0", code)
	}
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("http {\n  server {\n"), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--fail-on", "never")
	if code != 1 || !strings.Contains(out, "nginx.conf:") {
		t.Errorf("unparseable file: exit %d, want 1 with a positioned error; output:\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, config string
		args         []string
		want         string
	}{
		{"unknown flag", "", []string{"lint", "--bogus"}, "unknown flag"},
		{"bad format", "", []string{"lint", "--format", "xml"}, "unknown --format"},
		{"bad fail-on", "", []string{"lint", "--fail-on", "sometimes"}, "unknown --fail-on"},
		{"missing path", "", []string{"lint", "does-not-exist"}, "does-not-exist"},
		{"unknown key", "routes: []\ntimeout: 3s\n", []string{"lint"}, ".no502.yaml:2:1: unknown key \"timeout\""},
		{"wrong type", "routes:\n  - match: /a/\n    handler_timeout: fast\n", []string{"lint"}, ".no502.yaml:3:22"},
		{"unknown rule", "rules:\n  no-such-rule: off\n", []string{"lint"}, "unknown rule \"no-such-rule\""},
		{"bad severity", "rules:\n  single-upstream: loud\n", []string{"lint"}, ".no502.yaml:2:20"},
		{"unknown explain", "", []string{"explain", "nope"}, "unknown rule"},
		{"explain without a rule", "", []string{"explain"}, "explain takes one rule ID, e.g. no502 explain single-replica (got 0)"},
		{"baseline not written yet", "", []string{"lint", "--baseline", "b.json"}, "with no502 lint --write-baseline b.json"},
		{"stdin-filename without -", "", []string{"lint", "--stdin-filename", "x.conf"}, "add - as the path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, ".no502.yaml"))
			if c.config != "" {
				os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(c.config), 0o644)
			}
			_, stderr, code := runIn(t, dir, "", c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.want)
			}
		})
	}
}

func TestRulesAndExplain(t *testing.T) {
	out, _, code := runIn(t, ".", "", "rules")
	if code != 0 || !strings.Contains(out, "read-timeout-below-budget") || !strings.Contains(out, "CATEGORY") {
		t.Errorf("rules: exit %d\n%s", code, out)
	}
	out, _, code = runIn(t, ".", "", "explain", "single-upstream")
	if code != 0 || !strings.Contains(out, "## Sources") {
		t.Errorf("explain: exit %d\n%s", code, out)
	}
	out, _, code = runIn(t, ".", "", "version")
	if code != 0 || !strings.HasPrefix(out, "no502 ") {
		t.Errorf("version: exit %d %q", code, out)
	}
}

func TestStdin(t *testing.T) {
	dir := t.TempDir()
	src := "events {}\nhttp { upstream u { server 10.0.0.1:80; } server { location / { proxy_pass http://u; } } }\n"
	out, _, code := runIn(t, dir, src, "lint", "--no-color", "--stdin-filename", "site/nginx.conf", "-")
	if code != 1 || !strings.Contains(out, "site/nginx.conf:2:") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

// TestStdinFilenameNeedsDash: --stdin-filename without - was ignored and the current
// directory was linted from disk (an editor set up as for ruff, the buffer piped in, got
// every other file's findings and none of the buffer's); it is a usage error saying to
// add -.
func TestStdinFilenameNeedsDash(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "other.conf"), []byte("events {}\nhttp { upstream u { server 10.0.0.1:80; } server { location / { proxy_pass http://u; } } }\n"), 0o644)
	src := "events {}\nhttp { server { location / { return 200; } } }\n"
	for _, args := range [][]string{
		{"lint", "--stdin-filename", "site/nginx.conf"},
		{"lint", "--stdin-filename", "site/nginx.conf", "."},
	} {
		out, stderr, code := runIn(t, dir, src, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, "add - as the path (no502 lint --stdin-filename site/nginx.conf -)") {
			t.Errorf("%v: exit %d, want 2 saying to add -\nstdout: %s\nstderr: %s", args, code, out, stderr)
		}
	}
}

// TestVarFileEmptyOrDirectory: --var-file "" (an unset CI variable) named the current
// directory, reported as "not a regular file (a FIFO or a device)" on a config error that
// failed the run; a directory was the same. Both are usage errors naming the flag.
func TestVarFileEmptyOrDirectory(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "envs"), 0o755)
	for _, c := range []struct{ arg, want string }{
		{"", "--var-file: empty path"},
		{"envs", "--var-file envs is a directory"},
	} {
		out, stderr, code := runIn(t, dir, "", "lint", "--var-file", c.arg, ".")
		if code != 2 || out != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("--var-file %q: exit %d, want 2 with %q\nstdout: %s\nstderr: %s", c.arg, code, c.want, out, stderr)
		}
	}
}
