package suppress_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/config"
	"github.com/no502/no502/lint/suppress"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

// lintFiles writes files into a temporary directory, lints it, and applies suppressions.
func lintFiles(t *testing.T, files map[string]string, noIgnore bool) (m *parsers.Model, kept, unused []rules.Finding) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := rules.DefaultConfig()
	if src, ok := files[config.FileName]; ok {
		c, err := rules.ParseConfig(config.FileName, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		cfg = c
	}
	res, err := load.Load([]string{"."}, load.Options{Cwd: dir, Parse: parsers.Options{NginxVersion: cfg.NginxVersion.Value}})
	if err != nil {
		t.Fatal(err)
	}
	kept, unused = suppress.Apply(res.Model, cfg, rules.Run(res.Model, cfg), noIgnore)
	return res.Model, kept, unused
}

// ids lists "rule@file:line" for findings, sorted.
func ids(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule.ID+"@"+f.Pos.Short())
	}
	sort.Strings(out)
	return out
}

func eq(t *testing.T, what string, got []rules.Finding, want ...string) {
	t.Helper()
	g := ids(got)
	sort.Strings(want)
	if strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("%s: got %v, want %v", what, g, want)
		for _, f := range got {
			t.Logf("  %s: %s", f.Pos, f.Message)
		}
	}
}

// An nginx upstream with one IP server: single-upstream on the server line (5).
const nginxBad = `events {}
http {
    upstream app {
        # comment
        server 10.0.0.1:8080;%s
    }
    server {
        listen 80;
        location / { proxy_pass http://app; }
    }
}
`

func nginxDoc(eol string) string { return strings.Replace(nginxBad, "%s", eol, 1) }

func TestSuppressNginx(t *testing.T) {
	_, kept, unused := lintFiles(t, map[string]string{"nginx.conf": nginxDoc("")}, false)
	eq(t, "no suppression", kept, "single-upstream@nginx.conf:5")
	eq(t, "no suppression: unused", unused)

	_, kept, unused = lintFiles(t, map[string]string{"nginx.conf": nginxDoc("  # no502:ignore single-upstream -- one box on purpose")}, false)
	eq(t, "end of line", kept)
	eq(t, "end of line: unused", unused)

	// On the line before (the comment line 4 is skipped over: directives stack).
	src := strings.Replace(nginxDoc(""), "        # comment\n", "        # no502:ignore single-upstream\n        # no502:ignore no-retry-on-failure\n", 1)
	_, kept, unused = lintFiles(t, map[string]string{"nginx.conf": src}, false)
	eq(t, "line before", kept)
	eq(t, "line before: the second directive matches nothing", unused, "unused-suppression@nginx.conf:5")

	_, kept, unused = lintFiles(t, map[string]string{"nginx.conf": nginxDoc("  # no502:ignore single-upstream")}, true)
	eq(t, "--no-ignore", kept, "single-upstream@nginx.conf:5")
	eq(t, "--no-ignore: unused", unused)

	// Not a directive: the marker inside a quoted string, or after other comment text.
	for _, eol := range []string{` # see "no502:ignore single-upstream"`, ` # note no502:ignore single-upstream`, " # no502:ignored single-upstream"} {
		_, kept, _ = lintFiles(t, map[string]string{"nginx.conf": nginxDoc(eol)}, false)
		eq(t, "not a directive: "+eol, kept, "single-upstream@nginx.conf:5")
	}
}

