package lint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

func k8sDeployment(name string, replicas int, extra string) string {
	return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\nspec:\n  replicas: %d\n  selector: {matchLabels: {app: %s}}\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers:\n      - name: %s\n        image: example/%s:1\n        ports: [{containerPort: 8080}]\n%s", name, replicas, name, name, name, name, extra)
}

func k8sService(name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  selector: {app: %s}\n  ports: [{port: 80, targetPort: 8080}]\n", name, name)
}

// The tree of docs/precision.md's pre-commit observations: app.yaml (a Deployment), its
// Service in svc.yaml, an unrelated Deployment with its Service in other.yaml, and a
// broken manifest.
func partialTree(t *testing.T) string {
	return writeTree(t, map[string]string{
		"app.yaml":    k8sDeployment("web", 2, "        readinessProbe: {httpGet: {path: /healthz, port: 8080}}\n        lifecycle: {preStop: {exec: {command: [sleep, \"5\"]}}}\n"),
		"svc.yaml":    k8sService("web"),
		"other.yaml":  k8sDeployment("api", 1, "") + "---\n" + k8sService("api"),
		"broken.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  labels: {app: [unclosed\n",
	})
}

// With files named, findings and diagnostics are reported only when positioned in a
// named file: the broken unrelated manifest beside it neither shows nor fails the run,
// and the other Deployment's findings are not reported.
func TestNamedFilesReportOnlyThemselves(t *testing.T) {
	dir := partialTree(t)
	full, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Errors) != 1 {
		t.Fatalf("the full run should report broken.yaml: %v", full.Errors)
	}
	for _, named := range []string{"app.yaml", "svc.yaml", "other.yaml"} {
		res, err := lint.Run(context.Background(), []string{named}, lint.Options{Cwd: dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 0 || len(res.Notes) != 0 {
			t.Errorf("%s: diagnostics of other files reported: %v %v", named, res.Errors, res.Notes)
		}
		if res.Files != 1 {
			t.Errorf("%s: %d files linted, want 1", named, res.Files)
		}
		want := 0
		for _, f := range full.Findings {
			if f.Pos.File == named {
				want++
			}
		}
		if len(res.Findings) != want {
			t.Errorf("%s: %d findings, want the full run's %d", named, len(res.Findings), want)
		}
		for _, f := range res.Findings {
			if f.Pos.File != named {
				t.Errorf("%s: finding positioned in a file not named: %s %s", named, f.Pos, f.Rule.ID)
			}
		}
	}
}

// A cross-layer finding is reported where it is positioned: Caddy's keep-alive against
// the node app's is a finding in the Caddyfile (its fix edits the Caddyfile), with the
// Deployment as related. Naming only the Deployment does not report it; naming the
// Caddyfile does, with the Deployment read for context.
func TestNamedFilesCrossLayer(t *testing.T) {
	src, _ := filepath.Abs("../rules/testdata/xl-caddy-node")
	files := map[string]string{}
	for _, name := range []string{"Caddyfile", "app.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	dir := writeTree(t, files)
	count := func(named string) int {
		res, err := lint.Run(context.Background(), []string{named}, lint.Options{Cwd: dir})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range res.Findings {
			if f.Rule.ID == "keepalive-race" {
				n++
			}
		}
		return n
	}
	if n := count("app.yaml"); n != 0 {
		t.Errorf("lint app.yaml: %d keepalive-race findings (positioned in the Caddyfile), want 0", n)
	}
	if n := count("Caddyfile"); n != 1 {
		t.Errorf("lint Caddyfile: %d keepalive-race findings, want 1 (app.yaml is context)", n)
	}
}

// A suppression in a named file is never called unused in a partial run, so --fix does
// not remove it: here the full run has no finding for it either (the Deployment is
// served by nothing), yet only the full run may say so.
func TestNamedFileSuppressionNotUnused(t *testing.T) {
	dep := strings.Replace(k8sDeployment("web", 1, ""), "metadata: {name: web}", "metadata:\n  name: web\n  annotations: {no502.dev/ignore: \"single-replica\"}", 1)
	dep = "# no502:ignore-file prestop-missing\n" + dep
	dir := writeTree(t, map[string]string{"app.yaml": dep})
	full, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	part, err := lint.Fix(context.Background(), []string{"app.yaml"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	unused := func(fs []rules.Finding) int {
		n := 0
		for _, f := range fs {
			if f.Rule.ID == rules.UnusedSuppressionID {
				n++
			}
		}
		return n
	}
	if unused(full.Findings) == 0 {
		t.Fatalf("the full run should call a suppression unused: %v", full.Findings)
	}
	if n := unused(part.Final.Findings); n != 0 {
		t.Errorf("partial run: %d unused-suppression findings", n)
	}
	if len(part.Changes()) != 0 {
		t.Errorf("--fix in a partial run would change %v", part.Changes())
	}
}
