package rules_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// lintCaddyDir lints dir through the real loader (the caddy-* directories' want
// comments are checked by TestTestdata; the tests here look at the fixes).
func lintCaddyDir(t *testing.T, dir string) (*parsers.Model, []rules.Finding) {
	t.Helper()
	return rulestest.Lint(t, dir)
}

// fixOf lints src and returns the fix of the first finding of rule id.
func fixOf(t *testing.T, src, yaml, id string) (*parsers.Model, *rules.Fix) {
	t.Helper()
	cfg := rules.DefaultConfig()
	if yaml != "" {
		c, err := rules.ParseConfig(".no502.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		cfg = c
	}
	m := caddy.Parse([]parsers.Input{{Path: "Caddyfile", Abs: "/fix/Caddyfile", Src: []byte(src)}}, parsers.Options{})
	for _, f := range rules.Run(m, cfg) {
		if f.Rule.ID == id {
			if f.Fix == nil {
				t.Fatalf("%s: no fix", id)
			}
			return m, f.Fix
		}
	}
	if rules.Lookup(id) == nil {
		t.Skipf("rule %s not registered yet", id)
	}
	t.Fatalf("no %s finding", id)
	return nil, nil
}

// applyAndRelint applies a fix's edits and checks the rule no longer fires.
func applyAndRelint(t *testing.T, src, yaml, id string, fix *rules.Fix) string {
	t.Helper()
	out := string(parsers.ApplyEdits([]byte(src), fix.Edits))
	cfg := rules.DefaultConfig()
	if yaml != "" {
		cfg, _ = rules.ParseConfig(".no502.yaml", []byte(yaml))
	}
	m := caddy.Parse([]parsers.Input{{Path: "Caddyfile", Abs: "/fix/Caddyfile", Src: []byte(out)}}, parsers.Options{})
	for _, d := range m.Diags {
		t.Errorf("fixed file does not parse: %s\n%s", d, out)
	}
	for _, f := range rules.Run(m, cfg) {
		if f.Rule.ID == id {
			t.Errorf("%s still fires after the fix: %s\n%s", id, f.Message, out)
		}
	}
	return out
}

func TestCaddyFixes(t *testing.T) {
	cases := []struct {
		name, id, yaml, src, snippet, fixed string
	}{
		{
			name:    "retry on a one-line reverse_proxy",
			id:      "no-retry-on-failure",
			src:     "example.com {\n\treverse_proxy app-1:8080 app-2:8080 {\n\t\thealth_uri /healthz\n\t}\n}\n",
			snippet: "reverse_proxy app-1:8080 app-2:8080 {\n\thealth_uri /healthz\n\tlb_try_duration 5s\n}\n",
		},
		{
			name:    "passive health on a one-liner",
			id:      "dead-upstream-in-rotation",
			src:     "example.com {\n\treverse_proxy app-1:8080 app-2:8080\n}\n",
			snippet: "reverse_proxy app-1:8080 app-2:8080 {\n\tfail_duration 30s\n}\n",
		},
		{
			name: "read timeout replaced in transport",
			id:   "read-timeout-below-budget",
			yaml: "routes:\n  - match: /webhooks/\n    handler_timeout: 90s\n",
			src:  "example.com {\n\treverse_proxy /webhooks/* app:8080 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s # too short\n\t\t}\n\t}\n}\n",
		},
		{
			name: "read timeout added with a transport block",
			id:   "read-timeout-below-budget",
			yaml: "routes:\n  - match: /webhooks/\n    handler_timeout: 90s\n",
			src:  "example.com {\n\treverse_proxy /webhooks/* app:8080 {\n\t\ttransport http {\n\t\t\tread_timeout 10s\n\t\t}\n\t}\n}\n",
		},
		{
			name: "edge: lower the header timeout",
			id:   "edge-timeout-exceeded",
			yaml: "edge: cloudflare\n",
			src:  "{\n\tgrace_period 10s\n\tshutdown_delay 5s\n}\nexample.com {\n\treverse_proxy app:8080 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 300s\n\t\t}\n\t}\n}\n",
		},
		// "health answered by Caddy" needs a load balancer that checks the path (issue 17):
		// TestHealthAnsweredByCaddyFix checks that fix on testdata/caddy-health-respond.
		{
			name:  "shutdown without a global block",
			id:    "proxy-shutdown-unbounded",
			yaml:  "edge: cloudflare\n",
			src:   "example.com {\n\treverse_proxy app:8080\n}\n",
			fixed: "{\n\tgrace_period 20s\n\tshutdown_delay 5s\n}\n\nexample.com {\n\treverse_proxy app:8080\n}\n",
		},
		{
			name:  "shutdown with a global block",
			id:    "proxy-shutdown-unbounded",
			yaml:  "edge: cloudflare\n",
			src:   "{\n\tgrace_period 10s\n\temail a@b.c\n}\nexample.com {\n\treverse_proxy app:8080\n}\n",
			fixed: "{\n\tgrace_period 10s\n\temail a@b.c\n\tshutdown_delay 5s\n}\nexample.com {\n\treverse_proxy app:8080\n}\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fix := fixOf(t, c.src, c.yaml, c.id)
			if len(fix.Edits) == 0 {
				t.Fatalf("no edits: %+v", fix)
			}
			if c.snippet != "" && c.id != "health-answered-by-proxy" && fix.Snippet != c.snippet {
				t.Errorf("snippet:\n%s\nwant:\n%s", fix.Snippet, c.snippet)
			}
			out := applyAndRelint(t, c.src, c.yaml, c.id, fix)
			if c.fixed != "" && out != c.fixed {
				t.Errorf("fixed file:\n%s\nwant:\n%s", out, c.fixed)
			}
			t.Logf("%s\n%s", fix.Description, fix.Snippet)
		})
	}
}

