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
)

// perConfigTree is a monorepo with a .no502.yaml per service: svc-a declares a 100s
// handler budget for /api/ (so its 20s proxy_read_timeout is a finding), svc-b turns
// that rule off, svc-b/sub turns single-upstream off.
func perConfigTree(t *testing.T) string {
	conf := "upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\nserver {\n    listen 80;\n    location /api/ { proxy_pass http://app; proxy_read_timeout 20s; }\n}\n"
	return writeTree(t, map[string]string{
		"svc-a/nginx.conf":      conf,
		"svc-a/.no502.yaml":     "routes:\n  - match: /api/\n    handler_timeout: 100s\n",
		"svc-b/nginx.conf":      conf,
		"svc-b/.no502.yaml":     "rules:\n  read-timeout-below-budget: off\n",
		"svc-b/sub/single.conf": single,
		"svc-b/sub/.no502.yaml": "rules:\n  single-upstream: off\n",
		"root.conf":             single,
	})
}

// With PerConfig (what `no502 lint` sets), paths that different configs govern are linted
// in one run per config and the results merged: pre-commit names the files of several
// services in one invocation, and each file is judged by its own service's config, in
// whatever order the paths come.
func TestPerConfigRunsEachConfig(t *testing.T) {
	dir := perConfigTree(t)
	for _, paths := range [][]string{
		{"svc-a/nginx.conf", "svc-b/nginx.conf", "svc-b/sub/single.conf", "root.conf"},
		{"root.conf", "svc-b/sub/single.conf", "svc-b/nginx.conf", "svc-a/nginx.conf"},
		{"svc-b/sub", "svc-a", "svc-b/nginx.conf", "root.conf"},
	} {
		res, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true})
		if err != nil {
			t.Fatalf("%v: %v", paths, err)
		}
		var got []string
		for _, f := range res.Findings {
			got = append(got, f.Pos.File+" "+f.Rule.ID)
		}
		want := "root.conf single-upstream, svc-a/nginx.conf read-timeout-below-budget"
		if strings.Join(got, ", ") != want {
			t.Errorf("%v: findings %q, want %q", paths, strings.Join(got, ", "), want)
		}
		if res.Files != 4 {
			t.Errorf("%v: %d files, want 4", paths, res.Files)
		}
		if res.Model.File("svc-a/nginx.conf") == nil || res.Model.File("root.conf") == nil {
			t.Errorf("%v: the merged model lacks a group's files (the outputs read their text from it)", paths)
		}
	}
	// Without PerConfig (no502 init and graph, which read one config) they stay refused.
	if _, err := lint.Run(context.Background(), []string{"svc-a/nginx.conf", "svc-b/nginx.conf"}, lint.Options{Cwd: dir}); err == nil {
		t.Error("without PerConfig: want a UsageError")
	}
	// A named config applies to every path, as before.
	res, err := lint.Run(context.Background(), []string{"svc-a/nginx.conf", "svc-b/nginx.conf"}, lint.Options{Cwd: dir, PerConfig: true, ConfigPath: filepath.Join(dir, "svc-a", ".no502.yaml")})
	if err != nil || len(res.Findings) != 2 {
		t.Errorf("--config: %v, %d findings, want 2", err, len(res.Findings))
	}
}

// A directory and a file inside it that another config governs: the walk finds that
// config, so the directory is split by config and the file is linted once, by its own
// (svc-b/sub turns single-upstream off). Where the walk cannot see the other config (a
// hidden directory, which a directory run skips), the directory would be read with its
// own config while the file named in it has another: refused, naming both.
func TestPerConfigOverlap(t *testing.T) {
	dir := perConfigTree(t)
	for _, paths := range [][]string{{"svc-b", "svc-b/sub/single.conf"}, {"svc-b/sub/single.conf", "svc-b"}} {
		res, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true})
		if err != nil {
			t.Fatalf("%v: %v", paths, err)
		}
		if got := findingList(res); got != "" || res.Files != 2 {
			t.Errorf("%v: findings %q in %d files, want none in 2", paths, got, res.Files)
		}
	}
	writeFile(t, filepath.Join(dir, "svc-a", ".hidden", ".no502.yaml"), "rules:\n  single-upstream: off\n")
	writeFile(t, filepath.Join(dir, "svc-a", ".hidden", "x.conf"), single)
	for _, paths := range [][]string{{"svc-a", "svc-a/.hidden/x.conf"}, {"svc-a/.hidden/x.conf", "svc-a"}} {
		_, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true})
		var ue *lint.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "one holds the other") {
			t.Errorf("%v: want a UsageError, got %v", paths, err)
		}
	}
}

