package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// A Kubernetes patch that cannot be merged into its manifest (here the containers are
// flow-style YAML, where Merge writes nothing) is a snippet saying why, in a plain lint
// as in --fix: before, it read as an unsafe fix with no edits (JSON "edits": []).
func TestUnmergeablePatchIsSnippet(t *testing.T) {
	const app = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "nginx:1.25", ports: [{containerPort: 8080}]}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]*rules.Fix{}
	for _, f := range res.Findings {
		byRule[f.Rule.ID] = f.Fix
	}
	// The scalar in the flow mapping is replaced in place: still a written fix.
	if fix := byRule["single-replica"]; fix == nil || len(fix.Edits) == 0 || fix.Safety() != rules.FixUnsafe {
		t.Fatalf("single-replica: want an unsafe fix with edits, got %+v", fix)
	}
	fix := byRule["prestop-missing"]
	if fix == nil {
		t.Fatal("no prestop-missing finding")
	}
	if fix.Safety() != rules.FixSnippet || len(fix.Edits) != 0 {
		t.Errorf("prestop-missing: want a snippet without edits, got %s with %d edits", fix.Safety(), len(fix.Edits))
	}
	if want := "(not written: no502 cannot merge it into app.yaml and check the result"; !strings.Contains(fix.Description, want) {
		t.Errorf("prestop-missing: the description does not say why: %q", fix.Description)
	}
	if fix.Snippet == "" {
		t.Error("prestop-missing: the snippet to apply by hand is gone")
	}
	// --fix with unsafe fixes writes the replicas and leaves the preStop hook alone.
	fr, after := fixDir(t, map[string]string{"app.yaml": app}, true)
	if got := after["app.yaml"]; !strings.Contains(got, "replicas: 2") || strings.Contains(got, "preStop") {
		t.Errorf("--fix wrote:\n%s", got)
	}
	if fix := finalFix(fr, "prestop-missing"); fix == nil || fix.Safety() != rules.FixSnippet {
		t.Errorf("after --fix, prestop-missing: want a snippet, got %+v", fix)
	}
}

// A file that defines one object twice (a Deployment under apps/v1 and again under
// apps/v1beta1, as kubeconform's fixtures do) gets no edits for it: the patch for the
// second document's finding was merged into the first (the first document with the
// object's kind, name and namespace), and --fix then dropped it as a fix that does not
// settle while a plain lint's JSON and SARIF still offered it.
func TestObjectDefinedTwiceIsSnippet(t *testing.T) {
	const doc = `kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
`
	const svc = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n"
	app := "apiVersion: apps/v1\n" + doc + "---\napiVersion: apps/v1beta1\n" + doc + svc
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		n++
		if f.Fix == nil || f.Fix.Safety() != rules.FixSnippet || len(f.Fix.Edits) != 0 {
			t.Errorf("line %d: want a snippet without edits, got %+v", f.Pos.Line, f.Fix)
		} else if !strings.Contains(f.Fix.Description, "its object is defined twice in app.yaml") &&
			!strings.Contains(f.Fix.Description, "apiVersion apps/v1beta1, which Kubernetes removed in 1.16") {
			// The apps/v1beta1 document's sleep action is refused for its apiVersion first
			// (session 12): either reason keeps it a snippet.
			t.Errorf("line %d: the description does not say why: %q", f.Pos.Line, f.Fix.Description)
		}
	}
	if n != 2 {
		t.Fatalf("want prestop-missing on both documents, got %d findings", n)
	}
}
