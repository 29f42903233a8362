package main

import (
	"bytes"
	"strings"
	"testing"
)

// Compose hops are drawn like the others: the nginx config mounted into a service, an
// edge to the service it names with the timeouts that meet there, and the service's
// findings.
func TestGraphCompose(t *testing.T) {
	var out, errb bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &errb)
	root.SetArgs([]string{"graph", "../../testdata/stacks/compose-nginx-gunicorn"})
	if err := root.Execute(); err != nil {
		t.Fatalf("graph: %v\n%s", err, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"nginx hooks.example.com",
		"ComposeService web ×1<br/>gunicorn keep-alive 2s",
		`read 60s, idle 60s → keep-alive 2s"| n2`,
		"grace-period-too-short, readiness-cannot-fail, single-replica",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("mermaid output lacks %q:\n%s", want, got)
		}
	}
}