// --fix and --diff run per config too: each service's files get the fixes its own
// config decides (svc-a's budget raises its timeout; svc-b's file, with the rule off,
// is not touched), and the summary and the final findings cover both.
func TestPerConfigFix(t *testing.T) {
	dir := perConfigTree(t)
	paths := []string{"svc-b/nginx.conf", "svc-a/nginx.conf", "root.conf"}
	fr, err := lint.Fix(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	ch := fr.Changes()
	if len(ch) != 1 || ch[0].Path != filepath.Join("svc-a", "nginx.conf") || !strings.Contains(string(ch[0].After), "proxy_read_timeout 110s;") {
		t.Fatalf("changes: %+v", ch)
	}
	if s := fr.Summary("fixed"); !strings.HasPrefix(s, "fixed 1 finding in 1 file: svc-a/nginx.conf") {
		t.Errorf("summary %q", s)
	}
	if len(fr.Final.Findings) != 1 || fr.Final.Findings[0].Pos.File != "root.conf" {
		t.Errorf("final findings: %v", fr.Final.Findings)
	}
	if err := fr.Write(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "svc-b", "nginx.conf"))
	if !strings.Contains(string(b), "proxy_read_timeout 20s;") {
		t.Errorf("svc-b's file was changed:\n%s", b)
	}
}

// --write-baseline in a run of several configs: each config's run records its files'
// findings and keeps the entries of the others, so the file holds both services'.
func TestPerConfigWriteBaseline(t *testing.T) {
	dir := perConfigTree(t)
	bl := filepath.Join(dir, "bl.json")
	paths := []string{"svc-a/nginx.conf", "root.conf", "svc-b/nginx.conf"}
	if _, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true, WriteBaseline: bl}); err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile(bl)
	for _, want := range []string{`"file": "svc-a/nginx.conf"`, `"file": "root.conf"`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("baseline lacks %s:\n%s", want, src)
		}
	}
	base, err := baseline.ReadFile(bl)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true, Baseline: base, BaselinePath: bl})
	if err != nil || len(res.Findings) != 0 || res.Known != 2 {
		t.Errorf("with the baseline: %v, %d findings, %d known; want 0 and 2", err, len(res.Findings), res.Known)
	}
}

