package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/rules"
)

// A finding in a document helm template rendered names the template; its fix is a
// snippet naming it too, before and after ResolveEdits.
func TestRenderedFindingsNameTheTemplate(t *testing.T) {
	src := `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
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
          image: example/web:1.0
          ports:
            - containerPort: 8080
`
	m := k8s.Parse([]parsers.Input{{Path: "rendered.yaml", Src: []byte(src)}}, parsers.Options{})
	findings := rules.Run(m, rules.DefaultConfig())
	rules.ResolveEdits(m, findings)
	seen := map[string]bool{}
	for _, f := range findings {
		seen[f.Rule.ID] = true
		if f.RenderedFrom != "web/templates/deployment.yaml" {
			t.Errorf("%s rendered from %q", f.Rule.ID, f.RenderedFrom)
		}
		for _, r := range f.Related {
			if r.Pos.File == "rendered.yaml" && r.Pos.Line < 13 && r.RenderedFrom != "web/templates/service.yaml" {
				t.Errorf("%s: related %s rendered from %q", f.Rule.ID, r.Pos, r.RenderedFrom)
			}
		}
		if f.Fix == nil {
			continue
		}
		if f.Fix.Safety() != rules.FixSnippet || len(f.Fix.Edits) > 0 || !strings.Contains(f.Fix.Description, "web/templates/deployment.yaml") {
			t.Errorf("%s: fix %q is %s with %d edits; want a snippet naming the template", f.Rule.ID, f.Fix.Description, f.Fix.Safety(), len(f.Fix.Edits))
		}
	}
	for _, id := range []string{"single-replica", "readiness-probe-missing", "prestop-missing"} {
		if !seen[id] {
			t.Errorf("no %s finding", id)
		}
	}
}
