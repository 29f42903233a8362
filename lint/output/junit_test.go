package output

import (
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// TestJUnitKubernetesSnippet: the JUnit body is the finding as the text output prints it,
// so a Kubernetes fix's snippet is its patch without the apiVersion/kind/metadata header
// (which names the object the position already names, and adds `namespace: default` to
// an object that has none).
func TestJUnitKubernetesSnippet(t *testing.T) {
	src := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
	m := &parsers.Model{Files: []*parsers.File{{Path: "web.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	f := rules.Finding{Rule: &rules.Rule{ID: "single-replica"}, Severity: rules.Warning, Message: "m",
		Pos: parsers.Pos{File: "web.yaml", Line: 6, Col: 13},
		Fix: &rules.Fix{Description: "run 2 replicas", Snippet: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n"}}
	var b strings.Builder
	if err := writeJUnit(&b, &lint.Result{Findings: []rules.Finding{f}, Files: 1, Model: m}, Options{FailOn: rules.Warning}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "apiVersion") || !strings.Contains(b.String(), "spec:&#xA;  replicas: 2") {
		t.Errorf("%s", b.String())
	}
}