func TestSuppressFileLevel(t *testing.T) {
	top := "# Legacy box, replaced in Q3.\n# no502:ignore-file single-upstream -- legacy\n\n"
	_, kept, unused := lintFiles(t, map[string]string{"nginx.conf": top + nginxDoc("")}, false)
	eq(t, "ignore-file", kept)
	eq(t, "ignore-file: unused", unused)

	// Below the top comment block it is not read, and says so.
	src := strings.Replace(nginxDoc(""), "        # comment\n", "        # no502:ignore-file single-upstream\n", 1)
	_, kept, unused = lintFiles(t, map[string]string{"nginx.conf": src}, false)
	eq(t, "misplaced ignore-file", kept, "single-upstream@nginx.conf:5")
	eq(t, "misplaced ignore-file: reported", unused, "unused-suppression@nginx.conf:4")
	if len(unused) == 1 && !strings.Contains(unused[0].Message, "top") {
		t.Errorf("message: %s", unused[0].Message)
	}

	// A bare ignore-file covers every rule.
	_, kept, unused = lintFiles(t, map[string]string{"nginx.conf": "# no502:ignore-file\n" + nginxDoc("")}, false)
	eq(t, "bare ignore-file", kept)
	eq(t, "bare ignore-file: unused", unused)
}

func TestSuppressUnused(t *testing.T) {
	// A typo and a stale ID: both reported, the finding stays.
	_, kept, unused := lintFiles(t, map[string]string{"nginx.conf": nginxDoc("  # no502:ignore single-upstreams")}, false)
	eq(t, "typo", kept, "single-upstream@nginx.conf:5")
	eq(t, "typo: reported", unused, "unused-suppression@nginx.conf:5")
	if len(unused) == 1 {
		u := unused[0]
		if u.Severity != rules.Info || !strings.Contains(u.Message, "`single-upstreams`, which no rule has (did you mean `single-upstream`? see no502 rules)") {
			t.Errorf("typo report: %v %s", u.Severity, u.Message)
		}
		if u.Pos.Col != 32 || u.Pos.EndLine != 5 {
			t.Errorf("typo report position: %+v", u.Pos)
		}
	}

	// One of two IDs matches: the fix keeps it and drops the other.
	src := nginxDoc("  # no502:ignore single-upstream, health-answered-by-proxy -- legacy")
	m, kept, unused := lintFiles(t, map[string]string{"nginx.conf": src}, false)
	eq(t, "partly stale", kept)
	eq(t, "partly stale: reported", unused, "unused-suppression@nginx.conf:5")
	if len(unused) == 1 {
		got := apply(t, m, unused[0].Fix)
		if want := strings.Replace(src, "single-upstream, health-answered-by-proxy", "single-upstream", 1); got != want {
			t.Errorf("fix gives\n%s\nwant\n%s", got, want)
		}
	}

	// A directive on a clean line: the fix removes the whole comment line.
	clean := strings.Replace(nginxDoc(""), "10.0.0.1:8080", "app.internal:8080", 1)
	src = strings.Replace(clean, "        # comment\n", "        # no502:ignore single-upstream\n", 1)
	m, kept, unused = lintFiles(t, map[string]string{"nginx.conf": src}, false)
	eq(t, "stale", kept)
	eq(t, "stale: reported", unused, "unused-suppression@nginx.conf:4")
	if len(unused) == 1 {
		if got := apply(t, m, unused[0].Fix); got != strings.Replace(clean, "        # comment\n", "", 1) {
			t.Errorf("fix gives\n%s", got)
		}
	}

	// End of line on a clean line: the fix removes the comment and the blanks before it.
	src = strings.Replace(clean, "app.internal:8080;", "app.internal:8080;  # no502:ignore single-upstream", 1)
	m, _, unused = lintFiles(t, map[string]string{"nginx.conf": src}, false)
	if len(unused) != 1 || apply(t, m, unused[0].Fix) != clean {
		t.Errorf("end-of-line removal: %v", ids(unused))
	}

	// Rules switched off in the config are not called stale; the rule itself can be off.
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": src, ".no502.yaml": "rules:\n  single-upstream: off\n"}, false)
	eq(t, "rule off", unused)
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": src, ".no502.yaml": "rules:\n  unused-suppression: off\n"}, false)
	eq(t, "unused-suppression off", unused)
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": src, ".no502.yaml": "rules:\n  unused-suppression: warning\n"}, false)
	if len(unused) != 1 || unused[0].Severity != rules.Warning {
		t.Errorf("severity override: %v", unused)
	}

	// A file that did not parse has no findings; its directives are not blamed.
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": "# no502:ignore single-upstream\nhttp {\n"}, false)
	eq(t, "broken file", unused)

	// Nor are the directives of the files that did parse: the broken file may hold what
	// makes their findings (the Service in front of a Deployment), so `--fix` would
	// delete a suppression that the next run, with the file repaired, needs. A rule ID no
	// rule has is still wrong.
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": src, "other.conf": "http {\n"}, false)
	eq(t, "another file broken", unused)
	typo := strings.Replace(src, "single-upstream", "single-upstreams", 1)
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": typo, "other.conf": "http {\n"}, false)
	eq(t, "another file broken: typo", unused, "unused-suppression@nginx.conf:5")

	// A bare no502:ignore covers every rule, those switched off too (`rules: off`,
	// --ignore, not in --select): it may match a finding of one of them in a run where
	// it is on, so it is not called stale either.
	bare := strings.Replace(clean, "app.internal:8080;", "app.internal:8080;  # no502:ignore", 1)
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": bare}, false)
	eq(t, "bare, every rule on", unused, "unused-suppression@nginx.conf:5")
	_, _, unused = lintFiles(t, map[string]string{"nginx.conf": bare, ".no502.yaml": "rules:\n  pdb-missing: off\n"}, false)
	eq(t, "bare, a rule off", unused)
}

// apply applies a fix's edits to its file and returns the result.
func apply(t *testing.T, m *parsers.Model, fix *rules.Fix) string {
	t.Helper()
	if fix == nil || len(fix.Edits) != 1 {
		t.Fatalf("want one edit, got %+v", fix)
	}
	e := fix.Edits[0]
	src := m.File(e.File).Src
	return string(src[:e.Start]) + e.New + string(src[e.End:])
}

func TestSuppressCaddy(t *testing.T) {
	src := "example.com {\n\treverse_proxy 10.0.0.5:8080 # no502:ignore single-upstream\n\treverse_proxy /b/* 10.0.0.6:8080\n}\n"
	_, kept, unused := lintFiles(t, map[string]string{"Caddyfile": src}, false)
	eq(t, "caddy", kept, "single-upstream@Caddyfile:3")
	eq(t, "caddy: unused", unused)
}

func TestSuppressTerraform(t *testing.T) {
	tf := `resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    // no502:ignore health-check-disabled -- batch workers, no HTTP
    enabled = false
    path    = "/"
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b#c"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = false # no502:ignore health-check-disabled
  }
}

resource "aws_lb_target_group" "c" {
  name     = "c"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = false
  }
}
`
	_, kept, unused := lintFiles(t, map[string]string{"main.tf": tf}, false)
	eq(t, "terraform", kept, "health-check-disabled@main.tf:29")
	eq(t, "terraform: unused", unused)
}

const k8sDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web%s
spec:
  replicas: 1%s
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: example/web:1.0
          ports:
            - name: http
              containerPort: 8080
          lifecycle:
            preStop:
              sleep:
                seconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /ready
              port: http
            failureThreshold: 6
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
`

func k8sDoc(meta, replicas string) string {
	s := strings.Replace(k8sDeploy, "%s", meta, 1)
	return strings.Replace(s, "%s", replicas, 1)
}

func TestSuppressKubernetes(t *testing.T) {
	_, kept, _ := lintFiles(t, map[string]string{"app.yaml": k8sDoc("", "")}, false)
	eq(t, "k8s baseline", kept, "single-replica@app.yaml:6")

	_, kept, unused := lintFiles(t, map[string]string{"app.yaml": k8sDoc("", "  # no502:ignore single-replica -- singleton by design")}, false)
	eq(t, "k8s comment", kept)
	eq(t, "k8s comment: unused", unused)

	ann := "\n  annotations:\n    no502.dev/ignore: \"single-replica,pdb-missing\""
	_, kept, unused = lintFiles(t, map[string]string{"app.yaml": k8sDoc(ann, "")}, false)
	eq(t, "k8s annotation", kept)
	eq(t, "k8s annotation: pdb-missing matches nothing", unused, "unused-suppression@app.yaml:6")
	if len(unused) == 1 && !strings.Contains(unused[0].Message, "`pdb-missing` matches no finding in this object (lines 1-35)") {
		t.Errorf("message: %s", unused[0].Message)
	}

	// The annotation covers only its own object: on the Service it hides nothing.
	svcAnn := strings.Replace(k8sDoc("", ""), "  name: web\nspec:\n  selector", "  name: web\n  annotations:\n    no502.dev/ignore: single-replica\nspec:\n  selector", 1)
	_, kept, unused = lintFiles(t, map[string]string{"app.yaml": svcAnn}, false)
	eq(t, "annotation on another object", kept, "single-replica@app.yaml:6")
	eq(t, "annotation on another object: unused", unused, "unused-suppression@app.yaml:40")
}

// A comment in a ConfigMap applies to the nginx.conf embedded in it, whose findings
// carry positions in the ConfigMap.
func TestSuppressEmbedded(t *testing.T) {
	cm := `apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy%s
data:
  nginx.conf: |
    events {}
    http {
      upstream app {
        server 10.0.0.1:8080;%s
      }
      server {
        location / { proxy_pass http://app; }
      }
    }
`
	mk := func(meta, eol string) string {
		return strings.Replace(strings.Replace(cm, "%s", meta, 1), "%s", eol, 1)
	}
	_, kept, _ := lintFiles(t, map[string]string{"cm.yaml": mk("", "")}, false)
	eq(t, "embedded", kept, "single-upstream@cm.yaml:10")

	_, kept, unused := lintFiles(t, map[string]string{"cm.yaml": mk("", " # no502:ignore single-upstream")}, false)
	eq(t, "embedded comment", kept)
	eq(t, "embedded comment: unused", unused)

	_, kept, unused = lintFiles(t, map[string]string{"cm.yaml": mk("\n  annotations:\n    no502.dev/ignore: single-upstream", "")}, false)
	eq(t, "embedded annotation", kept)
	eq(t, "embedded annotation: unused", unused)
}

// A comment that reads like a suppression but is not one no502 reads (another case, a
// space after the colon, a typo, a block comment) hides nothing; it is reported, so the
// user learns why the finding is still there, as ruff reports an invalid `# noqa`.
// Prose that mentions the marker is not.
func TestSuppressMalformed(t *testing.T) {
	for _, eol := range []string{
		"  # NO502:IGNORE single-upstream",
		"  # no502: ignore single-upstream",
		"  # no502:ignore=single-upstream",
		"  # no502:ignore-files single-upstream",
		"  # no502:ignored",
		"  # no502 ignore single-upstream",
	} {
		_, kept, unused := lintFiles(t, map[string]string{"nginx.conf": nginxDoc(eol)}, false)
		eq(t, eol, kept, "single-upstream@nginx.conf:5")
		eq(t, eol+": reported", unused, "unused-suppression@nginx.conf:5")
		if len(unused) == 1 {
			if u := unused[0]; !strings.Contains(u.Message, "is not a suppression no502 reads") || u.Fix != nil || u.Pos.Col != 32 {
				t.Errorf("%s: %s %+v", eol, u.Message, u.Pos)
			}
		}
	}
	_, kept, unused := lintFiles(t, map[string]string{"nginx.conf": nginxDoc("  # see the no502:ignore docs")}, false)
	eq(t, "prose", kept, "single-upstream@nginx.conf:5")
	eq(t, "prose: not reported", unused)

	// Terraform's block comments are not read.
	tf := "resource \"aws_lb_target_group\" \"a\" {\n  name     = \"a\"\n  port     = 8080\n  protocol = \"HTTP\"\n  health_check {\n    enabled = false /* no502:ignore health-check-disabled */\n    path    = \"/\"\n  }\n}\n"
	_, kept, unused = lintFiles(t, map[string]string{"main.tf": tf}, false)
	eq(t, "block comment", kept, "health-check-disabled@main.tf:6")
	eq(t, "block comment: reported", unused, "unused-suppression@main.tf:6")
}
