package suppress

import (
	"testing"

	"github.com/no502/no502/parsers"
)

func TestCommentStart(t *testing.T) {
	cases := []struct {
		format, line string
		want         int
	}{
		{parsers.FormatNginx, "# all comment", 0},
		{parsers.FormatNginx, "server x;# c", 9},
		{parsers.FormatNginx, `return 200 "a # b"; # c`, 20},
		{parsers.FormatNginx, "proxy_pass http://a#b;", -1},
		{parsers.FormatCaddy, "respond `# x` # c", 14},
		{parsers.FormatK8s, "name: it's # c", 11},
		{parsers.FormatK8s, `name: "a # b" # c`, 14},
		{parsers.FormatK8s, "url: http://x/#frag", -1},
		{parsers.FormatTerraform, `name = "http://x" // c`, 18},
		{parsers.FormatTerraform, `name = "a#b" # c`, 13},
		{parsers.FormatTerraform, "# c", 0},
	}
	for _, c := range cases {
		if got := commentStart(c.format, []byte(c.line)); got != c.want {
			t.Errorf("%s %q: got %d, want %d", c.format, c.line, got, c.want)
		}
	}
}
