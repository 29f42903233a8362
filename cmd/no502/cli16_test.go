package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree16 writes files (path → text) under a new temporary directory.
func writeTree16(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSuppressEntryMatchingNothingOutput: the unused-suppression finding of a suppress:
// entry is shown at its .no502.yaml line, with the line and a caret under the glob, as
// any finding is; it is an info, so the run passes by default.
func TestSuppressEntryMatchingNothingOutput(t *testing.T) {
	dir := writeTree16(t, map[string]string{
		".no502.yaml":          "# vendored\nsuppress:\n  - path: chart/thrid/**   # the chart\n    rules: [single-replica]\n",
		"chart/third/app.conf": "events {}\nhttp { upstream u { server 10.0.0.1:80; server 10.0.0.2:80; } server { listen 80; location / { proxy_pass http://u; } } }\n",
	})
	out, stderr, code := runIn(t, dir, "", "lint")
	want := ".no502.yaml:3:11: info[unused-suppression] suppress entry: path `chart/thrid/**` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of .no502.yaml; did you mean `chart/third/**`?), or remove the entry.\n" +
		"   |\n" +
		" 3 |   - path: chart/thrid/**   # the chart\n" +
		"   |           ^^^^^^^^^^^^^^\n"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant the output to start with:\n%s", code, out, stderr, want)
	}
}

// TestGeneratePathCharacters: the paths the generators take are checked against what the
// receiving side accepts. An ALB listener rule's path pattern takes only A-Z a-z 0-9
// _ - . $ / ~ " ' @ : + & * ? (AWS's RuleCondition reference); a health check or probe
// path is a request path (RFC 3986 characters, %XX). Each is a usage error that names
// the character and what to write instead.
func TestGeneratePathCharacters(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "alb-target-group", "--name", "hooks", "--port", "8080", "--health-path", "/healthz", "--path", "/a[1]/*"},
			`no502: --path "/a[1]/*": "[" is not allowed in an ALB path pattern (AWS accepts letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * and ?): match it with the wildcard ? (any one character) or * instead` + "\n"},
		{[]string{"generate", "alb-target-group", "--name", "hooks", "--port", "8080", "--health-path", "/healthz", "--path", "/caf%C3%A9/*"},
			`no502: --path "/caf%C3%A9/*": "%" is not allowed in an ALB path pattern (AWS accepts letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * and ?): a pattern cannot hold a space or a percent-encoding; match that character with the wildcard ? (any one character)` + "\n"},
		{[]string{"generate", "alb-target-group", "--name", "hooks", "--port", "8080", "--health-path", "/health check"},
			`no502: --health-path "/health check": a space is not a character a request path may hold: percent-encode it (%20)` + "\n"},
		{[]string{"generate", "k8s-workload", "--name", "a", "--image", "x", "--port", "8080", "--health-path", "/ready#deep"},
			`no502: --health-path "/ready#deep": # starts a fragment, which is never sent to the server: leave it out, or write %23 for a literal #` + "\n"},
		{[]string{"generate", "caddy-route", "--path", "/x/*", "--upstream", "a:1", "--upstream", "b:1", "--health-path", "/h{x}"},
			`no502: --health-path "/h{x}": "{" is not a character a request path may hold: percent-encode it (%7B)` + "\n"},
	} {
		out, stderr, code := runIn(t, t.TempDir(), "", c.args...)
		if code != 2 || out != "" || stderr != c.want {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %q\nwant:   %q", c.args, code, out, stderr, c.want)
		}
	}
	// What AWS accepts passes, quoted for HCL.
	out, _, code := runIn(t, t.TempDir(), "", "generate", "alb-target-group", "--name", "hooks", "--port", "8080", "--health-path", "/healthz?from=alb", "--handler-timeout", "30s", "--path", `/q/"x"/'y'/a&b/v?/*`)
	if code != 0 || !strings.Contains(out, `values = ["/q/\"x\"/'y'/a&b/v?/*"]`) || !strings.Contains(out, `path     = "/healthz?from=alb"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestLimitsOfOne: every limit flag takes 1, and its message counts in the singular
// ("more than 1 files" was printed for --max-files 1).
func TestLimitsOfOne(t *testing.T) {
	dir := writeTree16(t, map[string]string{
		"a/nginx.conf":      "events {}\nhttp { include conf.d/*.conf; server { location / { location /a/ { proxy_pass http://app.internal; } } } }\n",
		"a/conf.d/one.conf": "upstream u1 { server 10.0.0.1:80; }\n",
		"a/conf.d/two.conf": "upstream u2 { server 10.0.0.2:80; }\n",
		"b/many.yaml":       strings.Repeat("---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n", 2),
		"c/Caddyfile":       "(s) {\n\theader X-A 1\n\theader X-B 2\n}\n:80 {\n\timport s\n\treverse_proxy a:1 b:1\n}\n",
		"d/x.conf":          "events {}\nhttp { server { location / { proxy_pass http://a; } } }\n",
	})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-files", "1"}, "more than 1 file to lint; the rest are not linted (raise --max-files)"},
		{[]string{"--max-depth", "1", "a"}, "blocks nested deeper than 1 level"},
		{[]string{"--max-documents", "1", "b"}, "stopped after 1 YAML document; the rest"},
		{[]string{"--max-includes", "1", "a"}, "more than 1 included file; not followed"},
		{[]string{"--max-directives", "1", "c"}, "would hold more than 1 directive; the rest"},
		{[]string{"--max-file-size", "1", "d"}, "over the 1 byte limit; not linted"},
	} {
		out, stderr, code := runIn(t, dir, "", append([]string{"lint", "--no-color"}, c.args...)...)
		if code != 1 || !strings.Contains(out+stderr, c.want) {
			t.Errorf("%v: exit %d, want 1 and %q\nstdout: %s\nstderr: %s", c.args, code, c.want, out, stderr)
		}
	}
}

// TestFixSaysUnsafeFixesLeft: --fix and --diff without --unsafe-fixes say how many of
// the findings left have an unsafe fix the flag would write, as ruff counts its hidden
// fixes; "nothing to fix" alone hid them. With --unsafe-fixes nothing is added.
func TestFixSaysUnsafeFixesLeft(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          ports: [{containerPort: 8080}]\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n"
	dir := writeTree16(t, map[string]string{"k8s/web.yaml": deploy})
	_, stderr, _ := runIn(t, dir, "", "lint", "--diff", "--select", "single-replica")
	if want := "nothing to fix\n1 finding left has an unsafe fix (it changes behaviour you may rely on, such as replicas or a grace period): --diff --unsafe-fixes shows it too\n"; stderr != want {
		t.Errorf("--diff: stderr %q, want %q", stderr, want)
	}
	_, stderr, _ = runIn(t, dir, "", "lint", "--fix", "--select", "single-replica")
	if want := "nothing to fix\n1 finding left has an unsafe fix (it changes behaviour you may rely on, such as replicas or a grace period): review it and run --fix --unsafe-fixes to write it\n"; stderr != want {
		t.Errorf("--fix: stderr %q, want %q", stderr, want)
	}
	_, stderr, code := runIn(t, dir, "", "lint", "--fix", "--unsafe-fixes", "--select", "single-replica")
	if code != 0 || stderr != "fixed 1 finding in 1 file: k8s/web.yaml\n" {
		t.Errorf("--fix --unsafe-fixes: exit %d, stderr %q", code, stderr)
	}
}