// A directory run whose walk finds the configs of services below it is split the same
// way: each file is judged by the config nearest it, as a pre-commit run naming every
// file is, so `no502 lint .` in CI and the hook agree. Without it, svc-a's budget and
// svc-b/sub's rules: were only noted as not read.
func TestPerConfigDirectoryRun(t *testing.T) {
	dir := perConfigTree(t)
	named := []string{"root.conf", "svc-a/nginx.conf", "svc-b/nginx.conf", "svc-b/sub/single.conf"}
	want := "root.conf single-upstream, svc-a/nginx.conf read-timeout-below-budget"
	for _, paths := range [][]string{{"."}, {dir}, {"svc-b", "root.conf", "svc-a"}, {"svc-b", "svc-b/sub/single.conf", "svc-a", "root.conf"}, named} {
		res, err := lint.Run(context.Background(), paths, lint.Options{Cwd: dir, PerConfig: true})
		if err != nil {
			t.Fatalf("%v: %v", paths, err)
		}
		if got := findingList(res); got != want {
			t.Errorf("%v: findings %q, want %q", paths, got, want)
		}
		if res.Files != 4 {
			t.Errorf("%v: %d files, want 4", paths, res.Files)
		}
		for _, n := range res.Notes {
			if strings.Contains(n.Message, "not read") {
				t.Errorf("%v: %s: the nested config is applied, yet noted as not read", paths, n)
			}
		}
	}
	// --fix in the directory run: svc-a's budget raises its timeout, nothing else moves.
	fr, err := lint.Fix(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if ch := fr.Changes(); len(ch) != 1 || ch[0].Path != filepath.Join("svc-a", "nginx.conf") || !strings.Contains(string(ch[0].After), "proxy_read_timeout 110s;") {
		t.Fatalf("changes: %+v", ch)
	}
	// Without PerConfig (init, graph) and with --config, one config reads everything,
	// and the others are noted as before.
	for _, o := range []lint.Options{{Cwd: dir}, {Cwd: dir, PerConfig: true, ConfigPath: filepath.Join(dir, "svc-b", ".no502.yaml")}} {
		res, err := lint.Run(context.Background(), []string{"."}, o)
		if err != nil {
			t.Fatal(err)
		}
		notes := 0
		for _, n := range res.Notes {
			if strings.Contains(n.Message, "not read") {
				notes++
			}
		}
		if notes == 0 {
			t.Errorf("%+v: the configs not applied are not noted", o)
		}
	}
}

// The runs of a split directory read the whole directory for context: an Ingress at the
// root still reaches the Deployment of a service with its own config (keepalive-race
// needs both), and that service's config decides its findings (pdb-missing off).
func TestPerConfigDirectoryRunKeepsLinks(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"ingress.yaml":      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  ingressClassName: nginx\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend: {service: {name: web, port: {number: 80}}}\n",
		"svc/.no502.yaml":   "rules:\n  pdb-missing: off\n",
		"svc/app.yaml":      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports:\n    - {port: 80, targetPort: 9000}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n          command: [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"9000\"]\n          ports: [{containerPort: 9000}]\n          readinessProbe: {httpGet: {path: /healthz, port: 9000}}\n          lifecycle: {preStop: {sleep: {seconds: 10}}}\n",
		"other/single.conf": single,
	})
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingList(res), "other/single.conf single-upstream, svc/app.yaml keepalive-race"; got != want {
		t.Errorf("findings %q, want %q", got, want)
	}
}

func findingList(res *lint.Result) string {
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Pos.File+" "+f.Rule.ID)
	}
	return strings.Join(got, ", ")
}

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A finding positioned at a declaration of a service's config (an app's keep-alive under
// backends:, which nothing in Terraform says) is reported by that config's run of a split
// directory, as `no502 lint svc` reports it: the config is no named file, but it is that
// run's own.
func TestPerConfigDirectoryRunConfigFindings(t *testing.T) {
	src, err := os.ReadFile("../testdata/stacks/alb-ecs-node/terraform/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("../testdata/stacks/alb-ecs-node/.no502.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"ecs/.no502.yaml":       string(cfg),
		"ecs/terraform/main.tf": string(src),
		"other/single.conf":     single,
	})
	alone, err := lint.Run(context.Background(), []string{"ecs"}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(findingList(alone), "ecs/.no502.yaml keepalive-race") {
		t.Fatalf("the service alone: %q, want a keepalive-race at its config's declaration", findingList(alone))
	}
	split, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingList(split), findingList(alone)+", other/single.conf single-upstream"; got != want {
		t.Errorf("split directory run: %q, want %q", got, want)
	}
}

// A file no run names but a directory run reads (an nginx include of a service, which
// the walk does not list: its name says nothing) is reported by the run of the config
// that governs the file including it, with that config: its findings were lost when
// each run reported only the files it named.
func TestPerConfigDirectoryRunClaimsIncludes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"svc/nginx.conf":    "events {}\nhttp {\n    include inc/up.inc;\n    server { location / { proxy_pass http://a; } }\n}\n",
		"svc/inc/up.inc":    "upstream a {\n    server 10.0.0.1:80;\n}\n",
		"svc/.no502.yaml":   "rules:\n  read-timeout-too-short: off\n",
		"other/single.conf": single,
		// An include of the root's config that sits in the service's directory is the
		// root's to report: the root's nginx.conf reads it.
		"root.conf":         "events {}\nhttp {\n    include svc/shared/up.inc;\n    server { location / { proxy_pass http://b; } }\n}\n",
		"svc/shared/up.inc": "upstream b {\n    server 10.0.0.2:80;\n}\n",
	})
	alone, err := lint.Run(context.Background(), []string{"svc/nginx.conf", "svc/inc/up.inc"}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingList(alone); !strings.Contains(got, "svc/inc/up.inc single-upstream") {
		t.Fatalf("the service's files named: %q", got)
	}
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "other/single.conf single-upstream, svc/inc/up.inc single-upstream, svc/shared/up.inc single-upstream"
	if got := findingList(res); got != want {
		t.Errorf("split directory run: %q, want %q", got, want)
	}
}

