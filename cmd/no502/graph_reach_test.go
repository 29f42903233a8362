package main

import (
	"bytes"
	"strings"
	"testing"
)

// An edge's keep-alive is the one of the container the backend reaches: the Ingress
// path /metrics's Service targets the exporter's port (uvicorn, 5s), not the app's listed
// first in the pod (gunicorn, 75s), so the edge reads as the race the rules report.
// A Caddy site reaches only the nginx server its Host header names: no edge to the other.
func TestGraphReach(t *testing.T) {
	for _, c := range []struct {
		dir       string
		want, not []string
	}{
		{"../../rules/testdata/k8s-keepalive-reach", []string{"/metrics, read 60s, idle 60s → keep-alive 5s"}, []string{"/metrics, read 60s, idle 60s → keep-alive 75s"}},
		{"../../rules/testdata/compose-caddy-nginx-vhosts", []string{`n1 -->|"read 60s, idle 120s → keep-alive 75s"| n2`}, []string{`n1 -->|"read 60s, idle 120s → keep-alive 75s"| n3`}},
	} {
		var out, errb bytes.Buffer
		root := newRoot(strings.NewReader(""), &out, &errb)
		root.SetArgs([]string{"graph", c.dir})
		if err := root.Execute(); err != nil {
			t.Fatalf("graph %s: %v\n%s", c.dir, err, errb.String())
		}
		got := out.String()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: mermaid output lacks %q:\n%s", c.dir, w, got)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: mermaid output has %q:\n%s", c.dir, w, got)
			}
		}
	}
}
