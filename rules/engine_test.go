package rules

import (
	"testing"

	"github.com/no502/no502/parsers"
)

func TestDropOwnPosition(t *testing.T) {
	own := parsers.Pos{File: "main.tf", Line: 5, Col: 3}
	for _, c := range []struct{ in, want string }{
		{`matcher = "404" (main.tf:5) counts`, `matcher = "404" counts`},
		{`x = 1 (main.tf:5; from variable x) y`, `x = 1 (from variable x) y`},
		{`closes them after 5s (--keep-alive 5, main.tf:5): a`, `closes them after 5s (--keep-alive 5): a`},
		{`read_timeout 30s (imported at main.tf:5), below`, `read_timeout 30s, below`},
		{`read_timeout 30s (imported at main.tf:5 ← main.tf:9), below`, `read_timeout 30s (imported at main.tf:5 ← main.tf:9), below`},
		// near misses: another line that starts with the same digits, another file
		{`idle_timeout = 120 (main.tf:51) and`, `idle_timeout = 120 (main.tf:51) and`},
		{`idle_timeout = 120 (alb.tf:5) and`, `idle_timeout = 120 (alb.tf:5) and`},
		{`see main.tf:5 for`, `see main.tf:5 for`},
	} {
		if got := dropOwnPosition(c.in, own); got != c.want {
			t.Errorf("dropOwnPosition(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := dropOwnPosition("a (main.tf:5)", parsers.Pos{}); got != "a (main.tf:5)" {
		t.Errorf("an invalid position changed the message: %q", got)
	}
}
