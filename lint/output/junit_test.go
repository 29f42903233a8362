package output

import (
	"encoding/xml"
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

// TestJUnitCaseNamesUnique: GitLab (and Jenkins) identify a test case by its classname
// and name and keep one of two that share them (gitlab-org/gitlab#237920): two findings
// of one rule at one place (nginx's upstream keeps idle connections longer than two
// Deployments behind it) must be two cases.
func TestJUnitCaseNamesUnique(t *testing.T) {
	rule := &rules.Rule{ID: "keepalive-race"}
	pos := parsers.Pos{File: "nginx.conf", Line: 24, Col: 5}
	r := &lint.Result{Files: 1, Findings: []rules.Finding{
		{Rule: rule, Severity: rules.Warning, Message: "a", Pos: pos},
		{Rule: rule, Severity: rules.Warning, Message: "b", Pos: pos},
		{Rule: rule, Severity: rules.Warning, Message: "c", Pos: pos},
	}}
	var b strings.Builder
	if err := writeJUnit(&b, r, Options{FailOn: rules.Warning}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			key := c.Classname + "\x00" + c.Name
			if seen[key] {
				t.Errorf("two cases %q %q:\n%s", c.Classname, c.Name, b.String())
			}
			seen[key] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d cases, want 3:\n%s", len(seen), b.String())
	}
}
