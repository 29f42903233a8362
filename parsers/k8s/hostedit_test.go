package k8s

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestHostEdits moves edits of nginx.conf held in a ConfigMap into the manifest: lines an
// edit adds get the block's indentation, an empty line of the block (no indentation) takes
// an insertion too, and an edit at the block's very end, which borders the next key, is
// refused.
func TestHostEdits(t *testing.T) {
	host := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  nginx.conf: |\n    events {}\n\n    http {\n        server { listen 80; }\n    }\n  other: x\n"
	conf := "events {}\n\nhttp {\n    server { listen 80; }\n}\n"
	ef := &parsers.File{Path: "cm.yaml#nginx.conf", Format: parsers.FormatNginx, Src: []byte(conf), Host: "cm.yaml",
		Embedding: &parsers.Embedded{Format: parsers.FormatNginx, Path: "cm.yaml#nginx.conf", Key: "nginx.conf", Src: []byte(conf), Host: "cm.yaml", Line: 7, Col: 5, Indent: 4, Owner: "ConfigMap/default/proxy"}}
	at := func(s string) int { return strings.Index(conf, s) }
	cases := []struct {
		name  string
		edits []parsers.Edit
		want  string // "" when refused
	}{
		{
			name:  "a line inserted before another",
			edits: []parsers.Edit{{Start: at("http {"), End: at("http {"), New: "# the server\n"}},
			want:  strings.Replace(host, "    http {\n", "    # the server\n    http {\n", 1),
		},
		{
			name:  "a line inserted at an empty line",
			edits: []parsers.Edit{{Start: at("\n\nhttp") + 1, End: at("\n\nhttp") + 1, New: "worker_shutdown_timeout 30s;\n"}},
			want:  strings.Replace(host, "    events {}\n\n", "    events {}\n    worker_shutdown_timeout 30s;\n\n", 1),
		},
		{
			name:  "a value replaced in its line",
			edits: []parsers.Edit{{Start: at("80;"), End: at("80;") + 2, New: "8080"}},
			want:  strings.Replace(host, "listen 80;", "listen 8080;", 1),
		},
		{
			name:  "an edit at the end of the block",
			edits: []parsers.Edit{{Start: len(conf), End: len(conf), New: "# last\n"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.edits {
				c.edits[i].File = ef.Path
			}
			got, ok := HostEdits(ef, []byte(host), c.edits)
			if c.want == "" {
				if ok {
					t.Fatalf("want refused, got %+v", got)
				}
				return
			}
			if !ok {
				t.Fatal("refused")
			}
			if s := string(parsers.ApplyEdits([]byte(host), got)); s != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", s, c.want)
			}
		})
	}
}
