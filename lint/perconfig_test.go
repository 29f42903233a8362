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

// A directory of one config holding a path another config governs would be linted twice
// (the directory run reads it with its own config): refused, naming both.
func TestPerConfigOverlapIsRefused(t *testing.T) {
	dir := perConfigTree(t)
	for _, paths := range [][]string{{"svc-b", "svc-b/sub/single.conf"}, {"svc-b/sub/single.conf", "svc-b"}} {
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
