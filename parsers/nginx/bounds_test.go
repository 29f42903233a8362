package nginx

import (
	"bytes"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// checkBounds asserts that every position the parser produced lies inside src and is
// consistent (start before end, offsets matching line:col).
func checkBounds(t testing.TB, name string, src []byte, cfg *Config, diags []parsers.Diag) {
	t.Helper()
	// Errorf, not Fatalf: the corpus test calls this from a goroutine guarded by a
	// timeout. One report per file is enough.
	failed := false
	fail := func(format string, args ...any) {
		if !failed {
			failed = true
			t.Errorf(format, args...)
		}
	}
	bom := bytes.HasPrefix(src, []byte("\xef\xbb\xbf"))
	lineStarts := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	check := func(what string, p parsers.Pos) {
		n := int32(len(src))
		if p.Offset < 0 || p.Offset > n || p.EndOffset < 0 || p.EndOffset > n || p.EndOffset < p.Offset {
			fail("%s: %s position %+v outside source of %d bytes", name, what, p, len(src))
		}
		if p.Line < 1 || p.Col < 1 {
			fail("%s: %s position %+v has no line/col", name, what, p)
			return
		}
		// Line and column agree with the offset (columns count runes).
		if !bom && p.Offset <= n {
			line := sort.SearchInts(lineStarts, int(p.Offset)+1)
			col := 1 + utf8.RuneCount(src[lineStarts[line-1]:p.Offset])
			if line != int(p.Line) || col != int(p.Col) {
				fail("%s: %s position %+v: offset %d is %d:%d", name, what, p, p.Offset, line, col)
			}
		}
	}
	for _, d := range diags {
		check("diag "+d.Message, d.Pos)
	}
	var walk func(ds []*Directive)
	walk = func(ds []*Directive) {
		for _, d := range ds {
			check("directive "+d.Name, d.Pos())
			check("name "+d.Name, d.NamePos())
			for i, a := range d.Args {
				p := d.ArgPos(i)
				check("arg "+d.Arg(i), p)
				if raw := d.RawArg(i); string(src[p.Offset:p.EndOffset]) != raw || a.Quoted != (raw[0] == '"' || raw[0] == '\'') {
					fail("%s: arg %q does not match source %q", name, raw, src[p.Offset:p.EndOffset])
				}
			}
			walk(d.Block)
		}
	}
	walk(cfg.Directives)
	for _, c := range cfg.Comments {
		check("comment", c.Pos)
		if string(src[c.Pos.Offset:c.Pos.EndOffset]) != c.Raw {
			fail("%s: comment %q does not match source", name, c.Raw)
		}
	}
}
