package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
)

// detect is the format discovery gives path with content src ("" when skipped).
func detect(path string, src []byte) string {
	format, needSniff := formatByName(path)
	switch {
	case format == "":
		return ""
	case needSniff && caddySniff(format, path, src):
		return parsers.FormatCaddy
	case needSniff && !sniff(format, path, src):
		return ""
	}
	return format
}

func TestCaddyByContent(t *testing.T) {
	site := "example.com {\n\treverse_proxy app:8080\n}\n"
	for _, c := range []struct {
		path, src, want string
	}{
		// Caddy JSON: apps.http at the top level.
		{"caddy.json", `{"apps": {"http": {"servers": {}}}}`, "caddy"},
		{"deploy/config.json", "{\n  \"admin\": {\"disabled\": true},\n  \"apps\": {\"http\": {}}\n}", "caddy"},
		{"broken.json", `{"apps": {"http": {"servers": `, "caddy"}, // reported as a syntax error
		// near misses: a manifest, Terraform JSON, "apps"/"http" deeper down, layer4 only
		{"svc.json", `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "http"}, "spec": {"apps": 1}}`, "k8s"},
		{"main.tf.json", `{"resource": {"apps": {"http": {}}}}`, "terraform"},
		{"package.json", `{"name": "x", "config": {"apps": {"http": {}}}}`, ""},
		{"l4.json", `{"apps": {"layer4": {"servers": {}}}}`, ""},
		{"list.json", `[{"apps": {"http": {}}}]`, ""},
		// Caddyfiles under unusual names
		{"Caddyfile.prod", site, "caddy"}, // by name
		{"caddy.conf", site, "caddy"},
		{"proxy.caddy", site, "caddy"},
		{"CaddyfileConfig", site, "caddy"},
		{"caddyfile-dev", site, "caddy"},
		{"Caddyfile-notes", "TODO: move example.com to the new host\n", ""},
		{"caddyfile-cm.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  Caddyfile: |\n    example.com {\n      reverse_proxy app:8080\n    }\n", "k8s"},
		{"caddy/cm", "data:\n  Caddyfile: |\n    example.com {\n      reverse_proxy app:8080\n    }\n", ""},
		{"caddy/sites", ":8080 {\n\tfile_server\n}\n", "caddy"},
		{"caddy/main", "{\n\temail ops@example.com\n\tgrace_period 10s\n}\n\nhttps://a.example.com, b.example.com {\n\tencode gzip\n}\n", "caddy"},
		{"proxy.caddy", "{$SITE:localhost} {\n\trespond \"ok\"\n}\n", "caddy"},
		// near misses: nginx, YAML, a Dockerfile, other block configs
		{"caddy.conf", "server {\n\tlisten 80;\n\troot /var/www;\n\tlocation / {\n\t\tproxy_pass http://app;\n\t}\n}\n", "nginx"},
		{"site.conf", "example.com {\n\treverse_proxy app:8080;\n}\n", ""},
		{"app.conf", "[program:app]\ncommand=gunicorn app:app\n", ""},
		{"caddy/compose.yaml", "services:\n  caddy:\n    image: caddy\n", "compose"},
		{"caddy/stack.yaml", "services:\n  caddy:\n    image: caddy\n", ""},
		{"caddy/Dockerfile", "FROM caddy:2\nCOPY Caddyfile /etc/caddy/Caddyfile\nRUN echo 'example.com {'\n", ""},
		{"caddy/config", "---\nexample.com {\n\trespond ok\n}\n", ""},
		{"caddy/hcl", "resource \"x\" \"y\" {\n\ttls = true\n}\n", ""},
		{"caddy/notes", "server {\n\trespond x\n}\n", ""},
		{"x.caddy", "example.com {\n\tunknown_thing\n}\n", ""},
	} {
		if got := detect(c.path, []byte(c.src)); got != c.want {
			t.Errorf("%s %q: format %q, want %q", c.path, c.src, got, c.want)
		}
	}
}

// TestCaddyByContentCorpus checks the content tests on every corpus file: no nginx,
// Kubernetes, Terraform or Compose file is taken for Caddy, and every Caddy JSON config
// is.
func TestCaddyByContentCorpus(t *testing.T) {
	root := "../../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/corpus is missing")
		}
		t.Skip("../shared/corpus is not here")
	}
	claimed, recognised, caddyfiles := 0, 0, 0
	for _, dir := range []string{"nginx", "k8s", "terraform", "compose", "caddy", "caddy-json"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			base := filepath.Base(f)
			byName, _ := formatByName(f)
			got := detect(f, src)
			switch dir {
			case "caddy":
				// How many Caddyfiles the content test alone would find (renamed).
				caddyfiles++
				if detect(filepath.Join("caddy", strings.TrimSuffix(base, ".caddyfile")), src) == parsers.FormatCaddy {
					recognised++
				}
			case "caddy-json":
				// Layer4-only configs (caddy-l4) mention "http" only as a matcher: not ours.
				if strings.HasSuffix(base, ".json") && (got == parsers.FormatCaddy) != caddy.IsJSONConfig(src) {
					t.Errorf("caddy-json/%s: discovered as %q", base, got)
				}
			default:
				if got == parsers.FormatCaddy && byName != parsers.FormatCaddy {
					claimed++
					t.Errorf("%s/%s is taken for a Caddyfile by its content", dir, base)
				}
				// Also as if it sat in a caddy/ directory under a bare name.
				if dir != "compose" && detect(filepath.Join("caddy", "x"), src) == parsers.FormatCaddy {
					t.Errorf("%s/%s would be taken for a Caddyfile in a caddy/ directory", dir, base)
				}
			}
		}
	}
	t.Logf("content test: %d of %d corpus Caddyfiles recognised without their name; %d other files claimed", recognised, caddyfiles, claimed)
}

// TestCaddyJSONCorpusLoad lints the corpus's caddy-json directory through discovery:
// every file that is a Caddy JSON config is read as Caddy and parses without an error;
// the rest (layer4-only or logging-only configs, the adapter's error texts) are skipped.
func TestCaddyJSONCorpusLoad(t *testing.T) {
	dir := "../../../shared/corpus/caddy-json"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/corpus is missing")
		}
		t.Skip("../shared/corpus is not here")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	configs := 0
	for _, f := range files {
		if src, err := os.ReadFile(f); err == nil && strings.HasSuffix(f, ".json") && caddy.IsJSONConfig(src) {
			configs++
		}
	}
	res, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != configs || configs < 200 {
		t.Errorf("%d files linted, want the %d Caddy JSON configs (of %d files)", res.Files, configs, len(files))
	}
	caddyFiles := 0
	for _, f := range res.Model.Files {
		if f.Format == parsers.FormatCaddy {
			caddyFiles++
		}
	}
	if caddyFiles != configs {
		t.Errorf("%d files read as Caddy, want %d", caddyFiles, configs)
	}
	for _, d := range res.Model.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("%s", d)
		}
	}
	t.Logf("%d of %d caddy-json files are Caddy JSON configs, all parsed; %d hops", configs, len(files), len(res.Model.Hops))
}
