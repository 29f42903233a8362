package lint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// A fix that does not settle (issue 16): two fixes fighting over one value. Two rules that
// exist only in this test (and only for files holding fightMarker) disagree on a
// location's proxy_read_timeout: one raises it to 40s, the other lowers anything from 40s
// down to 30s. --fix must drop the fix that comes back after it was applied, alone, keep
// it as a snippet saying why, and still write every other fix of the run, in the same
// file and in others.

const fightMarker = "no502-test-fight"

func fightRule(id string, fires func(time.Duration) bool, to string) *rules.Rule {
	return &rules.Rule{
		ID:       id,
		Category: rules.Timeout,
		Severity: rules.Warning,
		Summary:  "test only: fights over proxy_read_timeout",
		Formats:  []string{"nginx"},
		Doc:      "# " + id + "\n\nA rule of lint's tests only.\n",
		Run: func(p *rules.Pass) {
			marked := map[string]bool{}
			for _, f := range p.Model.Files {
				if strings.Contains(string(f.Src), fightMarker) {
					marked[f.Path] = true
				}
			}
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					rt := r.ReadTimeout
					if !rt.Explicit() || !marked[rt.Pos.File] || !fires(rt.Value) {
						continue
					}
					fix := (&rules.Fix{
						Description: "set proxy_read_timeout " + to,
						Snippet:     "proxy_read_timeout " + to + ";\n",
						Edits:       []parsers.Edit{{File: rt.Pos.File, Start: int(rt.Pos.Offset), End: int(rt.Pos.EndOffset), New: "proxy_read_timeout " + to + ";"}},
					}).Declare("proxy_read_timeout")
					p.Report(rules.Finding{Pos: rt.Pos, Message: "test: proxy_read_timeout is not " + to, Fix: fix})
				}
			}
		},
	}
}

func init() {
	rules.Register(
		fightRule("test-fight-raise", func(d time.Duration) bool { return d < 40*time.Second }, "40s"),
		fightRule("test-fight-lower", func(d time.Duration) bool { return d >= 40*time.Second }, "30s"),
	)
}

func TestFixThatDoesNotSettle(t *testing.T) {
	// The same file has a fix of its own (HTTP/1.1 for the pooled upstream), and so does
	// another file (a second server block reading a pooled upstream).
	fight := "# " + fightMarker + "\nevents {}\nhttp {\n  upstream pooled {\n    server 10.0.0.1:8080;\n    server 10.0.0.2:8080;\n    keepalive 16;\n  }\n" +
		"  server {\n    listen 80;\n    location /a/ {\n      proxy_pass http://pooled;\n      proxy_read_timeout 30s;\n    }\n  }\n  include conf.d/*.conf;\n}\n"
	other := "upstream pool2 {\n  server 10.0.0.3:8080;\n  server 10.0.0.4:8080;\n  keepalive 8;\n}\nserver {\n  listen 81;\n  location / {\n    proxy_pass http://pool2;\n  }\n}\n"
	fr, after := fixDir(t, map[string]string{"nginx.conf": fight, "conf.d/other.conf": other, ".no502.yaml": "nginx_version: 1.28.0\n"}, false)

	main := after["nginx.conf"]
	if !strings.Contains(main, "proxy_read_timeout 30s;") || strings.Contains(main, "proxy_read_timeout 40s;") {
		t.Errorf("the fight over proxy_read_timeout was written:\n%s", main)
	}
	if !strings.Contains(main, "proxy_http_version 1.1;") {
		t.Errorf("the other fix of nginx.conf was not written:\n%s", main)
	}
	if !strings.Contains(after["conf.d/other.conf"], "proxy_http_version 1.1;") {
		t.Errorf("the fix of another file was not written:\n%s", after["conf.d/other.conf"])
	}
	// The fix that came back is left, as a snippet saying why; nothing else is.
	var left []string
	for _, f := range fr.Final.Findings {
		if f.Fix == nil || f.Fix.Safety() == rules.FixSnippet && f.Fix.SnippetOnly() && !strings.Contains(f.Fix.Description, "does not settle") {
			continue
		}
		left = append(left, f.Rule.ID)
		if f.Rule.ID != "test-fight-raise" {
			t.Errorf("%s: %s: its fix (%s, %s) was not written", f.Rule.ID, f.Pos, f.Fix.Safety(), f.Fix.Description)
			continue
		}
		if f.Fix.Safety() != rules.FixSnippet || !strings.Contains(f.Fix.Description, "does not settle") {
			t.Errorf("the fix that does not settle is %s: %q, want a snippet saying why", f.Fix.Safety(), f.Fix.Description)
		}
	}
	if len(left) != 1 {
		t.Errorf("findings with fixes left: %v, want the fix that does not settle only", left)
	}
}

// A fix whose finding comes back with a new fix every round (it edits the value again and
// again, each time to another number): its identity changes from round to round, so only
// the rounds running out stop it. It is dropped alone all the same.
const creepMarker = "no502-test-creep"

func init() {
	rules.Register(&rules.Rule{
		ID:       "test-creep",
		Category: rules.Timeout,
		Severity: rules.Warning,
		Summary:  "test only: raises proxy_read_timeout by 1s every time",
		Formats:  []string{"nginx"},
		Doc:      "# test-creep\n\nA rule of lint's tests only.\n",
		Run: func(p *rules.Pass) {
			marked := map[string]bool{}
			for _, f := range p.Model.Files {
				if strings.Contains(string(f.Src), creepMarker) {
					marked[f.Path] = true
				}
			}
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					rt := r.ReadTimeout
					if !rt.Explicit() || !marked[rt.Pos.File] {
						continue
					}
					to := parsers.Seconds(rt.Value + time.Second)
					fix := (&rules.Fix{
						Description: "set proxy_read_timeout " + to,
						Edits:       []parsers.Edit{{File: rt.Pos.File, Start: int(rt.Pos.Offset), End: int(rt.Pos.EndOffset), New: "proxy_read_timeout " + to + ";"}},
					}).Declare("proxy_read_timeout")
					p.Report(rules.Finding{Pos: rt.Pos, Message: "test: proxy_read_timeout is never right", Fix: fix})
				}
			}
		},
	})
}

func TestFixThatNeverSettles(t *testing.T) {
	creep := "# " + creepMarker + "\nevents {}\nhttp {\n  upstream pooled {\n    server 10.0.0.1:8080;\n    server 10.0.0.2:8080;\n    keepalive 16;\n  }\n" +
		"  server {\n    listen 80;\n    location /a/ {\n      proxy_pass http://pooled;\n      proxy_read_timeout 30s;\n    }\n  }\n}\n"
	fr, after := fixDir(t, map[string]string{"nginx.conf": creep, ".no502.yaml": "nginx_version: 1.28.0\n"}, false)
	main := after["nginx.conf"]
	if !strings.Contains(main, "proxy_read_timeout 30s;") {
		t.Errorf("the fix that never settles was written:\n%s", main)
	}
	if !strings.Contains(main, "proxy_http_version 1.1;") {
		t.Errorf("the other fix was not written:\n%s", main)
	}
	if fix := finalFix(fr, "test-creep"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "does not settle") {
		t.Errorf("want the creeping fix left as a snippet saying it does not settle, got %+v", fix)
	}
}
