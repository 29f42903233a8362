package lint_test

import (
	"strings"
	"testing"
)

// A Caddy snippet imported by every route of two sites, each route with the same budget:
// --fix writes the raise once, in the snippet, the check of the round passes (every
// route's model changes only in the timeout the fix names), and no finding is left. With
// one route on a longer budget, nothing is written (session 13).
func TestFixCaddySharedSnippetOnce(t *testing.T) {
	const caddyfile = "(backend) {\n\treverse_proxy app:3000 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s\n\t\t}\n\t}\n}\na.example.com {\n\thandle /api/* {\n\t\timport backend\n\t}\n\thandle {\n\t\timport backend\n\t}\n}\nb.example.com {\n\timport backend\n}\n"
	fr, after := fixDir(t, map[string]string{"Caddyfile": caddyfile, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n"}, false)
	want := strings.Replace(caddyfile, "response_header_timeout 30s", "response_header_timeout 100s", 1)
	if got := after["Caddyfile"]; got != want {
		t.Errorf("--fix wrote:\n%s\nwant:\n%s", got, want)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix != nil {
		t.Errorf("a read-timeout finding is left: %+v", fix)
	}

	_, after = fixDir(t, map[string]string{"Caddyfile": caddyfile, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n  - match: /api/\n    handler_timeout: 300s\n"}, false)
	if got, ok := after["Caddyfile"]; ok {
		t.Errorf("the routes need different values, yet --fix wrote:\n%s", got)
	}
}
