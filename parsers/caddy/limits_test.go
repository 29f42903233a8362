package caddy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// --max-includes counts the snippets and files imported, not import directives: 2,000
// sites importing one snippet import one (issue 17). An import bomb (each snippet
// importing the next twice) is stopped by --max-directives.
func TestImportLimitsCountWhatTheySay(t *testing.T) {
	var b strings.Builder
	b.WriteString("(common) {\n\theader X-A b\n}\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "s%d.example.com {\n\timport common\n\treverse_proxy 10.0.0.1:80 10.0.0.2:80\n}\n", i)
	}
	m := Parse([]parsers.Input{{Path: "Caddyfile", Src: []byte(b.String())}}, parsers.Options{MaxIncludes: 10})
	for _, d := range m.Diags {
		t.Errorf("one snippet imported 2,000 times: %s", d)
	}

	b.Reset()
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "(s%d) {\n\timport s%d\n\timport s%d\n}\n", i, i+1, i+1)
	}
	b.WriteString("(s30) {\n\theader X-A b\n}\nexample.com {\n\timport s0\n\treverse_proxy 10.0.0.1:80\n}\n")
	m = Parse([]parsers.Input{{Path: "Caddyfile", Src: []byte(b.String())}}, parsers.Options{MaxDirectives: 5000})
	found := 0
	for _, d := range m.Diags {
		if d.Severity == parsers.Error && strings.Contains(d.Message, "more than 5000 directives") {
			found++
		}
	}
	if found != 1 {
		t.Errorf("import bomb: want one directive-limit error, got %v", m.Diags)
	}
}
