package k8s

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// An Elastic Beanstalk config's files: entries that write nginx files become embedded
// nginx text, with the line and indentation of their block scalar; the rest is left
// alone, and content that cannot be mapped line by line gets a note.
func TestEBExtensionsEmbedded(t *testing.T) {
	src := `# proxy
files:
  "/etc/nginx/conf.d/proxy.conf":
    mode: "000644"
    content: |
      upstream app {
        server 10.0.0.1:8000;
      }
  "/etc/nginx/conf.d/elasticbeanstalk/01.conf":
    content: |2
         location / { proxy_pass http://app; }
  /etc/nginx/nginx.conf:
    content: |-

      events {}
  "/etc/nginx/conf.d/quoted.conf":
    content: "server { listen 80; }"
  "/etc/nginx/conf.d/remote.conf":
    source: https://example.com/x.conf
  "/opt/elasticbeanstalk/hooks/appdeploy/post/99_nginx.conf":
    content: |
      server { listen 80; }
  "/etc/nginx/mime.types":
    content: |
      types { text/html html; }
container_commands:
  01: {command: "service nginx reload"}
`
	m := Parse([]parsers.Input{{Path: "app/.ebextensions/nginx.config", Src: []byte(src)}}, parsers.Options{})
	var got []string
	for _, e := range m.Embedded {
		got = append(got, e.Path+" "+e.Format+" "+e.Owner+" "+itoa(e.Line)+":"+itoa(e.Col)+"/"+itoa(e.Indent)+" "+strings.ReplaceAll(string(e.Src), "\n", `\n`))
	}
	want := []string{
		`app/.ebextensions/nginx.config#/etc/nginx/conf.d/proxy.conf nginx ebextensions 6:7/6 upstream app {\n  server 10.0.0.1:8000;\n}\n`,
		`app/.ebextensions/nginx.config#/etc/nginx/conf.d/elasticbeanstalk/01.conf nginx ebextensions 11:7/6 ` + "   location / { proxy_pass http://app; }\\n",
		`app/.ebextensions/nginx.config#/etc/nginx/nginx.conf nginx ebextensions 14:7/6 \nevents {}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("embedded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(m.Diags) != 1 || m.Diags[0].Pos.Line != 17 || !strings.Contains(m.Diags[0].Message, "/etc/nginx/conf.d/quoted.conf is not a literal block scalar") {
		t.Errorf("diags: %v", m.Diags)
	}
	if len(m.Workloads)+len(m.Services)+len(m.Hops) != 0 {
		t.Errorf("read as a manifest: %d workloads, %d services, %d hops", len(m.Workloads), len(m.Services), len(m.Hops))
	}

	// Not YAML (a location's closing brace less indented than its block ends the
	// scalar, as in a public config): a note, nothing embedded.
	bad := "files:\n  \"/etc/nginx/conf.d/proxy.conf\":\n    content: |\n      location / {\n      return 204;\n    }\n"
	m = Parse([]parsers.Input{{Path: ".ebextensions/cors.config", Src: []byte(bad)}}, parsers.Options{})
	if len(m.Embedded) != 0 || len(m.Diags) != 1 || !strings.Contains(m.Diags[0].Message, "does not parse as YAML") || !m.Diags[0].Pos.IsValid() {
		t.Errorf("bad YAML: embedded %v, diags %v", m.Embedded, m.Diags)
	}
	// The same file outside .ebextensions is no Beanstalk config.
	if !IsEBExtension(".ebextensions/a.config") || !IsEBExtension("x/.ebextensions/B.CONFIG") || IsEBExtension("config/.ebextensions/sub/a.config") || IsEBExtension(".ebextensions/a.yaml") {
		t.Error("IsEBExtension")
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
