package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// proxy_next_upstream_tries 1 beside proxy_next_upstream ... non_idempotent: one try is
// all that keeps a POST from being sent twice. nginx 1.22.1 on loopback, the first server
// closing the connection after reading the request: with tries 1 the POST got 502 and
// reached one server; with the fix's tries 2 it reached both. The message must not say
// POSTs are never sent twice, and the fix is written only with --unsafe-fixes. Without
// non_idempotent the fix stays safe.
func TestRetryTriesNonIdempotent(t *testing.T) {
	conf := `events {}
http {
    upstream pool {
        server app-1.internal:8080;
        server app-2.internal:8080;
    }
    proxy_next_upstream_tries 1;
    server {
        listen 80;
        location /x/ {
            proxy_pass http://pool;
            proxy_next_upstream error timeout non_idempotent;
        }
        location /y/ {
            proxy_pass http://pool;
        }
        location /z/ {
            proxy_pass http://pool;
            proxy_next_upstream timeout non_idempotent;
        }
    }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings := rulestest.Lint(t, dir)
	seen := map[int32]bool{}
	for _, f := range findings {
		if f.Rule.ID != "no-retry-on-failure" {
			continue
		}
		seen[f.Pos.Line] = true
		switch f.Pos.Line {
		case 10: // non_idempotent: a POST is then sent again
			if strings.Contains(f.Message, "never sent twice") || !strings.Contains(f.Message, "non_idempotent") {
				t.Errorf("line %d: %s", f.Pos.Line, f.Message)
			}
			if f.Fix == nil || f.Fix.Safety() != rules.FixUnsafe {
				t.Errorf("line %d: fix must be unsafe, got %+v", f.Pos.Line, f.Fix)
			}
		case 14:
			if f.Fix == nil || f.Fix.Safety() != rules.FixSafe {
				t.Errorf("/y/: fix must stay safe, got %+v", f.Fix)
			}
		case 19: // lists no error: tries 1 is reported once error is added
			if strings.Contains(f.Message, "never sent twice") {
				t.Errorf("/z/: %s", f.Message)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, f.Message)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("want findings at lines 10, 14, 19, got %v", seen)
	}
}

// The fix for proxy_next_upstream off restores nginx's default, error timeout, without
// http_502 http_503: listed, an app's own 503 counts toward max_fails (nginx 1.22.1 on
// loopback, two servers answering 503: 503, then 502 "no live upstreams" for the next
// four requests; with off, 503 for all five).
func TestRetryFixAddsNo5xx(t *testing.T) {
	conf := `events {}
http {
    upstream pool {
        server app-1.internal:8080;
        server app-2.internal:8080;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://pool;
            proxy_next_upstream off;
        }
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
		if f.Rule.ID != "no-retry-on-failure" {
			continue
		}
		seen++
		fixed := string(parsers.ApplyEdits([]byte(conf), f.Fix.Edits))
		if strings.Contains(fixed, "http_50") || strings.Contains(f.Message, "http_50") || !strings.Contains(fixed, "proxy_next_upstream error timeout;") {
			t.Errorf("message: %s\nfixed:\n%s", f.Message, fixed)
		}
	}
	if seen != 1 {
		t.Fatalf("want 1 no-retry-on-failure finding, got %d", seen)
	}
}
