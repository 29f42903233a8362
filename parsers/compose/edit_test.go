package compose

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestSetScalar(t *testing.T) {
	const base = "services:\n  app:  # the API\n    image: app:1\n    stop_grace_period: 10s\n  worker:\n    image: w:1\n  flow: {image: f:1}\n"
	at := func(src, sub string, n int) parsers.Pos {
		i := strings.Index(src, sub)
		if i < 0 {
			t.Fatalf("%q not in source", sub)
		}
		line, col := parsers.LineCol([]byte(src), i)
		return parsers.Pos{File: "compose.yaml", Line: int32(line), Col: int32(col), Offset: int32(i), EndLine: int32(line), EndCol: int32(col + n), EndOffset: int32(i + n)}
	}
	source := func(string) []byte { return []byte(base) }
	for _, c := range []struct {
		name, service, attr, value string
		key, written               parsers.Pos
		want                       string // "" = no edit
	}{
		{"replace the written value", "app", "stop_grace_period", "60s", at(base, "app:", 3), at(base, "10s", 3),
			"services:\n  app:  # the API\n    image: app:1\n    stop_grace_period: 60s\n  worker:\n    image: w:1\n  flow: {image: f:1}\n"},
		{"insert as the first line of the service", "worker", "stop_signal", "SIGTERM", at(base, "worker:", 6), parsers.Pos{},
			"services:\n  app:  # the API\n    image: app:1\n    stop_grace_period: 10s\n  worker:\n    stop_signal: SIGTERM\n    image: w:1\n  flow: {image: f:1}\n"},
		{"insert below a key that carries a comment", "app", "stop_signal", "SIGTERM", at(base, "app:", 3), parsers.Pos{},
			"services:\n  app:  # the API\n    stop_signal: SIGTERM\n    image: app:1\n    stop_grace_period: 10s\n  worker:\n    image: w:1\n  flow: {image: f:1}\n"},
		{"a flow-style service is left to a snippet", "flow", "stop_signal", "SIGTERM", at(base, "flow:", 4), parsers.Pos{}, ""},
		{"a value that would not read back (a number) is left to a snippet", "worker", "stop_grace_period", "60", at(base, "worker:", 6), parsers.Pos{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			edits := SetScalar(source, c.service, c.key, c.attr, c.written, c.value)
			if c.want == "" {
				if edits != nil {
					t.Errorf("want no edit, got %+v", edits)
				}
				return
			}
			if got := string(parsers.ApplyEdits([]byte(base), edits)); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
