package suppress_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// A no502:ignore inside a string is text, not a comment: no fix ever removes it (issue 16).
// Each case holds one in a string of its format and a real unused directive (the line
// "# no502:ignore ... -- real"), whose fix must still work.
func TestSuppressionInStringNeverRemoved(t *testing.T) {
	const marker = "no502:ignore single-upstream -- in a string"
	for _, c := range []struct{ name, file, src string }{
		{"nginx return body", "nginx.conf", "http {\n    server {\n        listen 80;\n        # no502:ignore single-upstream -- real\n        location / {\n            return 200 \"ok\n# " + marker + "\n\";\n        }\n    }\n}\n"},
		{"Caddy backtick string", "Caddyfile", "example.com {\n\t# no502:ignore single-upstream -- real\n\trespond `ok\n# " + marker + "\n` 200\n}\n"},
		{"Caddy backtick string, one line", "Caddyfile", "example.com {\n\t# no502:ignore single-upstream -- real\n\trespond `ok # " + marker + "` 200\n}\n"},
		{"HCL heredoc", "main.tf", "# no502:ignore single-task -- real\nresource \"aws_lb_target_group\" \"a\" {\n  name = \"a\"\n  tags = {\n    note = <<EOT\n# " + marker + "\nEOT\n  }\n}\n"},
		{"YAML block scalar", "app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scripts\n# no502:ignore single-replica -- real\ndata:\n  run.sh: |\n    echo start\n    # " + marker + "\n  other: x\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _, unused := lintFiles(t, map[string]string{c.file: c.src}, false)
			fixed := 0
			for _, u := range unused {
				if u.Fix == nil {
					continue
				}
				for _, e := range u.Fix.Edits {
					src := m.File(e.File).Src
					got := string(parsers.ApplyEdits(src, []parsers.Edit{e}))
					if !strings.Contains(got, "# "+marker) {
						t.Errorf("%s: the fix %q removes the text in the string:\n%s", u.Pos, u.Fix.Description, got)
					}
					if strings.Contains(got, "-- real") {
						t.Errorf("%s: the fix %q leaves the real directive:\n%s", u.Pos, u.Fix.Description, got)
					}
					fixed++
				}
			}
			if fixed != 1 {
				t.Errorf("want the real directive's fix only, got %d edits from %v", fixed, ids(unused))
			}
		})
	}
}
