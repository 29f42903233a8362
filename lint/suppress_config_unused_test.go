package lint_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

const unusedDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: app
          image: app:1
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: api-svc
  namespace: web
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
`

// configUnused returns the unused-suppression findings of a run that point into
// .no502.yaml.
func configUnused(t *testing.T, res *lint.Result) []rules.Finding {
	t.Helper()
	var out []rules.Finding
	for _, f := range res.Findings {
		if f.Rule.ID == rules.UnusedSuppressionID && strings.HasSuffix(f.Pos.File, ".no502.yaml") {
			out = append(out, f)
		}
	}
	return out
}

// A suppress: entry that names nothing in the linted tree (a path glob no file matches, a
// kind, namespace or name no object has) hides nothing: it is reported as an
// unused-suppression finding at the value in .no502.yaml, as an unused no502:ignore
// comment is at the comment, with the nearest path or value the tree has.
func TestSuppressEntryMatchingNothing(t *testing.T) {
	cfg := `suppress:
  - path: k8z/**
    rules: [single-replica]
  - path: "k8s/app.yaml"
  - kind: Deploymnt
  - kind: Deployment
    namespace: kube-system
  - path: nginx/*
    kind: Deployment
  - kind: Service
    name: api-svc
    namespace: web
    rules: [single-replica]
  - path: k8s/**
    rules: [pdb-missing]
  - name: "ap?"
    namespace: "*"
  - kind: Deployment
    name: api
    namespace: default
  - kind: Service
    name: api
    namespace: "w*"
`
	dir := writeTree(t, map[string]string{
		".no502.yaml":  cfg,
		"k8s/api.yaml": unusedDeploy,
		"nginx/a.conf": single,
	})
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		line, col, endCol int32
		msg               string
	}
	wants := []want{
		{2, 11, 17, "suppress entry: path `k8z/**` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of .no502.yaml; did you mean `k8s/**`?), or remove the entry."},
		{4, 11, 25, "path `k8s/app.yaml` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of .no502.yaml; did you mean `k8s/api.yaml`?)"},
		{5, 11, 20, "kind `Deploymnt` matches no Kubernetes object in the linted files (did you mean `Deployment`?), so the entry hides nothing"},
		{7, 16, 27, "namespace `kube-system` matches no Kubernetes object in the linted files, so the entry hides nothing"},
		{9, 11, 21, "there is no Kubernetes object in the files path `nginx/*` matches, so kind `Deployment` matches nothing"},
		{20, 16, 23, "namespace `default` matches no Kubernetes object in the linted files"},
		{21, 11, 18, "no Kubernetes object in the linted files has kind `Service`, namespace `w*` and name `api` together"},
	}
	got := configUnused(t, res)
	if len(got) != len(wants) {
		for _, f := range got {
			t.Logf("%s: %s", f.Pos, f.Message)
		}
		t.Fatalf("got %d findings in .no502.yaml, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		f := got[i]
		if f.Pos.Line != w.line || f.Pos.Col != w.col || f.Pos.EndLine != w.line || f.Pos.EndCol != w.endCol || f.Severity != parsers.Info || !strings.Contains(f.Message, w.msg) {
			t.Errorf("finding %d: %s (%s): %s\nwant %d:%d-%d info: %s", i, f.Pos, f.Severity, f.Message, w.line, w.col, w.endCol, w.msg)
		}
	}
}

// The entries are judged only when the run covers the config's directory and reports
// for every file there: a named-file run (pre-commit) or a run of a subdirectory may
// not see the file a glob names. --no-ignore reports no suppression; the rule's severity
// is the config's, and off turns it off.
func TestSuppressEntryMatchingNothingWhenJudged(t *testing.T) {
	files := map[string]string{
		".no502.yaml":  "suppress:\n  - path: k8z/**\n",
		"k8s/api.yaml": unusedDeploy,
		"nginx/a.conf": single,
	}
	dir := writeTree(t, files)
	cfgPath := filepath.Join(dir, ".no502.yaml")
	for name, tc := range map[string]struct {
		paths []string
		opts  lint.Options
		want  int
	}{
		"directory run":   {nil, lint.Options{}, 1},
		"config's dir":    {[]string{"."}, lint.Options{}, 1},
		"named file":      {[]string{"k8s/api.yaml"}, lint.Options{}, 0},
		"subdirectory":    {[]string{"k8s"}, lint.Options{ConfigPath: cfgPath}, 0},
		"--no-ignore":     {nil, lint.Options{NoIgnore: true}, 0},
		"--strict":        {nil, lint.Options{Strict: true}, 1},
		"ignore the rule": {nil, lint.Options{Ignore: []string{"unused-suppression"}}, 0},
	} {
		tc.opts.Cwd = dir
		res, err := lint.Run(context.Background(), tc.paths, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := len(configUnused(t, res)); got != tc.want {
			t.Errorf("%s: %d findings in .no502.yaml, want %d", name, got, tc.want)
		}
	}
	for sev, want := range map[string]int{"off": 0, "warning": 1} {
		files[".no502.yaml"] = "rules:\n  unused-suppression: " + sev + "\nsuppress:\n  - path: k8z/**\n"
		res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: writeTree(t, files)})
		if err != nil {
			t.Fatal(err)
		}
		got := configUnused(t, res)
		if len(got) != want || want == 1 && (got[0].Severity != parsers.Warning || got[0].Pos.Line != 4) {
			t.Errorf("unused-suppression: %s: %v", sev, got)
		}
	}
}

// A file that did not parse is still a file a glob can name; objects are not judged
// when a file did not parse (it may hold them), and a file that ignore: leaves out is
// not linted, so an entry naming only it is reported. A directory that a directory run
// does not descend into (vendor/, node_modules/, a hidden one) is linted when its files
// are named (pre-commit names them): an entry for it is not reported.
func TestSuppressEntryMatchingNothingBrokenAndIgnored(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".no502.yaml":     "ignore: [legacy/**]\nsuppress:\n  - path: broken.conf\n  - kind: Deploymnt\n  - path: legacy/**\n",
		"broken.conf":     "http { server {\n",
		"k8s/api.yaml":    unusedDeploy,
		"legacy/old.conf": single,
	})
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := configUnused(t, res)
	if len(got) != 1 || got[0].Pos.Line != 5 || !strings.Contains(got[0].Message, "path `legacy/**` matches no file this run lints") {
		t.Errorf("got %v", got)
	}
}
