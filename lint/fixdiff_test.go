package lint_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/lint"
)

// The differential fix suite (issue 16): for every testdata case the real tools accept,
// --fix (with --unsafe-fixes) leaves files they still accept, --diff shows what --fix
// writes, a second --fix changes nothing, and nginx's own view of the config (nginx -T)
// differs only in lines of the directives the fixes write.

// tool finds an outside binary; without it the check is skipped, except under CI=true.
func tool(t *testing.T, name string, more ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range more {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must not skip the differential fix suite", name)
	}
	t.Skipf("%s not installed: skipping", name)
	return ""
}

// nginxView runs nginx -T on dir/nginx.conf: the whole config as nginx reads it, or an
// error when nginx rejects it. The test machine resolves none of the testdata's upstream
// host names, so nginx reads a copy in which each name it cannot find is 127.0.0.1 (the
// same names before and after the fixes: hosts collects them).
func nginxView(bin, dir string, hosts map[string]bool) (string, error) {
	for try := 0; try < 50; try++ {
		view, err := os.MkdirTemp("", "nginx-view")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(view)
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if info.IsDir() {
				return os.MkdirAll(filepath.Join(view, rel), 0o755)
			}
			src, _ := os.ReadFile(p)
			text := string(src)
			for h := range hosts {
				text = strings.ReplaceAll(text, h, "127.0.0.1")
			}
			return os.WriteFile(filepath.Join(view, rel), []byte(text), 0o644)
		})
		cmd := exec.Command(bin, "-T", "-q", "-p", view, "-c", filepath.Join(view, "nginx.conf"), "-e", "stderr", "-g", "pid "+filepath.Join(view, "nginx.pid")+";")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err == nil {
			return strings.ReplaceAll(out.String(), view, dir), nil
		}
		msg := errb.String()
		_, rest, ok := strings.Cut(msg, "host not found in upstream \"")
		if !ok {
			return "", errors.New(msg)
		}
		host, _, _ := strings.Cut(rest, "\"")
		host, _, _ = strings.Cut(host, ":")
		if hosts[host] || host == "" {
			return "", errors.New(msg)
		}
		hosts[host] = true
	}
	return "", errors.New("too many unknown hosts")
}

func caddyView(bin, dir string) (string, error) {
	out, err := exec.Command(bin, "adapt", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return string(out), nil
}

// yamlView decodes every document of every YAML file.
func yamlView(dir string) (string, error) {
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".no502.yaml") {
			return err
		}
		src, _ := os.ReadFile(p)
		dec := yaml.NewDecoder(bytes.NewReader(src))
		for {
			var v any
			if err := dec.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				return err
			}
		}
		b.WriteString(p)
		return nil
	})
	return b.String(), err
}

func copyTree(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// changedLines lists the lines of b not in a and of a not in b.
func changedLines(a, b string) []string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[strings.TrimSpace(l)]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[strings.TrimSpace(l)]--
	}
	var out []string
	for l, n := range count {
		if n != 0 && l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func TestDifferentialFixes(t *testing.T) {
	nginx := tool(t, "nginx", "/usr/sbin/nginx")
	caddy := tool(t, "caddy")
	cases, _ := filepath.Glob("../rules/testdata/*")
	checked, caddyCompared := 0, 0
	for _, c := range cases {
		if st, err := os.Stat(c); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(c)
		var view func(dir string) (string, error)
		switch {
		case fileExists(filepath.Join(c, "nginx.conf")):
			hosts := map[string]bool{}
			view = func(dir string) (string, error) { return nginxView(nginx, dir, hosts) }
		case fileExists(filepath.Join(c, "Caddyfile")):
			view = func(dir string) (string, error) { return caddyView(caddy, dir) }
		default:
			view = yamlView
		}
		t.Run(name, func(t *testing.T) {
			dir := copyTree(t, c)
			before, err := view(dir)
			if err != nil {
				t.Skipf("the real tool rejects the case as written: %.200s", err)
			}
			var caddyBefore any
			if fileExists(filepath.Join(dir, "Caddyfile")) {
				if caddyBefore, err = caddyJSON(caddy, filepath.Join(dir, "Caddyfile")); err != nil {
					t.Fatalf("caddy adapt prints no JSON: %v", err)
				}
			}
			opts := lint.Options{Cwd: dir, UnsafeFixes: true}
			fr, err := lint.Fix(context.Background(), nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fr.Final.Findings {
				if why := checkRejection(f.Fix); why != "" {
					t.Errorf("%s: %s: a plain lint shows this fix with its edits, --fix rejects it: %s", f.Pos.Short(), f.Rule.ID, why)
				}
			}
			shown := fr.Changes()
			if err := fr.Write(); err != nil {
				t.Fatal(err)
			}
			for _, ch := range shown {
				got, _ := os.ReadFile(filepath.Join(dir, ch.Path))
				if string(got) != string(ch.After) {
					t.Errorf("%s: --diff shows other text than --fix writes", ch.Path)
				}
			}
			after, err := view(dir)
			if err != nil {
				t.Fatalf("the real tool rejects the fixed files: %s", err)
			}
			if fileExists(filepath.Join(dir, "nginx.conf")) {
				// nginx's own view differs only in lines of directives the fixes write.
				names := map[string]bool{"#": true, "}": true, "{": true}
				for _, w := range lint.FixedDirectives(fr) {
					names[w] = true
				}
				if names["proxy_pass"] {
					names["return"] = true // the health fix replaces a return with a proxy_pass
				}
				for _, l := range changedLines(before, after) {
					ok := strings.HasPrefix(l, "#")
					for _, w := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ';' || r == '=' || r == '\t' }) {
						ok = ok || names[w]
					}
					if !ok {
						t.Errorf("nginx -T changed a line no fix names: %q", l)
					}
				}
			}
			if caddyBefore != nil {
				// caddy adapt's JSON differs only at the paths of the settings the fixes
				// write.
				caddyAfter, err := caddyJSON(caddy, filepath.Join(dir, "Caddyfile"))
				if err != nil {
					t.Fatal(err)
				}
				names := map[string]bool{}
				for _, w := range lint.FixedDirectives(fr) {
					names[w] = true
				}
				for _, d := range jsonChanges(caddyBefore, caddyAfter, caddyJSONKeys(names)) {
					t.Errorf("caddy adapt's JSON changed where no fix says (%v): %s", lint.FixedDirectives(fr), d)
				}
				if len(shown) > 0 {
					caddyCompared++
				}
			}
			again, err := lint.Fix(context.Background(), nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Changes()) > 0 {
				t.Errorf("a second --fix changes %s", again.Changes()[0].Path)
			}
			checked++
		})
	}
	if checked == 0 {
		t.Fatal("no testdata case was checked")
	}
	if caddyCompared == 0 {
		t.Error("no Caddy fix had its caddy adapt JSON compared")
	}
	t.Logf("%d testdata cases checked, %d Caddy fixes compared in caddy adapt's JSON", checked, caddyCompared)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

const corpusRoot = "../../shared/corpus"
