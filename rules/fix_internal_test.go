package rules

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestLineComment(t *testing.T) {
	for in, want := range map[string]string{
		"    proxy_read_timeout 30s;  # legacy\n":  "# legacy",
		"    add_header X-A \"a # b\";\n":          "",
		"    return 200 'x # y';  # answer\n":      "# answer",
		"  idle_timeout = 60 // seconds\n":         "// seconds",
		"    proxy_pass http://app#frag;\n":        "",
		"\treverse_proxy app:8080 # the app\r\n":   "# the app",
		"    set $a \"\\\"q\\\" # not\";  # yes\n": "# yes",
	} {
		if got := lineComment(in); got != want {
			t.Errorf("lineComment(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBlockFixKeepsComment: replacing a line keeps the user's comment on it.
func TestBlockFixKeepsComment(t *testing.T) {
	src := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout 30s;  # legacy\n}\n"
	m := &parsers.Model{Files: []*parsers.File{{Path: "n.conf", Src: []byte(src)}}}
	at := parsers.Pos{File: "n.conf", Line: 3, Col: 5, Offset: int32(strings.Index(src, "proxy_read"))}
	f := BlockFix(m, parsers.ByteRange("n.conf", 0, len(src)), nginxIndent, "d", LineChange{At: at, Line: "proxy_read_timeout 100s;  # above the budget"})
	want := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout 100s;  # above the budget  # legacy\n}\n"
	if got := string(ApplyEdits([]byte(src), f.Edits)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
