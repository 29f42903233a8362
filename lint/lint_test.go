package lint_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/parsers/load"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const single = "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; }\n    server {\n        listen 80;\n        location / { proxy_pass http://app; }\n    }\n}\n"

// A bad .no502.yaml stops the run as a UsageError (the CLI's exit 2), with its position.
func TestRunBadConfig(t *testing.T) {
	dir := writeTree(t, map[string]string{"nginx.conf": single, ".no502.yaml": "edge: sometimes\n"})
	_, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	var ue *lint.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), ".no502.yaml:1") {
		t.Fatalf("want a UsageError at .no502.yaml:1, got %v", err)
	}
}

// In named-file mode (as pre-commit runs it) only the named file counts and is reported,
// though its neighbour has the same mistake.
func TestRunNamedFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"nginx.conf": single, "other.conf": single})
	res, err := lint.Run(context.Background(), []string{"nginx.conf"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 1 || len(res.Findings) == 0 {
		t.Fatalf("files %d, findings %d", res.Files, len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.Pos.File != "nginx.conf" {
			t.Errorf("finding about a file not named: %s %s", f.Pos, f.Rule.ID)
		}
	}
}

// Fix settles in memory and writes only when asked; what is left is the final result.
func TestFix(t *testing.T) {
	conf := "events {}\nhttp {\n    server {\n        location /hooks/ {\n            proxy_pass http://app.internal:8080;\n            proxy_read_timeout 30s;\n        }\n    }\n}\n"
	dir := writeTree(t, map[string]string{"nginx.conf": conf, ".no502.yaml": "routes:\n  - match: /hooks/\n    handler_timeout: 90s\n"})
	fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	changes := fr.Changes()
	if len(changes) != 1 || changes[0].Path != "nginx.conf" || string(changes[0].Before) != conf {
		t.Fatalf("changes: %+v", changes)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "nginx.conf")); string(b) != conf {
		t.Fatal("Fix wrote before Write")
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "read-timeout-below-budget" {
			t.Errorf("still reported after the fix: %s", f.Message)
		}
	}
	if err := fr.Write(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	if string(b) != string(changes[0].After) || strings.Contains(string(b), "proxy_read_timeout 30s;") {
		t.Errorf("written:\n%s", b)
	}
	if !strings.HasPrefix(fr.Summary("fixed"), "fixed 1 finding in 1 file: nginx.conf") {
		t.Errorf("summary: %q", fr.Summary("fixed"))
	}
}

// One run reads one .no502.yaml. Paths governed by different configs (two services of
// a monorepo, as pre-commit names them together) are refused: the first path's config
// used to apply to all of them, so one service's budgets, rules: and suppress: judged
// the other's files, and the result depended on the order of the arguments.
func TestRunPathsWithDifferentConfigs(t *testing.T) {
	conf := "upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\nserver {\n    listen 80;\n    location /api/ { proxy_pass http://app; proxy_read_timeout 20s; }\n}\n"
	dir := writeTree(t, map[string]string{
		"svc-a/nginx.conf":  conf,
		"svc-a/other.conf":  conf,
		"svc-a/.no502.yaml": "routes:\n  - match: /api/\n    handler_timeout: 100s\n",
		"svc-b/nginx.conf":  conf,
		"svc-b/.no502.yaml": "rules:\n  read-timeout-below-budget: off\n",
	})
	for _, paths := range [][]string{{"svc-a/nginx.conf", "svc-b/nginx.conf"}, {"svc-b", "svc-a/nginx.conf"}} {
		_, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir})
		var ue *lint.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), filepath.Join("svc-a", ".no502.yaml")) || !strings.Contains(err.Error(), filepath.Join("svc-b", ".no502.yaml")) {
			t.Errorf("%v: want a UsageError naming both configs, got %v", paths, err)
		}
	}
	// Paths under one config, or an explicit --config, are one run as before.
	if _, err := lint.Run(context.Background(), []string{"svc-a/nginx.conf", "svc-a/other.conf"}, lint.Options{Cwd: dir}); err != nil {
		t.Errorf("one config: %v", err)
	}
	res, err := lint.Run(context.Background(), []string{"svc-a/nginx.conf", "svc-b/nginx.conf"}, lint.Options{Cwd: dir, ConfigPath: filepath.Join(dir, "svc-a", ".no502.yaml")})
	if err != nil || len(res.Findings) != 2 {
		t.Errorf("--config: %v, %d findings", err, len(res.Findings))
	}
}

// A path under no config and one under a config are governed differently too.
func TestRunPathsConfigAndNone(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"root.conf":         single,
		"svc-a/nginx.conf":  single,
		"svc-a/.no502.yaml": "rules:\n  single-upstream: off\n",
	})
	_, err := lint.Run(context.Background(), []string{"root.conf", "svc-a/nginx.conf"}, lint.Options{Cwd: dir})
	if err == nil || !strings.Contains(err.Error(), "no .no502.yaml") {
		t.Errorf("want a UsageError naming the missing config, got %v", err)
	}
}