// An include two services' configs both read is reported by both runs of the split; the
// merged report says each finding once.
func TestPerConfigDirectoryRunSharedInclude(t *testing.T) {
	site := func(up string) string {
		return "events {}\nhttp {\n    include ../shared/up.inc;\n    server { location / { proxy_pass http://" + up + "; } }\n}\n"
	}
	dir := writeTree(t, map[string]string{
		"a/nginx.conf":    site("a"),
		"a/.no502.yaml":   "rules:\n  read-timeout-too-short: off\n",
		"b/nginx.conf":    site("a"),
		"b/.no502.yaml":   "rules:\n  dead-upstream-in-rotation: off\n",
		"shared/up.inc":   "upstream a {\n    server 10.0.0.1:80;\n}\n",
		"shared/keep.txt": "",
	})
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingList(res), "shared/up.inc single-upstream"; got != want {
		t.Errorf("split directory run: %q, want %q", got, want)
	}
}

// A directory divided among configs is judged for unused suppressions as a directory run
// is: a stale no502:ignore in a service's file and a root suppress: entry that matches
// nothing are reported, and a root entry naming files another config governs says so
// (that run reads its own config's entries). --fix removes the stale comment. Named
// files (pre-commit) stay partial: the comment is not judged there.
func TestPerConfigDirectoryRunJudgesSuppressions(t *testing.T) {
	two := "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; } # no502:ignore single-upstream\n    server {\n        listen 80;\n        location / { proxy_pass http://app; }\n    }\n}\n"
	dir := writeTree(t, map[string]string{
		".no502.yaml":       "suppress:\n  - path: svc-a/nginx.conf\n    rules: [single-upstream]\n  - path: nothere.conf\n    rules: [single-upstream]\n",
		"svc-a/.no502.yaml": "edge: none\n",
		"svc-a/nginx.conf":  single,
		"svc-b/nginx.conf":  two,
	})
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Pos.Short()+" "+f.Rule.ID+": "+f.Message)
	}
	want := []string{
		".no502.yaml:2 unused-suppression: suppress entry: path `svc-a/nginx.conf` matches only files that svc-a/.no502.yaml governs (svc-a/nginx.conf): their run reads that config, not .no502.yaml, so the entry hides nothing: move it to svc-a/.no502.yaml (with the path relative to its directory), or remove it.",
		".no502.yaml:4 unused-suppression: suppress entry: path `nothere.conf` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of .no502.yaml), or remove the entry.",
		"svc-a/nginx.conf:3 single-upstream",
		"svc-b/nginx.conf:3 unused-suppression: no502:ignore `single-upstream` matches no finding on line 3: remove it, or it will hide the next problem here.",
	}
	if len(got) != len(want) {
		t.Fatalf("findings:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	fr, err := lint.Fix(context.Background(), []string{"."}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if ch := fr.Changes(); len(ch) != 1 || ch[0].Path != filepath.Join("svc-b", "nginx.conf") || strings.Contains(string(ch[0].After), "no502:ignore") {
		t.Fatalf("changes: %+v", ch)
	}
	// pre-commit names the file: its suppression is not judged.
	res, err = lint.Run(context.Background(), []string{"svc-b/nginx.conf", "svc-a/nginx.conf"}, lint.Options{Cwd: dir, PerConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingList(res); got != "svc-a/nginx.conf single-upstream" {
		t.Errorf("named files: %s", got)
	}
}
