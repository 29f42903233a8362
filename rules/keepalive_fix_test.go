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

// A location whose inherited proxy_set_header lines are not all known (an include no502
// did not read, around it or in it) gets no proxy_set_header of its own from a fix: nginx
// would stop inheriting the unread ones (Host, X-Forwarded-For from proxy_params). When
// the include was read, the inherited lines are copied in and the fix is written.
func TestKeepAliveFixUnreadHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, include string
		files         map[string]string
		written       bool
	}{
		{"stock proxy_params", "include proxy_params;", nil, false},
		{"outside the linted paths", "include /etc/nginx/snippets/headers.conf;", nil, false},
		{"glob matching nothing here", "include conf.d/headers/*.conf;", nil, false},
		{"stock mime.types", "include mime.types;", nil, true},
		{"stock mime.types by absolute path", "include /etc/nginx/mime.types;", nil, true},
		{"read", "include headers.conf;", map[string]string{"headers.conf": "proxy_set_header Host $host;\n"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; keepalive 16; }\n    server {\n        listen 80;\n        " +
				tc.include + "\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n"
			dir := t.TempDir()
			files := map[string]string{"nginx.conf": conf}
			for k, v := range tc.files {
				files[k] = v
			}
			if err := os.MkdirAll(filepath.Join(dir, "conf.d", "headers"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, findings := rulestest.Lint(t, dir)
			seen := false
			for _, f := range findings {
				if f.Rule.ID != "upstream-keepalive-unused" {
					continue
				}
				seen = true
				written := f.Fix != nil && f.Fix.Safety() != rules.FixSnippet
				if written != tc.written {
					t.Errorf("fix written = %v, want %v: %s", written, tc.written, f.Fix.Description)
				}
				if !tc.written && !strings.Contains(f.Fix.Description, "may set proxy_set_header") {
					t.Errorf("the snippet does not say why: %s", f.Fix.Description)
				}
				if tc.files != nil && !strings.Contains(string(parsers.ApplyEdits([]byte(conf), f.Fix.Edits)), "proxy_set_header Host $host;  # copied") {
					t.Errorf("the read header is not copied")
				}
			}
			if !seen {
				t.Fatal("no upstream-keepalive-unused finding")
			}
		})
	}
}

// keepalive-race raises nginx's keepalive_timeout and keeps its second parameter (the
// Keep-Alive: timeout= header nginx sends), as written.
func TestKeepAliveRaceKeepsHeaderTimeout(t *testing.T) {
	conf := "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\n    server {\n        listen 80;\n        keepalive_timeout 30s 25s;\n        location / { proxy_pass http://app; }\n    }\n}\n"
	tf := `resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.t.arn
  }
}
resource "aws_lb_target_group" "t" {
  name     = "t"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}
`
	dir := t.TempDir()
	for name, text := range map[string]string{"nginx.conf": conf, "alb.tf": tf, ".no502.yaml": "chain: [alb.tf:aws_lb.web, nginx.conf]\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, findings := rulestest.Lint(t, dir)
	for _, f := range findings {
		if f.Rule.ID != "keepalive-race" {
			continue
		}
		if f.Fix == nil || f.Fix.Safety() != rules.FixSafe {
			t.Fatalf("fix not written: %+v", f.Fix)
		}
		fixed := string(parsers.ApplyEdits([]byte(conf), f.Fix.Edits))
		if !strings.Contains(fixed, "keepalive_timeout 65s 25s;") {
			t.Errorf("fixed:\n%s", fixed)
		}
		return
	}
	t.Fatal("no keepalive-race finding")
}

// nginx before 1.15.3 has no upstream keepalive_timeout: keepalive-race says it keeps idle
// connections until the upstream closes them, not for a 60s default it does not have, and
// reports an upstream whose keep-alive is longer than 60s too.
func TestKeepAliveRaceOldNginx(t *testing.T) {
	conf := "events {}\nhttp {\n    upstream app_up { server app:8000; keepalive 16; }\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://app_up;\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n"
	for _, tc := range []struct{ keepAlive, version, want, not string }{
		{"5", "1.14.2", "nginx 1.14.2 keeps idle connections to app_up open until the server behind closes them", "60s"},
		{"90", "1.14.2", "Upgrade nginx to 1.15.3 or later", "60s"},
		{"5", "1.22.1", "open for 60s (nginx default 60s)", "until the server behind"},
	} {
		compose := "services:\n  proxy:\n    image: nginx\n    ports: [\"80:80\"]\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n  app:\n    image: python:3.12\n    command: uvicorn main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive " + tc.keepAlive + "\n    deploy:\n      replicas: 2\n"
		dir := t.TempDir()
		for name, text := range map[string]string{"nginx.conf": conf, "compose.yaml": compose, ".no502.yaml": "nginx_version: " + tc.version + "\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, findings := rulestest.Lint(t, dir)
		found := false
		for _, f := range findings {
			if f.Rule.ID != "keepalive-race" {
				continue
			}
			found = true
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.not) {
				t.Errorf("keep-alive %s, nginx %s: %s", tc.keepAlive, tc.version, f.Message)
			}
		}
		if !found {
			t.Errorf("keep-alive %s, nginx %s: no keepalive-race finding", tc.keepAlive, tc.version)
		}
	}
}

// A keepalive followed by a balancing method is replaced by it before nginx 1.29.7 (nginx
// 1.22.1 on loopback: one upstream connection per request): no pool, so no race with
// the app's keep-alive. 1.29.7 keeps the pool whatever the order.
func TestKeepAliveRaceReplacedPool(t *testing.T) {
	for _, tc := range []struct {
		order, version string
		race           bool
	}{
		{"keepalive 16; least_conn;", "1.22.1", false},
		{"keepalive 16; hash $remote_addr;", "", false},
		{"least_conn; keepalive 16;", "1.22.1", true},
		{"keepalive 16; least_conn;", "1.30.0", true},
	} {
		conf := "events {}\nhttp {\n    upstream app_up { " + tc.order + " server app:8000; }\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://app_up;\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n"
		compose := "services:\n  proxy:\n    image: nginx\n    ports: [\"80:80\"]\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n  app:\n    image: python:3.12\n    command: uvicorn main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 5\n    deploy:\n      replicas: 2\n"
		dir := t.TempDir()
		files := map[string]string{"nginx.conf": conf, "compose.yaml": compose}
		if tc.version != "" {
			files[".no502.yaml"] = "nginx_version: " + tc.version + "\n"
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, findings := rulestest.Lint(t, dir)
		race := false
		for _, f := range findings {
			race = race || f.Rule.ID == "keepalive-race"
		}
		if race != tc.race {
			t.Errorf("%s (nginx %q): keepalive-race reported %v, want %v", tc.order, tc.version, race, tc.race)
		}
	}
}

// An include in the location itself that was not read may set the location's proxy
// settings (nginx 1.22.1 on loopback: a location including a file with
// `proxy_set_header Connection "";` reused one upstream connection for 6 requests): the
// Connection header and HTTP version are unknown, and upstream-keepalive-unused is
// silent. The stock proxy_params sets neither; its proxy_set_header lines are the
// location's own, so the fix adds Connection beside it and copies nothing from outside
// (nginx 1.22.1: the server's X-Foo was sent neither before nor after, Host stayed the
// client's, and 3 requests used one connection).
func TestKeepAliveUnreadIncludeInLocation(t *testing.T) {
	for _, tc := range []struct {
		name, include, version string
		finding, written       bool
	}{
		{"unread snippet", "include /etc/nginx/snippets/proxy-keepalive.conf;", "proxy_http_version 1.1;", false, false},
		{"unread snippet, no version", "include /etc/nginx/snippets/proxy-keepalive.conf;", "", false, false},
		{"stock proxy_params", "include proxy_params;", "proxy_http_version 1.1;", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; keepalive 16; }\n    server {\n        listen 80;\n        proxy_set_header X-Foo bar;\n        location / {\n            " +
				tc.include + "\n            " + tc.version + "\n            proxy_pass http://app;\n        }\n    }\n}\n"
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			_, findings := rulestest.Lint(t, dir)
			seen := false
			for _, f := range findings {
				if f.Rule.ID != "upstream-keepalive-unused" {
					continue
				}
				seen = true
				written := f.Fix != nil && f.Fix.Safety() != rules.FixSnippet
				if written != tc.written {
					t.Errorf("fix written = %v, want %v: %s", written, tc.written, f.Fix.Description)
				}
				if out := string(parsers.ApplyEdits([]byte(conf), f.Fix.Edits)); written && (strings.Count(out, "X-Foo") != 1 || !strings.Contains(out, `proxy_set_header Connection "";`)) {
					t.Errorf("the fix copies the server's headers or adds no Connection:\n%s", out)
				}
			}
			if seen != tc.finding {
				t.Errorf("upstream-keepalive-unused reported %v, want %v", seen, tc.finding)
			}
		})
	}
}