// --write-baseline records the findings of the files it lints and keeps the entries of
// the files it did not (a named file, a subdirectory): rewriting the baseline from a
// partial run used to drop every other file's accepted findings, which then failed the
// next full run. Entries of files that no longer exist go.
func TestWriteBaselinePartialRunKeepsOtherFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.conf": single, "sub/b.conf": single, "gone.conf": single})
	if _, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, WriteBaseline: filepath.Join(dir, "bl.json")}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "gone.conf"))
	for _, paths := range [][]string{{"a.conf"}, {"sub"}} {
		res, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, WriteBaseline: filepath.Join(dir, "bl.json")})
		if err != nil || res.Known != 1 || len(res.Findings) != 0 {
			t.Fatalf("%v: %v, %d known, %d findings", paths, err, res.Known, len(res.Findings))
		}
		src, _ := os.ReadFile(filepath.Join(dir, "bl.json"))
		if !strings.Contains(string(src), `"file": "a.conf"`) || !strings.Contains(string(src), `"file": "sub/b.conf"`) || strings.Contains(string(src), "gone.conf") {
			t.Errorf("%v: baseline\n%s", paths, src)
		}
	}
	// A run of some rules rewrites only their entries.
	if _, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, Select: []string{"timeout"}, WriteBaseline: filepath.Join(dir, "bl.json")}); err != nil {
		t.Fatal(err)
	}
	b, err := baseline.ReadFile(filepath.Join(dir, "bl.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, Baseline: b, BaselinePath: filepath.Join(dir, "bl.json")})
	if err != nil || len(res.Findings) != 0 {
		t.Errorf("full run after partial rewrites: %d new findings", len(res.Findings))
	}
}

// Standard input named with --stdin-filename gets the config of that path, as the file
// would: an editor pipes svc-a/nginx.conf from the repository root, and svc-a's budgets
// must judge it.
func TestStdinUsesConfigOfItsName(t *testing.T) {
	conf := "upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\nserver {\n    listen 80;\n    location /api/ { proxy_pass http://app; proxy_read_timeout 20s; }\n}\n"
	dir := writeTree(t, map[string]string{
		"svc-a/nginx.conf":  conf,
		"svc-a/.no502.yaml": "routes:\n  - match: /api/\n    handler_timeout: 100s\n",
	})
	for _, name := range []string{"svc-a/nginx.conf", "svc-a/new.conf"} {
		res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, Load: load.Options{Stdin: []byte(conf), StdinName: name}})
		if err != nil || len(res.Findings) != 1 || res.Findings[0].Rule.ID != "read-timeout-below-budget" {
			t.Errorf("%s: %v, findings %v", name, err, res.Findings)
		}
	}
}

// A buffer piped with the name of a file on disk is linted as that named file with the
// buffer's text: with its context (the Service beside a Deployment), as pre-commit lints
// the file, and not with the text on disk.
func TestStdinOfAFileOnDiskHasItsContext(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: app\n          image: example/web:1.0\n          ports:\n            - name: http\n              containerPort: 8080\n          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n"
	svc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: http\n"
	dir := writeTree(t, map[string]string{"deploy.yaml": deploy, "svc.yaml": svc})
	buffer := strings.Replace(deploy, "replicas: 2", "replicas: 1", 1)
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, Load: load.Options{Stdin: []byte(buffer), StdinName: "deploy.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Rule.ID+"@"+f.Pos.Short())
	}
	if strings.Join(got, " ") != "single-replica@deploy.yaml:6" || res.Files != 1 {
		t.Errorf("files %d, findings %v; want single-replica@deploy.yaml:6", res.Files, got)
	}
}

// A directory run reads one config; a .no502.yaml below it that is not that config is
// named in a note, so that budgets and suppressions that silently do not apply are seen.
func TestRunNotesUnreadConfigs(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".no502.yaml":       "edge: none\n",
		"nginx.conf":        single,
		"svc-a/nginx.conf":  single,
		"svc-a/.no502.yaml": "rules:\n  single-upstream: off\n",
	})
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range res.Notes {
		if strings.Contains(n.Message, "not read") {
			notes = append(notes, n.String())
		}
	}
	want := filepath.Join("svc-a", ".no502.yaml") + ":1:1: info: not read: one run reads one .no502.yaml (this run: .no502.yaml); lint svc-a on its own, or name this file with --config, to apply it"
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q\nwant %q", notes, want)
	}
	// Linting svc-a reads its config: no note.
	res, err = lint.Run(context.Background(), []string{"svc-a"}, lint.Options{Cwd: dir})
	if err != nil || len(res.Notes) != 0 {
		t.Errorf("svc-a: %v, notes %v", err, res.Notes)
	}
}

// A directory given beside a file is linted whole: `no502 lint k8s/ nginx/nginx.conf`
// used to report only nginx.conf (the directory's findings were dropped), and a file
// named inside a directory also given counted as not linted ("nothing linted").
func TestRunDirectoryAndFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"a/one.conf": single, "a/two.conf": single, "b/nginx.conf": single})
	res, err := lint.Run(context.Background(), []string{"a", "b/nginx.conf"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, f := range res.Findings {
		files[f.Pos.File] = true
	}
	if res.Files != 3 || len(files) != 3 || res.NothingLinted != "" {
		t.Errorf("a + b/nginx.conf: files %d, findings in %v, nothing linted %q", res.Files, files, res.NothingLinted)
	}
	res, err = lint.Run(context.Background(), []string{"a", "a/one.conf"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 2 || len(res.Findings) != 2 || res.NothingLinted != "" {
		t.Errorf("a + a/one.conf: files %d, findings %d, nothing linted %q", res.Files, len(res.Findings), res.NothingLinted)
	}
}

// Only the named files no502 reads choose the config: pre-commit's files: pattern passes
// every YAML and JSON file, so a workflow file or package.json named beside a service's
// nginx.conf must neither pick its config (the first path's, before) nor conflict with it.
func TestRunConfigFromLintedFilesOnly(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"deploy/nginx.conf":        single,
		"deploy/.no502.yaml":       "rules:\n  single-upstream: error\n",
		".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
		"package.json":             "{\"name\": \"x\"}\n",
	})
	res, err := lint.Run(context.Background(), []string{".github/workflows/ci.yml", "package.json", "deploy/nginx.conf"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Severity.String() != "error" {
		t.Errorf("want the deploy config's error severity, got %v", res.Findings)
	}
}
