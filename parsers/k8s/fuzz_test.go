package k8s

import (
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic or hang, and every
// diagnostic must carry a position.
func FuzzParse(f *testing.F) {
	f.Add([]byte(app))
	f.Add([]byte(ingressNginx))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n  - &a {apiVersion: v1, kind: Service, metadata: {name: *a}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - lifecycle: {preStop: {exec: {command: [sh, -c, sleep]}}}\n"))
	f.Add([]byte("{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"spec\": {\"ports\": [{\"port\": \"x\"}]}}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		m := Parse([]parsers.Input{{Path: "f.yaml", Src: src}}, parsers.Options{})
		for _, d := range m.Diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without position: %v", d)
			}
		}
	})
}
