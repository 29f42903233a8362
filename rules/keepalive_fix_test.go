package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules/rulestest"
)

// upstream-keepalive-unused writes only what blocks the reuse: a location that already
// sends HTTP/1.1 gets the Connection header and nothing else (its proxy_http_version line
// is not rewritten as it was), and the message asks only for that.
func TestKeepAliveFixWritesOnlyWhatIsMissing(t *testing.T) {
	conf := `events {}
http {
    upstream pooled {
        server app-1.internal:8080;
        server app-2.internal:8080;
        keepalive 16;
    }
    server {
        listen 80;
        location /api/ {
            proxy_pass http://pooled;
            proxy_http_version 1.1;
        }
        location /old/ {
            proxy_pass http://pooled;
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
		if f.Rule.ID != "upstream-keepalive-unused" {
			continue
		}
		seen++
		fixed := string(parsers.ApplyEdits([]byte(conf), f.Fix.Edits))
		switch f.Pos.Line {
		case 10: // /api/: HTTP/1.1 already
			if strings.Contains(f.Message, "Add proxy_http_version") || !strings.Contains(f.Message, `Add proxy_set_header Connection "" to this location.`) {
				t.Errorf("/api/: %s", f.Message)
			}
			for _, e := range f.Fix.Edits {
				if strings.Contains(conf[e.Start:e.End], "proxy_http_version") {
					t.Errorf("/api/: the fix rewrites %q", conf[e.Start:e.End])
				}
			}
			if strings.Count(fixed, "proxy_http_version 1.1;") != 1 || !strings.Contains(fixed, `proxy_set_header Connection "";`) {
				t.Errorf("/api/ fixed:\n%s", fixed)
			}
		case 14: // /old/: both missing
			if !strings.Contains(f.Message, `Add proxy_http_version 1.1 and proxy_set_header Connection "" to this location.`) {
				t.Errorf("/old/: %s", f.Message)
			}
			if strings.Count(fixed, "proxy_http_version 1.1;") != 2 || !strings.Contains(fixed, `proxy_set_header Connection "";`) {
				t.Errorf("/old/ fixed:\n%s", fixed)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, f.Message)
		}
	}
	if seen != 2 {
		t.Fatalf("want 2 upstream-keepalive-unused findings, got %d", seen)
	}
}
