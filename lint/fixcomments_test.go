package lint_test

import (
	"strings"
	"testing"
)

// A fix that replaces a value keeps the comment that ends its line, byte for byte, and
// adds nothing to the file; the summary names the comment, which may describe the old
// value ("# half a minute" next to the new "100"). Decided in "Fix safety audit, part
// four (session 15)": dropping it would delete the user's text (a reason, a ticket, or
// another tool's directive such as `# checkov:skip=…`), rewriting it would guess at
// prose, and annotating the line adds text no one asked for.
func TestFixKeepsTrailingCommentAndSaysSo(t *testing.T) {
	ingress := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n" +
		"    nginx.ingress.kubernetes.io/proxy-read-timeout: \"30\" # half a minute\n" +
		"    nginx.ingress.kubernetes.io/proxy-send-timeout: \"30\" # not changed\n" +
		"spec:\n  ingressClassName: nginx\n  rules:\n    - http:\n        paths:\n          - path: /a/\n            pathType: Prefix\n" +
		"            backend:\n              service:\n                name: web\n                port:\n                  number: 80\n"
	fr, after := fixDir(t, map[string]string{"ing.yaml": ingress, ".no502.yaml": budget}, false)
	got := after["ing.yaml"]
	if !strings.Contains(got, "proxy-read-timeout: \"100\" # half a minute\n") {
		t.Fatalf("the value was not raised with the comment kept as written:\n%s", got)
	}
	if strings.Count(got, "#") != 2 {
		t.Errorf("a comment was added or dropped:\n%s", got)
	}
	kept := fr.KeptComments()
	if len(kept) != 1 || kept[0].Path != "ing.yaml" || kept[0].Line != 6 || kept[0].Comment != "# half a minute" {
		t.Errorf("KeptComments = %+v, want ing.yaml:6 \"# half a minute\"", kept)
	}
	if s := fr.Summary("fixed"); !strings.Contains(s, "a comment on a line a fix changed was kept as written; check that it still holds for the new value: ing.yaml:6 (# half a minute)") {
		t.Errorf("summary does not name the kept comment:\n%s", s)
	}
}

// The same in the other formats: nginx (the fix writes its own note before the user's
// comment; a '#' inside quotes is no comment), Terraform ('//' comments, and the line
// number is the fixed file's, after lines inserted above), and a CRLF file.
func TestFixKeptCommentsOtherFormats(t *testing.T) {
	conf := "events {}\nhttp {\n  server {\n    listen 80;\n    location /a/ {\n      proxy_pass http://127.0.0.1:8080;\n" +
		"      proxy_read_timeout 30s; # half a minute\n      add_header X-Note \"a # b\";\n    }\n  }\n}\n"
	fr, after := fixDir(t, map[string]string{"nginx.conf": conf, ".no502.yaml": budget}, false)
	if !strings.Contains(after["nginx.conf"], "proxy_read_timeout 100s;  # above the 90s handler budget for /a/  # half a minute\n") {
		t.Fatalf("nginx.conf:\n%s", after["nginx.conf"])
	}
	if k := fr.KeptComments(); len(k) != 1 || k[0].Line != 7 || k[0].Comment != "# half a minute" {
		t.Errorf("nginx KeptComments = %+v", k)
	}

	crlf := strings.ReplaceAll(conf, "\n", "\r\n")
	fr, after = fixDir(t, map[string]string{"nginx.conf": crlf, ".no502.yaml": budget}, false)
	if !strings.Contains(after["nginx.conf"], "# half a minute\r\n") {
		t.Fatalf("CRLF nginx.conf:\n%q", after["nginx.conf"])
	}
	if k := fr.KeptComments(); len(k) != 1 || k[0].Comment != "# half a minute" {
		t.Errorf("CRLF KeptComments = %+v", k)
	}

	tf := "resource \"aws_lb\" \"web\" {\n  name               = \"web\"\n  load_balancer_type = \"application\"\n}\n\n" +
		"resource \"aws_lb_target_group\" \"web\" {\n  name     = \"web\"\n  port     = 8080\n  protocol = \"HTTP\"\n}\n\n" +
		"resource \"aws_lb_listener\" \"web\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n" +
		"  default_action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}\n\n" +
		"resource \"aws_ecs_service\" \"web\" {\n  name          = \"web\"\n  desired_count = 1 // just one for now\n" +
		"  load_balancer {\n    target_group_arn = aws_lb_target_group.web.arn\n    container_name   = \"web\"\n    container_port   = 8080\n  }\n}\n"
	fr, after = fixDir(t, map[string]string{"main.tf": tf, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n"}, true)
	got := after["main.tf"]
	if !strings.Contains(got, "desired_count = 2 // just one for now\n") || !strings.Contains(got, "idle_timeout") {
		t.Fatalf("main.tf:\n%s", got)
	}
	want := strings.Count(got[:strings.Index(got, "desired_count = 2")], "\n") + 1
	if k := fr.KeptComments(); len(k) != 1 || k[0].Line != want || k[0].Comment != "// just one for now" {
		t.Errorf("Terraform KeptComments = %+v, want line %d", k, want)
	}
}

// No kept comment: a line a fix inserts, and a line whose comment is not there.
func TestFixNoKeptComment(t *testing.T) {
	conf := "events {}\nhttp {\n  server {\n    listen 80; # the port\n    location /a/ {\n      proxy_pass http://127.0.0.1:8080; # the app\n    }\n  }\n}\n"
	fr, after := fixDir(t, map[string]string{"nginx.conf": conf, ".no502.yaml": budget}, false)
	if !strings.Contains(after["nginx.conf"], "proxy_read_timeout 100s;") {
		t.Fatalf("nginx.conf:\n%s", after["nginx.conf"])
	}
	if k := fr.KeptComments(); len(k) != 0 {
		t.Errorf("KeptComments = %+v, want none (the fix inserts a line)", k)
	}
	if s := fr.Summary("fixed"); strings.Contains(s, "comment") {
		t.Errorf("summary: %s", s)
	}
}
