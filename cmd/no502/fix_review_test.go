package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const keepaliveUpstream = "events {\n    worker_connections 64;\n}\n\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        server 127.0.0.2:8080;\n        keepalive 16;\n    }\n\n    server {\n        listen 80;\n        server_name shop.example.com;\n\n"

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Regression (parsers/nginx/edit.go BlockEdit): the '{' of a quoted location regex is taken for the block's
// brace; the fix is written inside the regex, does not clear the finding, and the loop
// adds it again for 10 rounds, then --fix writes all ten copies.
func TestFixQuotedRegexBrace(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        location ~ \"^/export/[a-z]{2}\" {\n            proxy_pass http://app;\n        }\n    }\n}\n"})
	_, stderr, _ := runIn(t, dir, "", "lint", "--fix", ".")
	got := readFile(t, dir, "nginx.conf")
	if !strings.Contains(got, "location ~ \"^/export/[a-z]{2}\" {\n") || strings.Count(got, "proxy_http_version") > 1 || strings.Contains(stderr, "stopped after") {
		t.Errorf("stderr: %s\nwritten:\n%s", stderr, got)
	}
}

// Regression (parsers/nginx/edit.go BlockEdit): the line holding proxy_read_timeout is replaced whole, and
// proxy_pass on that line is deleted; for a one-line location the whole location goes.
func TestFixSharedLineKeepsDirectives(t *testing.T) {
	cfg := "routes:\n  - match: /export/\n    handler_timeout: 90s\n  - match: /b/\n    handler_timeout: 90s\n"
	conf := "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        server 127.0.0.2:8080;\n    }\n    server {\n        listen 80;\n" +
		"        location /export/ {\n            proxy_pass http://app; proxy_read_timeout 30s;\n        }\n" +
		"        location /b/ { proxy_read_timeout 30s; proxy_pass http://app; }\n    }\n}\n"
	dir := writeFiles(t, map[string]string{"nginx.conf": conf, ".no502.yaml": cfg})
	_, stderr, _ := runIn(t, dir, "", "lint", "--fix", ".")
	got := readFile(t, dir, "nginx.conf")
	if strings.Count(got, "proxy_pass http://app;") != 2 || !strings.Contains(got, "location /b/") {
		t.Errorf("stderr: %s\nwritten:\n%s", stderr, got)
	}
}

// Regression (parsers.ApplyEdits, parsers/nginx/edit.go BlockEdit): the location's first line is replaced and a line
// inserted at its start; the insertion is dropped, "fixed 1 finding" is reported, the
// finding remains.
func TestFixFirstLineReplacedAndInsert(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        location /x/ {\n            proxy_http_version 1.0;\n            proxy_pass http://app;\n        }\n    }\n}\n"})
	out, stderr, _ := runIn(t, dir, "", "lint", "--fix", "--no-color", ".")
	got := readFile(t, dir, "nginx.conf")
	if !strings.Contains(got, `proxy_set_header Connection "";`) || strings.Contains(out, "upstream-keepalive-unused") {
		t.Errorf("stderr: %s\nstdout: %s\nwritten:\n%s", stderr, out, got)
	}
}
