package link_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
)

// loadDir loads files written into a temporary directory through the real loader.
func loadDir(t *testing.T, files map[string]string, d *parsers.Declared) *parsers.Model {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := load.Load([]string{"."}, load.Options{Cwd: dir, Parse: parsers.Options{Declared: d}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

func hop(m *parsers.Model, kind parsers.HopKind) *parsers.Hop {
	for _, h := range m.Hops {
		if h.Kind == kind {
			return h
		}
	}
	return nil
}

func workload(m *parsers.Model, name string) *parsers.Workload {
	for _, w := range m.Workloads {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// The consistent stack under testdata/stacks links end to end: ALB Ingress → Service
// proxy → nginx run from a ConfigMap → bare Service name "api" in the pod's namespace →
// uvicorn.
func TestStackLinks(t *testing.T) {
	res, err := load.Load([]string{"."}, load.Options{Cwd: "../../testdata/stacks/alb-ingress-nginx-uvicorn-ok"})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	ng, alb := hop(m, parsers.HopNginx), hop(m, parsers.HopALBIngress)
	proxy, api := workload(m, "proxy"), workload(m, "api")
	if ng == nil || alb == nil || proxy == nil || api == nil {
		t.Fatalf("model incomplete: nginx %v alb %v proxy %v api %v", ng, alb, proxy, api)
	}
	if ng.Workload != proxy {
		t.Errorf("nginx hop runs in %v, want Deployment proxy", ng.Workload)
	}
	if be := alb.Routes[0].Backend; len(be.Hops) != 1 || be.Hops[0] != ng {
		t.Errorf("ALB backend leads to %v, want the nginx hop", be.Hops)
	}
	up := ng.Routes[0].Backend
	if up.Service == nil || up.Service.Name != "api" || len(up.Workloads) != 1 || up.Workloads[0] != api {
		t.Errorf("upstream api links to %v / %v, want Service api and Deployment api", up.Service, up.Workloads)
	}
	a := api.Containers[0].App
	if a == nil || a.Name != "uvicorn" || a.KeepAlive.Value != 75*time.Second || a.GracefulTimeout.Value != 25*time.Second {
		t.Errorf("api app = %+v", a)
	}
	p := proxy.Containers[0].App
	if p == nil || p.Name != "nginx" || p.GracefulTimeout.Value != 15*time.Second || p.KeepAlive.Value != 75*time.Second {
		t.Errorf("proxy app = %+v", p)
	}
}

const svcYAML = `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector:
    app: api
  ports:
    - port: 8000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: api
`

func TestServiceDNSNames(t *testing.T) {
	tests := []struct {
		server string
		linked bool
	}{
		{"api.shop:8000", true},
		{"api.shop.svc:8000", true},
		{"api.shop.svc.cluster.local:8000", true},
		{"api.shop.svc.cluster.local.:8000", true},
		{"api.shop.svc.cluster.local:9000", false}, // port not exposed
		{"api.shop.svc.cluster.local", false},      // port 80 not exposed
		{"api:8000", false},                        // bare name: namespace unknown outside a pod
		{"api.other:8000", false},
		{"api.shop.example.com:8000", false},
		{"10.0.0.1:8000", false},
	}
	for _, tc := range tests {
		t.Run(tc.server, func(t *testing.T) {
			conf := "events {}\nhttp {\n upstream u { server " + tc.server + "; }\n server { listen 80; location / { proxy_pass http://u; } }\n}\n"
			m := loadDir(t, map[string]string{"nginx.conf": conf, "k8s.yaml": svcYAML}, nil)
			be := hop(m, parsers.HopNginx).Routes[0].Backend
			if got := be.Service != nil && len(be.Workloads) == 1; got != tc.linked {
				t.Fatalf("linked = %v, want %v", got, tc.linked)
			}
		})
	}
}

// A mix of a Service name and another host is not linked: replica counts and keep-alive
// would describe part of the pool only.
func TestMixedUpstreamNotLinked(t *testing.T) {
	conf := "events {}\nhttp {\n upstream u { server api.shop:8000; server 10.0.0.9:8000; }\n server { listen 80; location / { proxy_pass http://u; } }\n}\n"
	m := loadDir(t, map[string]string{"nginx.conf": conf, "k8s.yaml": svcYAML}, nil)
	if be := hop(m, parsers.HopNginx).Routes[0].Backend; be.Service != nil || len(be.Workloads) != 0 {
		t.Fatalf("mixed upstream linked to %v", be.Workloads)
	}
}

func TestDeclaredChainAndBackends(t *testing.T) {
	pos := func(l int) parsers.Pos { return parsers.Pos{File: ".no502.yaml", Line: int32(l), Col: 3} }
	tf := `resource "aws_lb" "web" {
  load_balancer_type = "application"
}
resource "aws_lb_target_group" "tg" {
  port     = 80
  protocol = "HTTP"
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.web.arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tg.arn
  }
}
`
	conf := "events {}\nhttp {\n upstream app { server 10.0.0.5:8000; server 10.0.0.6:8000; }\n server { listen 80; server_name www; location / { proxy_pass http://app; } }\n}\n"
	d := &parsers.Declared{
		Chains: []parsers.DeclaredChain{{Pos: pos(1), Steps: []parsers.DeclaredStep{
			{Ref: "cloudflare", Pos: pos(1)},
			{Ref: "tf/alb.tf:aws_lb.web", Pos: pos(2)},
			{Ref: "nginx/nginx.conf", Pos: pos(3)},
			{Ref: "k8s.yaml:Deployment/api", Pos: pos(4)},
			{Ref: "nothing/here.conf", Pos: pos(5)},
		}}},
		Backends: []parsers.DeclaredBackend{{Match: "Deployment/shop/api", Pos: pos(7),
			KeepAlive: parsers.Set(75*time.Second, pos(8), "keep_alive: 75s")}},
	}
	m := loadDir(t, map[string]string{"tf/alb.tf": tf, "nginx/nginx.conf": conf, "k8s.yaml": svcYAML}, d)
	alb, ng, api := hop(m, parsers.HopALB), hop(m, parsers.HopNginx), workload(m, "api")
	if alb.Edge.Value != "cloudflare" || alb.Edge.Pos.Line != 1 {
		t.Errorf("ALB edge = %+v", alb.Edge)
	}
	if be := alb.Routes[0].Backend; len(be.Hops) != 1 || be.Hops[0] != ng {
		t.Errorf("target group leads to %v, want nginx", be.Hops)
	}
	if be := ng.Routes[0].Backend; len(be.Workloads) != 1 || be.Workloads[0] != api {
		t.Errorf("upstream app leads to %v, want Deployment api", be.Workloads)
	}
	if a := api.Containers[0].App; a == nil || a.KeepAlive.Value != 75*time.Second || a.KeepAlive.Pos.Line != 8 {
		t.Errorf("declared app = %+v", a)
	}
	found := false
	for _, dg := range m.Diags {
		if dg.Pos.Line == 5 && dg.Severity == parsers.Info {
			found = true
		}
	}
	if !found {
		t.Errorf("no note for the chain step that matches nothing: %v", m.Diags)
	}
}

// A TargetGroupBinding names a Terraform target group by ARN: the target group gets the
// Service's workloads, so the ALB in front is checked against the pods. Near misses: a
// different name, an ARN that is not a target group's, and a name_prefix (AWS adds a
// random suffix, so no ARN can be matched to it).
func TestTargetGroupBindingLinksTerraformTargetGroup(t *testing.T) {
	const k8s = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: TargetGroupBinding
metadata: {name: web, namespace: shop}
spec:
  serviceRef: {name: web, port: 80}
  targetGroupARN: %s
`
	const tf = `resource "aws_lb_target_group" "web" {
  %s
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}
`
	arn := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/%s/73e2d6bc24d8a067"
	cases := []struct {
		name, arn, tgName string
		linked            bool
	}{
		{"same name", fmt.Sprintf(arn, "web"), `name = "web"`, true},
		{"other name", fmt.Sprintf(arn, "api"), `name = "web"`, false},
		{"not a target group ARN", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1", `name = "web"`, false},
		{"name_prefix", fmt.Sprintf(arn, "web"), `name_prefix = "web"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := loadDir(t, map[string]string{
				"k8s/app.yaml": fmt.Sprintf(k8s, c.arn),
				"tf/main.tf":   fmt.Sprintf(tf, c.tgName),
			}, nil)
			var tg *parsers.Backend
			for _, be := range m.Backends {
				if be.Name == "aws_lb_target_group.web" {
					tg = be
				}
			}
			if tg == nil {
				t.Fatal("no Terraform target group in the model")
			}
			got := len(tg.Workloads) == 1 && tg.Workloads[0] == workload(m, "web") && tg.Service != nil
			if got != c.linked {
				t.Errorf("linked = %v, want %v (workloads %d)", got, c.linked, len(tg.Workloads))
			}
		})
	}
}
