package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestDeadUpstreamMaxFails0Retried: max_fails=0 on one of two servers is reported either
// way, but says what happens to the requests sent to it: where the locations retry a
// failed connection (nginx's default), they wait for it to fail and go to the other
// server (nginx 1.22.1 on loopback, the server refusing: 8 of 8 requests 200); where a
// location does not, its requests get 502.
func TestDeadUpstreamMaxFails0Retried(t *testing.T) {
	conf := `events {}
http {
    upstream retried { server 10.0.0.1:8000; server 10.0.0.2:8000 max_fails=0; }
    upstream once { server 10.0.0.3:8000; server 10.0.0.4:8000 max_fails=0; }
    server {
        listen 80;
        location /a/ { proxy_pass http://retried; }
        location /b/ { proxy_pass http://once; proxy_next_upstream_tries 1; }
    }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings := rulestest.Lint(t, dir)
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "dead-upstream-in-rotation" {
			continue
		}
		seen++
		switch f.Pos.Line {
		case 3:
			if strings.Contains(f.Message, "502") || !strings.Contains(f.Message, "retried on another server") {
				t.Errorf("retried: %s", f.Message)
			}
		case 4:
			if !strings.Contains(f.Message, "location /b/ does not retry a failed connection, so each of its requests sent there gets 502") {
				t.Errorf("not retried: %s", f.Message)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, f.Message)
		}
	}
	if seen != 2 {
		t.Errorf("%d findings, want 2", seen)
	}
}
