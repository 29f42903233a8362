package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// The caret sits under the span in terminal cells: a CJK character takes two, a tab
// four (as shown), and a byte order mark, which no column counts, is not printed.
func TestSourceCaretCells(t *testing.T) {
	for _, tc := range []struct {
		src      string
		col, end int32
		want     string // the source and caret lines, without the gutter
	}{
		{"location /日本語/ {\tproxy_read_timeout 5s; }\n", 18, 40,
			"location /日本語/ {    proxy_read_timeout 5s; }\n" + strings.Repeat(" ", 23) + strings.Repeat("^", 22) + "\n"},
		{"\uFEFFupstream app { server 10.0.0.1:8080; }\n", 16, 37,
			"upstream app { server 10.0.0.1:8080; }\n               ^^^^^^^^^^^^^^^^^^^^^\n"},
		{"# café\tx\n", 8, 9, "# café    x\n          ^\n"},
	} {
		m := &parsers.Model{Files: []*parsers.File{{Path: "a.conf", Src: []byte(tc.src)}}}
		var b bytes.Buffer
		writeSource(&b, m, lineStarts{}, parsers.Pos{File: "a.conf", Line: 1, Col: tc.col, EndLine: 1, EndCol: tc.end}, newPalette(false))
		var got strings.Builder
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")[1:] {
			got.WriteString(l[strings.Index(l, "|")+2:] + "\n")
		}
		if got.String() != tc.want {
			t.Errorf("%q:\n%s\nwant\n%s", tc.src, got.String(), tc.want)
		}
	}
}

// A CRLF file's fix snippet keeps the file's line endings (it is the corrected block, to
// paste back); the text output shows it without the CRs.
func TestTextSnippetWithoutCR(t *testing.T) {
	src := "upstream app {\r\n  server 10.0.0.6:8080;\r\n}\r\n"
	m := &parsers.Model{Files: []*parsers.File{{Path: "a.conf", Format: parsers.FormatNginx, Src: []byte(src)}}}
	f := rules.Finding{Rule: &rules.Rule{ID: "single-upstream"}, Severity: rules.Warning, Message: "m",
		Pos: parsers.Pos{File: "a.conf", Line: 2, Col: 3}, Fix: &rules.Fix{Description: "d", Snippet: src}}
	var b bytes.Buffer
	if err := writeText(&b, &lint.Result{Findings: []rules.Finding{f}, Files: 1, Model: m}, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\r") || !strings.Contains(b.String(), "| upstream app {\n") {
		t.Errorf("%q", b.String())
	}
}
