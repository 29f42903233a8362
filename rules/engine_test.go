package rules

import (
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

// Messages never quote the line their finding points at (the report shows it), and
// still quote every other line: the describe helpers take that line.
func TestOwnPositionNotQuoted(t *testing.T) {
	at := func(file string, line int32) parsers.Pos { return parsers.Pos{File: file, Line: line, Col: 3} }
	pass := &Pass{Model: &parsers.Model{}}
	own := pass.ownLine(at("main.tf", 5))
	matcher := parsers.Set("404", at("main.tf", 5), `matcher = "404"`)
	viaVar := parsers.Set(1, at("main.tf", 5), "x = 1")
	viaVar.SetViaNote("from variable x")
	keepAlive := parsers.Set(5*time.Second, at("main.tf", 5), "--keep-alive 5")
	// A Caddy snippet's value, reported at its import line.
	imported := parsers.Set(30*time.Second, at("snippet.caddy", 2), "read_timeout 30s")
	imported.SetViaNote("imported at main.tf:5")
	importedTwice := imported
	importedTwice.SetViaNote("imported at main.tf:5 ← main.tf:9")
	for _, c := range []struct{ got, want string }{
		{tfDescribe("matcher", matcher, own), `matcher = "404"`},
		{tfDescribe("x", viaVar, own), `x = 1 (from variable x)`},
		{describeSetting(keepAlive, own), `5s (--keep-alive 5)`},
		{describeAt(matcher, own), `matcher = "404"`},
		{listPos("minReplicas: 1", at("main.tf", 5), own), "minReplicas: 1"},
		{describeAt(imported, own), "read_timeout 30s"},
		{describeAt(importedTwice, own), "read_timeout 30s (snippet.caddy:2, imported at main.tf:5 ← main.tf:9)"},
		// near misses: another line that starts with the same digits, another file
		{withPos("idle_timeout = 120", at("main.tf", 51), own), "idle_timeout = 120 (main.tf:51)"},
		{withPos("idle_timeout = 120", at("alb.tf", 5), own), "idle_timeout = 120 (alb.tf:5)"},
		{tfDescribe("x", viaVar, pass.ownLine(at("alb.tf", 5))), "x = 1 (main.tf:5; from variable x)"},
		// a finding with no position quotes every position
		{withPos("a", at("main.tf", 5), pass.ownLine(parsers.Pos{})), "a (main.tf:5)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
