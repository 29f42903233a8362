package routes

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
)

func route(h *parsers.Hop, path string, kind parsers.PathKind, be *parsers.Backend, line int32) *parsers.Route {
	r := &parsers.Route{Hop: h, Path: path, PathKind: kind, Backend: be,
		Pos:         parsers.Pos{File: "nginx.conf", Line: line},
		ReadTimeout: parsers.Set(time.Duration(line)*time.Second, parsers.Pos{File: "nginx.conf", Line: line + 1}, fmt.Sprintf("proxy_read_timeout %ds", line))}
	h.Routes = append(h.Routes, r)
	return r
}

// chains prints each route as "path [match]: step | step".
func chains(list []Route) string {
	var b strings.Builder
	for _, r := range list {
		fmt.Fprintf(&b, "%s [%s]:", r.Path, r.Match)
		for i, s := range r.Steps {
			if i > 0 {
				b.WriteString(" |")
			}
			fmt.Fprintf(&b, " %s %s %s", s.Layer, s.Name, s.Value())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// An ALB forwarding everything to nginx: each nginx location that forwards is a route
// of its own behind the ALB; those that answer themselves, serve files or are named are
// not listed.
func TestListFollowsOuterRouteToInnerRoutes(t *testing.T) {
	m := &parsers.Model{}
	app := &parsers.Workload{Kind: parsers.Deployment, Name: "api", Containers: []*parsers.Container{{Name: "api",
		App: &parsers.AppServer{Name: "gunicorn", RequestTimeout: parsers.Def(30*time.Second, "gunicorn default 30s (--timeout)")}}}}
	appBE := &parsers.Backend{Kind: parsers.BackendK8sService, Name: "api", Workloads: []*parsers.Workload{app}}
	nginx := &parsers.Hop{Kind: parsers.HopNginx, Name: "example.com", Pos: parsers.Pos{File: "nginx.conf", Line: 1}}
	nginxBE := &parsers.Backend{Kind: parsers.BackendTargetGroup, Name: "nginx", Hops: []*parsers.Hop{nginx}}
	alb := &parsers.Hop{Kind: parsers.HopALB, Name: "aws_lb.web", Pos: parsers.Pos{File: "alb.tf", Line: 1}}
	albRoute := &parsers.Route{Hop: alb, Path: "/", Backend: nginxBE, ReadTimeout: parsers.Def(60*time.Second, "ALB default idle_timeout 60s")}
	alb.Routes = []*parsers.Route{albRoute}

	route(nginx, "/", parsers.PathPrefix, appBE, 10)
	route(nginx, "/api/", parsers.PathPrefix, appBE, 20)
	php := route(nginx, `\.php$`, parsers.PathRegex, nil, 30)
	php.Pass = "fastcgi"
	route(nginx, "^/v2/", parsers.PathRegex, appBE, 35)
	health := route(nginx, "/health", parsers.PathExact, nil, 40)
	health.Respond = &parsers.Respond{}
	route(nginx, "@fallback", parsers.PathNamed, appBE, 50)
	route(nginx, "/static/", parsers.PathPrefix, nil, 60)
	m.Hops = []*parsers.Hop{nginx, alb}

	cfg, err := config.Parse(".no502.yaml", []byte("routes:\n  - match: /api/\n    handler_timeout: 25s\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	list := List(m, cfg)
	want := `/ [/]: load balancer ALB aws_lb.web 60s | proxy nginx example.com / 10s | app gunicorn in Deployment api 30s
/api/ [/api/]: load balancer ALB aws_lb.web 60s | proxy nginx example.com /api/ 20s | app gunicorn in Deployment api 30s
~ \.php$ [/]: load balancer ALB aws_lb.web 60s | proxy nginx example.com ~ \.php$ 30s | app FastCGI app (fastcgi_pass) ?
~ ^/v2/ [/v2/]: load balancer ALB aws_lb.web 60s | proxy nginx example.com ~ ^/v2/ 35s | app gunicorn in Deployment api 30s
`
	if got := chains(list); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !list[1].BudgetOK || list[1].Budget.HandlerTimeout.Value != 25*time.Second || list[0].BudgetOK {
		t.Errorf("budgets: / %v, /api/ %v %v", list[0].BudgetOK, list[1].BudgetOK, list[1].Budget.HandlerTimeout.Value)
	}
	if s := list[0].Steps[1]; s.Source() != "nginx.conf:11" || s.Setting != "proxy_read_timeout" {
		t.Errorf("nginx step source %q setting %q", s.Source(), s.Setting)
	}
	if s := list[0].Steps[0]; s.Source() != "ALB default idle_timeout 60s" {
		t.Errorf("ALB step source %q", s.Source())
	}

	// Cloudflare in front: the edge is the first step.
	cfg, err = config.Parse(".no502.yaml", []byte("edge: cloudflare\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	list = List(m, cfg)
	if s := list[0].Steps[0]; s.Layer != LayerEdge || s.Value() != "120s" || s.Source() != "Cloudflare proxy read timeout 120s" {
		t.Errorf("edge step %+v (%s)", s, s.Source())
	}
}

// A route the inner hop has nothing for says so; proxies forwarding to each other end.
func TestListUnservedAndLoops(t *testing.T) {
	a := &parsers.Hop{Kind: parsers.HopNginx, Name: "a"}
	b := &parsers.Hop{Kind: parsers.HopCaddy, Name: "b"}
	toB := &parsers.Backend{Name: "b", Hops: []*parsers.Hop{b}}
	toA := &parsers.Backend{Name: "a", Hops: []*parsers.Hop{a}}
	route(a, "/", parsers.PathPrefix, toB, 1)
	route(b, "/only/", parsers.PathPrefix, toA, 2)
	c := &parsers.Hop{Kind: parsers.HopALB, Name: "c"}
	route(c, "/x/", parsers.PathPrefix, &parsers.Backend{Name: "b", Hops: []*parsers.Hop{b}}, 3)
	m := &parsers.Model{Hops: []*parsers.Hop{a, b, c}}
	got := chains(List(m, nil))
	want := `/x/ [/x/]: load balancer ALB c /x/ 3s | proxy Caddy b ?
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if l := List(m, nil); !strings.Contains(l[0].Steps[1].Source(), "no route of Caddy serves /x/") {
		t.Errorf("unserved step %+v", l[0].Steps[1])
	}
	// a and b forward to each other and nothing comes in from outside: the walk ends.
	if l := List(&parsers.Model{Hops: []*parsers.Hop{a, b}}, nil); len(l) != 0 {
		t.Errorf("a loop gave chains:\n%s", chains(l))
	}
}

// A path that is not one (an Ingress path left as a template placeholder) has no match.
func TestListPathWithoutMatch(t *testing.T) {
	h := &parsers.Hop{Kind: parsers.HopIngressNginx, Name: "web"}
	route(h, "<html-path>", parsers.PathPrefix, &parsers.Backend{Kind: parsers.BackendK8sService, Name: "web"}, 1)
	l := List(&parsers.Model{Hops: []*parsers.Hop{h}}, nil)
	if len(l) != 1 || l[0].Path != "<html-path>" || l[0].Match != "" || l[0].Steps[1].Source() != "the app is not in the files" {
		t.Errorf("got %+v", l)
	}
}

// An ALB that forwards only /api/ to nginx: nginx's /admin/ is still listed, from nginx on.
func TestListRoutesNoOuterRouteForwards(t *testing.T) {
	nginx := &parsers.Hop{Kind: parsers.HopNginx, Name: "example.com", Pos: parsers.Pos{File: "nginx.conf", Line: 1}}
	appBE := &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "app"}
	route(nginx, "/api/", parsers.PathPrefix, appBE, 10)
	route(nginx, "/admin/", parsers.PathPrefix, appBE, 20)
	alb := &parsers.Hop{Kind: parsers.HopALB, Name: "aws_lb.web", Pos: parsers.Pos{File: "alb.tf", Line: 1}}
	route(alb, "/api/", parsers.PathPrefix, &parsers.Backend{Kind: parsers.BackendTargetGroup, Name: "nginx", Hops: []*parsers.Hop{nginx}}, 5)
	got := chains(List(&parsers.Model{Hops: []*parsers.Hop{nginx, alb}}, nil))
	want := `/api/ [/api/]: load balancer ALB aws_lb.web /api/ 5s | proxy nginx example.com /api/ 10s | app upstream app ?
/admin/ [/admin/]: proxy nginx example.com /admin/ 20s | app upstream app ?
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A Caddy php_fastcgi route names its directive and the FastCGI transport's read_timeout.
func TestListCaddyPHPFastcgi(t *testing.T) {
	caddy := &parsers.Hop{Kind: parsers.HopCaddy, Name: "example.com", Pos: parsers.Pos{File: "Caddyfile", Line: 1}}
	caddy.Routes = []*parsers.Route{{Hop: caddy, Path: "/", PathKind: parsers.PathPrefix, Pass: "fastcgi", Pos: parsers.Pos{File: "Caddyfile", Line: 3}}}
	list := List(&parsers.Model{Hops: []*parsers.Hop{caddy}}, nil)
	if len(list) != 1 || len(list[0].Steps) != 2 {
		t.Fatalf("routes %+v", list)
	}
	proxy, app := list[0].Steps[0], list[0].Steps[1]
	if proxy.Setting != "read_timeout" || app.Name != "FastCGI app (php_fastcgi)" || !strings.Contains(app.Note, "behind php_fastcgi") {
		t.Errorf("steps %+v / %+v", proxy, app)
	}
}

// A reverse_proxy with transport fastcgi (a Caddyfile's, or a JSON config's handler with
// the fastcgi protocol) is named so, not php_fastcgi; the route's source tells.
func TestListCaddyTransportFastcgi(t *testing.T) {
	for _, tc := range []struct {
		file, src, at, want string
	}{
		{"Caddyfile", "example.com {\n\tphp_fastcgi php:9000\n}\n", "php_fastcgi", "php_fastcgi"},
		{"Caddyfile", "example.com {\n\treverse_proxy php:9000 {\n\t\ttransport fastcgi\n\t}\n}\n", "reverse_proxy", "reverse_proxy with transport fastcgi"},
		{"caddy.json", `{"handler": "reverse_proxy", "transport": {"protocol": "fastcgi"}}`, `"handler"`, "reverse_proxy with transport fastcgi"},
	} {
		caddy := &parsers.Hop{Kind: parsers.HopCaddy, Name: "example.com", Pos: parsers.Pos{File: tc.file, Line: 1}}
		off := int32(strings.Index(tc.src, tc.at))
		caddy.Routes = []*parsers.Route{{Hop: caddy, Path: "/", PathKind: parsers.PathPrefix, Pass: "fastcgi", Pos: parsers.Pos{File: tc.file, Line: 2, Offset: off}}}
		m := &parsers.Model{Hops: []*parsers.Hop{caddy}, Files: []*parsers.File{{Path: tc.file, Format: parsers.FormatCaddy, Src: []byte(tc.src)}}}
		list := List(m, nil)
		if len(list) != 1 || len(list[0].Steps) != 2 {
			t.Fatalf("%s: routes %+v", tc.want, list)
		}
		app := list[0].Steps[1]
		if app.Name != "FastCGI app ("+tc.want+")" || app.Note != "the app behind "+tc.want+" is not in the model" {
			t.Errorf("%s: step %+v", tc.want, app)
		}
	}
}

// A proxy_pass to a map{}'s variable is listed through each upstream{} the map sends
// requests to (Route.Alternatives), as outer-hop-gives-up-first reads it: the inner
// nginx behind one of them is walked, the other ends at its upstream. The variable
// address itself, of which nothing is known, is not a chain of its own; a route without
// a map keeps its single chain.
func TestListFollowsMapUpstreams(t *testing.T) {
	inner := &parsers.Hop{Kind: parsers.HopNginx, Name: "inner", Pos: parsers.Pos{File: "inner.conf", Line: 1}}
	route(inner, "/", parsers.PathPrefix, &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "app:8000"}, 120)
	edge := &parsers.Hop{Kind: parsers.HopNginx, Name: "edge", Pos: parsers.Pos{File: "edge.conf", Line: 1}}
	toInner := &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "app_inner", Hops: []*parsers.Hop{inner}}
	static := &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "app_static"}
	r := route(edge, "/", parsers.PathPrefix, &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "http://$backend"}, 30)
	r.Alternatives = []*parsers.Backend{toInner, static}
	route(edge, "/plain/", parsers.PathPrefix, &parsers.Backend{Kind: parsers.BackendNginxUpstream, Name: "http://$other"}, 40)
	got := chains(List(&parsers.Model{Hops: []*parsers.Hop{inner, edge}}, nil))
	want := `/ [/]: proxy nginx edge / via upstream app_inner (map of proxy_pass http://$backend) 30s | proxy nginx inner 120s | app upstream app:8000 ?
/ [/]: proxy nginx edge / via upstream app_static (map of proxy_pass http://$backend) 30s | app upstream app_static ?
/plain/ [/plain/]: proxy nginx edge /plain/ 40s | app upstream http://$other ?
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
