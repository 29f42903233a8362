package nginx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestUpstreamNameWithPort: proxy_pass http://app:8000 beside an upstream app {} in the
// same http{} is refused by nginx -t 1.22.1 ("upstream "app" may not have port 8000"),
// before or after the block, whatever the case of the name or the port; nginx does not
// resolve the name as a host instead. A public Compose setup (mohit4u007/DjangoBlog)
// wrote it and no502 said nothing. Near misses: no port, another host, the port in a
// variable's value, an upstream of another file's http{} (another nginx).
func TestUpstreamNameWithPort(t *testing.T) {
	const up = "upstream django_gunicorn {\n    server 10.0.0.1:8000;\n}\n"
	for _, c := range []struct{ name, pass, want string }{
		{"port", "http://django_gunicorn:8000", `3:16 upstream "django_gunicorn" may not have port 8000 (nginx -t rejects it): proxy_pass gives a port to the name of the upstream{} at t.conf:6; to send requests to its servers, drop the port (http://django_gunicorn); to reach the host django_gunicorn:8000, rename or remove that upstream{}`},
		{"port 80, a URI, another case", "http://DJANGO_GUNICORN:80/x", `3:16 upstream "DJANGO_GUNICORN" may not have port 80`},
		{"https", "https://django_gunicorn:443", `3:16 upstream "django_gunicorn" may not have port 443`},
		{"no port", "http://django_gunicorn", ""},
		{"another host", "http://django_gunicorn.local:8000", ""},
		{"a variable host", "http://$h:8000", ""},
		{"an address", "http://10.0.0.1:8000", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "server {\n  location / {\n    proxy_pass " + c.pass + ";\n  }\n}\n" + up
			m := Parse([]parsers.Input{{Path: "t.conf", Src: []byte(src)}}, parsers.Options{})
			var got []string
			for _, d := range m.Diags {
				if d.Severity == parsers.Error {
					got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Col, d.Message))
				}
			}
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("errors %q, want none", got)
			case c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)):
				t.Errorf("errors %q, want %q", got, c.want)
			}
		})
	}
	// Another nginx's upstream (a second main file): its names are not this http{}'s.
	m := Parse([]parsers.Input{
		{Path: "a/nginx.conf", Src: []byte("events {}\nhttp {\n  server { location / { proxy_pass http://app:8000; } }\n}\n")},
		{Path: "b/nginx.conf", Src: []byte("events {}\nhttp {\n  upstream app { server 10.0.0.1:8000; }\n}\n")},
	}, parsers.Options{})
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("two nginx: %s", d.String())
		}
	}
}