func TestCaddyAddTargetFix(t *testing.T) {
	_, fix := fixOf(t, "example.com {\n\treverse_proxy 10.0.0.5:8080\n}\n", "", "single-upstream")
	if fix.Snippet != "reverse_proxy 10.0.0.5:8080 second-instance:8080\n" || len(fix.Edits) != 0 {
		t.Errorf("fix: %+v", fix)
	}
}

// TestCaddyTestdataFixesClear applies every fix with edits found in testdata/caddy-*/
// (and the cross-layer cases with a Caddyfile, testdata/xl-*caddy*) to a copy of the
// file and lints again: the finding must go, the file must still parse, and the real
// Caddy must accept it.
func TestCaddyTestdataFixesClear(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/caddy-*")
	xl, _ := filepath.Glob("testdata/xl-*caddy*")
	dirs = append(dirs, xl...)
	for _, dir := range dirs {
		m0, findings := lintCaddyDir(t, dir)
		// As lint --fix does: a Caddyfile held in a ConfigMap is edited in the manifest.
		rules.ResolveEdits(m0, findings)
		for _, f := range findings {
			if f.Fix == nil || len(f.Fix.Edits) == 0 {
				continue
			}
			f := f
			t.Run(filepath.Base(dir)+"/"+f.Rule.ID, func(t *testing.T) {
				tmp := t.TempDir()
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
					os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644)
				}
				file := f.Fix.Edits[0].File
				old, err := os.ReadFile(filepath.Join(tmp, file))
				if err != nil {
					t.Fatal(err)
				}
				fixed := parsers.ApplyEdits(old, f.Fix.Edits)
				os.WriteFile(filepath.Join(tmp, file), fixed, 0o644)
				m, after := lintCaddyDir(t, tmp)
				for _, d := range m.Diags {
					if d.Severity == parsers.Error {
						t.Errorf("fixed file does not parse: %s\n%s", d, fixed)
					}
				}
				count := func(fs []rules.Finding) int {
					n := 0
					for _, x := range fs {
						if x.Rule.ID == f.Rule.ID && x.Pos.File == f.Pos.File {
							n++
						}
					}
					return n
				}
				if count(after) >= count(findings) {
					t.Errorf("%s still reported after the fix:\n%s", f.Rule.ID, fixed)
				}
				// The real Caddy must accept the fixed file (when it is installed).
				// Skipped when this Caddy already rejects the original (an older Caddy
				// without an option the testdata uses).
				// A Caddyfile held in a ConfigMap is checked as the entry it is.
				orig, edited := filepath.Join(dir, file), filepath.Join(tmp, file)
				if strings.HasSuffix(file, ".yaml") {
					orig = extractCaddyfile(t, orig, filepath.Join(tmp, "orig.Caddyfile"))
					edited = extractCaddyfile(t, edited, filepath.Join(tmp, "fixed.Caddyfile"))
				}
				if bin, err := exec.LookPath("caddy"); err == nil && caddyAccepts(bin, orig) {
					out, err := exec.Command(bin, "adapt", "--config", edited, "--adapter", "caddyfile").CombinedOutput()
					if err != nil {
						t.Errorf("caddy adapt rejects the fixed file: %v\n%s\n%s", err, out, fixed)
					}
				}
			})
		}
	}
}

// extractCaddyfile writes the Caddyfile entry of the ConfigMap in manifest to out.
func extractCaddyfile(t *testing.T, manifest, out string) string {
	t.Helper()
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: no ConfigMap with a Caddyfile (%v)", manifest, err)
		}
		if c, ok := doc.Data["Caddyfile"]; ok && doc.Kind == "ConfigMap" {
			os.WriteFile(out, []byte(c), 0o644)
			return out
		}
	}
}

func caddyAccepts(bin, path string) bool {
	return exec.Command(bin, "adapt", "--config", path, "--adapter", "caddyfile").Run() == nil
}
