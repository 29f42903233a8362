package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A run with routes and no handler budgets says once, after the summary line, how many
// routes it could not check and how to declare them; JSON carries the count in the
// summary. Nothing is said when every route has a budget (declared, or an app server's
// explicit request timeout), nor when there are no routes.
func TestUnbudgetedSummary(t *testing.T) {
	const twoRoutes = "events {}\nhttp {\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://app:8000;\n        }\n        location /api/ {\n            proxy_pass http://api:8000;\n        }\n        location /static/ {\n            root /srv;\n        }\n    }\n}\n"
	const line = "2 routes have no handler budget, so their timeouts were not checked against how long the handlers take: run `no502 init` to list the routes with their timeout chains, or declare handler_timeout under routes: in .no502.yaml."
	cases := []struct {
		name  string
		files map[string]string
		want  int
	}{
		{"no budgets", map[string]string{"nginx.conf": twoRoutes}, 2},
		{"one budget covers both", map[string]string{"nginx.conf": twoRoutes, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 30s\n"}, 0},
		{"one of two", map[string]string{"nginx.conf": twoRoutes, ".no502.yaml": "routes:\n  - match: /api/\n    handler_timeout: 30s\n"}, 1},
		{"read-timeout-below-budget off", map[string]string{"nginx.conf": twoRoutes, ".no502.yaml": "rules:\n  read-timeout-below-budget: off\n"}, 0},
		{"a FastCGI route counts", map[string]string{"nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        location ~ \\.php$ {\n            fastcgi_pass 10.0.0.5:9000;\n        }\n    }\n}\n"}, 1},
		{"no routes", map[string]string{"nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        root /srv;\n    }\n}\n"}, 0},
		{"app timeouts", map[string]string{
			"nginx.conf": twoRoutes,
			"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n" +
				"  app:\n    image: app\n    command: gunicorn -t 50 app:wsgi\n  api:\n    image: api\n    command: uwsgi --harakiri 20 --http-socket :8000\n",
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			out, _, _ := runIn(t, dir, "", "lint", "--no-color", ".")
			n := strings.Count(out, "no handler budget, so")
			switch {
			case tc.want == 0 && n != 0:
				t.Errorf("unexpected budget line:\n%s", out)
			case tc.want > 0 && n != 1:
				t.Errorf("want the budget line once, got %d:\n%s", n, out)
			case tc.want == 2 && !strings.HasSuffix(out, "\n"+line+"\n"):
				t.Errorf("the budget line should end the report:\n%s", out)
			case tc.want == 1 && !strings.Contains(out, "\n1 route has no handler budget, so its timeouts"):
				t.Errorf("singular line:\n%s", out)
			}
			js, _, _ := runIn(t, dir, "", "lint", "--format", "json", ".")
			var doc struct {
				Summary map[string]int `json:"summary"`
			}
			if err := json.Unmarshal([]byte(js), &doc); err != nil {
				t.Fatalf("%v\n%s", err, js)
			}
			if got, ok := doc.Summary["unbudgeted_routes"]; !ok || got != tc.want {
				t.Errorf("summary.unbudgeted_routes = %d (present %v), want %d", got, ok, tc.want)
			}
			for _, format := range []string{"concise", "github"} {
				if o, _, _ := runIn(t, dir, "", "lint", "--format", format, "."); strings.Contains(o, "no handler budget") {
					t.Errorf("--format %s prints the budget line:\n%s", format, o)
				}
			}
		})
	}
}
