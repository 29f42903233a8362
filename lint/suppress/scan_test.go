package suppress

import (
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/terraform"
)

// Where a line's comment starts: for nginx, Caddy and Terraform as their parsers read it
// (parsers.File.Comments, what suppressions are read from), for YAML by k8s.CommentStart.
// A '#' inside a string or a URL starts no comment.
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
		if got := commentStartOf(c.format, c.line); got != c.want {
			t.Errorf("%s %q: got %d, want %d", c.format, c.line, got, c.want)
		}
	}
}

// commentStartOf parses one line as a file of format and returns where its first
// comment starts, or -1.
func commentStartOf(format, line string) int {
	if format == parsers.FormatK8s {
		return k8s.CommentStart([]byte(line))
	}
	// Terraform lexes comments only in files that hold a suppression marker.
	src := line + "\n# " + parsers.SuppressMarker + "\n"
	in := []parsers.Input{{Path: "f", Abs: "/nonexistent/f", Src: []byte(src)}}
	var m *parsers.Model
	switch format {
	case parsers.FormatNginx:
		m = nginx.Parse(in, parsers.Options{})
	case parsers.FormatCaddy:
		m = caddy.Parse(in, parsers.Options{})
	case parsers.FormatTerraform:
		m = terraform.Parse(in, parsers.Options{})
	}
	f := m.File("f")
	if f == nil {
		return -2
	}
	for _, c := range f.Comments {
		if c.Line == 1 {
			return int(c.Offset)
		}
	}
	return -1
}
