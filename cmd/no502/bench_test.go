package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLintOneFile is a pre-commit run on one nginx.conf through the whole command
// path (flag parsing, config lookup, load, rules, suppressions, text output), without
// process start-up, which /usr/bin/time measures (docs/benchmarks.md).
func BenchmarkLintOneFile(b *testing.B) {
	dir := b.TempDir()
	src, err := os.ReadFile("../../testdata/demo/nginx/conf.d/hooks.conf")
	if err != nil {
		b.Fatal(err)
	}
	conf := "events {}\nhttp {\n    upstream hooks_app { server 10.0.1.15:8080; }\n    upstream api_app { server api.internal:8000; }\n" + string(src) + "}\n"
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	old, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(old)
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"lint", "--no-color", "nginx.conf"}, strings.NewReader(""), io.Discard, io.Discard); code != 1 {
			b.Fatalf("exit %d, want 1", code)
		}
	}
}
