package nginx

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestTemplateValuesUnknown: in a file the nginx image renders with envsubst
// (templates/*.conf.template), a directive referring to an environment variable has
// no known value and is no parse error; nginx's own variables and the rest of the file
// are read as usual. The same text in a .conf is an error (nginx -t refuses
// "${BACKEND_TIMEOUT}" as a time).
func TestTemplateValuesUnknown(t *testing.T) {
	src := `upstream backend {
    server app:8000 max_fails=${MAX_FAILS};
    keepalive ${POOL};
}
server {
    listen ${NGINX_PORT};
    location / {
        proxy_pass http://backend;
        proxy_http_version ${HTTP_VERSION};
        proxy_set_header Connection $CONNECTION;
        proxy_set_header Host $host;
        proxy_read_timeout ${BACKEND_TIMEOUT};
        proxy_connect_timeout 5s;
        proxy_next_upstream ${NEXT_UPSTREAM};
    }
}
`
	m := Parse([]parsers.Input{{Path: "templates/default.conf.template", Abs: "/x/templates/default.conf.template", Src: []byte(src)}}, parsers.Options{})
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("diag: %s", d)
		}
	}
	if len(m.Hops) != 1 {
		t.Fatalf("%d hops, want 1", len(m.Hops))
	}
	r := route(t, m.Hops[0], "/")
	for name, known := range map[string]bool{
		"proxy_read_timeout":    r.ReadTimeout.Known(),
		"proxy_next_upstream":   r.Retry.Conditions.Known(),
		"proxy_http_version":    r.HTTPVersion.Known(),
		"Connection":            r.ConnectionHeader.Known(),
		"keepalive":             r.Backend.KeepAliveConns.Known(),
		"max_fails":             r.Backend.Targets[0].MaxFails.Known(),
		"proxy_connect_timeout": !r.ConnectTimeout.Known(),
	} {
		if known {
			t.Errorf("%s: known (connect timeout: unknown), want the other", name)
		}
	}

	m = Parse([]parsers.Input{{Path: "conf.d/default.conf", Abs: "/x/conf.d/default.conf", Src: []byte(src)}}, parsers.Options{})
	errs := 0
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			errs++
		}
	}
	if errs == 0 {
		t.Error("the same text in a .conf: no error, want nginx's")
	}
}

func TestEnvReference(t *testing.T) {
	for s, want := range map[string]bool{
		"${BACKEND_TIMEOUT}": true, "$NGINX_PORT": true, "http://${APP_HOST}:8000": true,
		"$host": false, "${request_uri}": false, "$http_x_forwarded_for": false, "60s": false, "$": false,
		"$scheme://$Host": true,
	} {
		if got := envReference(s); got != want {
			t.Errorf("envReference(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTemplatePlaceholderLines: langgenius/dify's conf.d/default.conf.template holds
// lines that are only ${ACME_CHALLENGE_LOCATION} and ${HTTPS_CONFIG}: its entrypoint
// replaces them with whole directives (or nothing) before nginx starts. They are no
// parse error; a note says the environment puts directives there.
func TestTemplatePlaceholderLines(t *testing.T) {
	src := "server {\n    listen ${NGINX_PORT};\n    location / {\n        proxy_pass http://web:3000;\n    }\n\n    # placeholder\n    ${ACME_CHALLENGE_LOCATION}\n\n    ${HTTPS_CONFIG}\n}\n"
	m := Parse([]parsers.Input{{Path: "conf.d/default.conf.template", Abs: "/x/conf.d/default.conf.template", Src: []byte(src)}}, parsers.Options{})
	notes := 0
	for _, d := range m.Diags {
		switch {
		case d.Severity == parsers.Error:
			t.Errorf("diag: %s", d)
		case strings.Contains(d.Message, "${HTTPS_CONFIG}") || strings.Contains(d.Message, "${ACME_CHALLENGE_LOCATION}"):
			notes++
		}
	}
	if notes != 2 {
		t.Errorf("%d notes, want 2: %v", notes, m.Diags)
	}
	if len(m.Hops) != 1 {
		t.Fatalf("%d hops, want 1", len(m.Hops))
	}
	route(t, m.Hops[0], "/")
	// In a .conf nginx reads the line as it is: an error.
	m = Parse([]parsers.Input{{Path: "conf.d/default.conf", Abs: "/x/conf.d/default.conf", Src: []byte(src)}}, parsers.Options{})
	errs := 0
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			errs++
		}
	}
	if errs == 0 {
		t.Error("no error in the .conf")
	}
}

// TestTemplateIncludeRendered: dify's templates include proxy.conf, which its entrypoint
// renders from proxy.conf.template at start. The include reads the template (its values
// from the environment unknown); an include a template names that no file here provides
// is a note, not an error (what the entrypoint writes is not in the files).
func TestTemplateIncludeRendered(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx/conf.d/default.conf.template": "server {\n  listen 80;\n  location / {\n    proxy_pass http://web:3000;\n    include proxy.conf;\n    include generated.conf;\n  }\n}\n",
		"nginx/proxy.conf.template":          "proxy_http_version 1.1;\nproxy_read_timeout ${NGINX_PROXY_READ_TIMEOUT};\n",
	})
	cfg, _, diags := resolveFile(t, dir, "nginx/conf.d/default.conf.template", parsers.Options{Roots: []string{dir}})
	got := diagStrings(diags)
	if strings.Contains(got, "error") || !strings.Contains(got, "generated.conf") {
		t.Errorf("diags:\n%s", got)
	}
	if n := names(cfg.Directives); !strings.Contains(n, "proxy_http_version") {
		t.Errorf("proxy.conf.template not read: %s", n)
	}
}
