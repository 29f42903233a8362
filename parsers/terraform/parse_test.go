package terraform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

func parse(t *testing.T, varFiles []string, files ...string) *parsers.Model {
	t.Helper()
	var ins []parsers.Input
	for i := 0; i+1 < len(files); i += 2 {
		ins = append(ins, parsers.Input{Path: files[i], Abs: "/" + files[i], Src: []byte(files[i+1])})
	}
	return terraform.Parse(ins, parsers.Options{VarFiles: varFiles})
}

const lb = `
variable "idle" {
  default = 30
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = var.idle
}
`

func idle(t *testing.T, m *parsers.Model) parsers.Duration {
	t.Helper()
	if len(m.Hops) != 1 {
		t.Fatalf("want 1 hop, got %d (diags %v)", len(m.Hops), m.Diags)
	}
	return m.Hops[0].ClientIdleTimeout
}

// Variable values: default, then terraform.tfvars, then *.auto.tfvars in lexical
// order, then --var-file; the finding's position is the attribute that uses the
// variable, and Via/ViaNote name where the value came from.
func TestVariablePrecedence(t *testing.T) {
	m := parse(t, nil, "m/main.tf", lb)
	s := idle(t, m)
	if s.Value != 30*time.Second || s.Pos.Line != 8 || s.Pos.Col != 3 || s.Text != "idle_timeout = var.idle" {
		t.Errorf("default: got %v at %s %q", s.Value, s.Pos, s.Text)
	}
	if len(s.Via()) != 1 || s.Via()[0].Line != 3 || !strings.Contains(s.ViaNote(), "var.idle = 30 from its default, m/main.tf:3") {
		t.Errorf("via: %v %q", s.Via(), s.ViaNote())
	}
	m = parse(t, nil, "m/main.tf", lb, "m/terraform.tfvars", "idle = 40\n", "m/b.auto.tfvars", "idle = 50\n", "m/a.auto.tfvars", "idle = 45\n")
	if s := idle(t, m); s.Value != 50*time.Second || !strings.Contains(s.ViaNote(), "from b.auto.tfvars, m/b.auto.tfvars:1") {
		t.Errorf("auto.tfvars: got %v %q", s.Value, s.ViaNote())
	}
	m = parse(t, []string{"/vars/prod.tfvars"}, "m/main.tf", lb, "m/terraform.tfvars", "idle = 40\n", "vars/prod.tfvars", "idle = \"120\"\n")
	if s := idle(t, m); s.Value != 120*time.Second {
		t.Errorf("var-file: got %v %q", s.Value, s.ViaNote())
	}
}

func TestUnknowns(t *testing.T) {
	cases := map[string]string{
		"no default":     `variable "idle" {}`,
		"file()":         `locals { x = tonumber(file("/etc/passwd")) }`,
		"local cycle":    "locals {\n  a = local.b + 1\n  b = local.a\n}",
		"resource attr":  `resource "aws_lb" "other" {}`,
		"unknown func":   `locals { x = templatefile("t", {}) }`,
		"for_each value": ``,
	}
	exprs := map[string]string{
		"no default": "var.idle", "file()": "local.x", "local cycle": "local.a",
		"resource attr": "aws_lb.other.idle_timeout", "unknown func": "local.x", "for_each value": "each.value",
	}
	for name, decl := range cases {
		src := decl + "\nresource \"aws_lb\" \"web\" {\n  idle_timeout = " + exprs[name] + "\n}\n"
		m := parse(t, nil, "m/main.tf", src)
		var web *parsers.Hop
		for _, h := range m.Hops {
			if h.Name == "aws_lb.web" {
				web = h
			}
		}
		if web == nil {
			t.Errorf("%s: no hop (diags %v)", name, m.Diags)
			continue
		}
		if s := web.ClientIdleTimeout; !s.Unknown || s.Known() {
			t.Errorf("%s: want unknown, got %+v", name, s)
		}
		for _, d := range m.Diags {
			t.Errorf("%s: evaluation must not produce diags: %s", name, d)
		}
	}
}

func TestLocalsInOrderAndFunctions(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
locals {
  total = max(local.base * 2, tonumber("45"), floor(10.7))
  base  = 30
}

resource "aws_lb" "web" {
  idle_timeout = local.total
}
`)
	if s := idle(t, m); s.Value != 60*time.Second || !strings.Contains(s.ViaNote(), "local.base = 30") {
		t.Errorf("got %v %q", s.Value, s.ViaNote())
	}
}

// A syntax error is a positioned diag; the other files of the module are still read.
func TestSyntaxError(t *testing.T) {
	m := parse(t, nil, "m/bad.tf", "resource \"aws_lb\" \"x\" {\n  idle_timeout = \n}\n", "m/main.tf", lb)
	if len(m.Diags) == 0 || m.Diags[0].Pos.File != "m/bad.tf" || m.Diags[0].Pos.Line != 2 || m.Diags[0].Severity != parsers.Error {
		t.Fatalf("want an error at m/bad.tf:2, got %v", m.Diags)
	}
	found := false
	for _, h := range m.Hops {
		found = found || h.Name == "aws_lb.web"
	}
	if !found {
		t.Error("main.tf was not read after bad.tf failed")
	}
}

func TestRoutesAndLinks(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
resource "aws_lb" "web" {}

resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.web.arn
  default_action {
    type             = "forward"
    target_group_arn = local.tg
  }
}

locals {
  tg = aws_lb_target_group.api.arn
}

resource "aws_lb_listener_rule" "r" {
  listener_arn = aws_lb_listener.l.arn
  action {
    type = "forward"
    forward {
      target_group {
        arn = aws_lb_target_group.api.arn
      }
    }
  }
  condition {
    path_pattern {
      values = ["/api/*", "/exact", "/v?/x"]
    }
  }
}

resource "aws_lb_listener_rule" "health" {
  listener_arn = aws_lb_listener.l.arn
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      status_code  = "200"
    }
  }
  condition {
    path_pattern {
      values = ["/healthz"]
    }
  }
}

resource "aws_lb_target_group" "api" {
  protocol = "HTTP"
}

resource "aws_autoscaling_group" "asg" {
  min_size          = 2
  max_size          = 3
  target_group_arns = [aws_lb_target_group.api.arn]
}
`)
	h := m.Hops[0]
	var got []string
	for _, r := range h.Routes {
		s := r.Path + " " + string(r.PathKind)
		if r.Respond != nil {
			s += " respond"
		}
		if r.ReadTimeout.Value != 60*time.Second || r.ReadTimeout.Default == "" {
			t.Errorf("%s: read timeout %+v, want the ALB default 60s", s, r.ReadTimeout)
		}
		got = append(got, s)
	}
	want := "/ prefix|/api/ prefix|/exact exact|/v?/x regex|/healthz exact respond"
	if strings.Join(got, "|") != want {
		t.Errorf("routes:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	be := m.Backends[0]
	if len(be.Workloads) != 1 || !be.Workloads[0].Served || be.Workloads[0].HealthCheckType.Value != "EC2" {
		t.Errorf("ASG not linked: %+v", be.Workloads)
	}
	hc := be.Health
	if hc.Interval.Value != 30*time.Second || hc.Timeout.Value != 6*time.Second || hc.UnhealthyThreshold.Value != 3 || hc.HealthyThreshold.Value != 3 || hc.Matcher.Value != "200" || hc.Path.Value != "/" {
		t.Errorf("health defaults: %+v", hc)
	}
	if be.DeregistrationDelay.Value != 300*time.Second || be.DeregistrationDelay.Default == "" {
		t.Errorf("deregistration default: %+v", be.DeregistrationDelay)
	}
}

func TestCountZeroAndDynamic(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
variable "enabled" {
  default = false
}

resource "aws_lb" "off" {
  count = var.enabled ? 1 : 0
}

resource "aws_lb_target_group" "dyn" {
  dynamic "health_check" {
    for_each = var.checks
    content {}
  }
}
`)
	if len(m.Hops) != 0 {
		t.Errorf("count = 0 resource became a hop")
	}
	if len(m.Backends) != 1 || m.Backends[0].Health != nil {
		t.Errorf("a dynamic health_check must leave Health unknown (nil)")
	}
}

func TestCloudflareEdge(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
resource "aws_lb" "web" {}

resource "cloudflare_dns_record" "www" {
  name    = "www"
  content = aws_lb.web.dns_name
  proxied = true
}
`)
	if e := m.Hops[0].Edge; e.Value != "cloudflare" || e.Pos.Line != 7 {
		t.Errorf("edge: %+v", e)
	}
}

func TestRoutePathPatterns(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
module "alb" {
  source = "terraform-aws-modules/alb/aws"
  listeners = {
    http = {
      rules = {
        api = {
          actions    = [{ type = "forward", target_group_key = "api" }]
          conditions = [{ path_pattern = { values = ["/api/*"] } }]
        }
      }
    }
  }
  target_groups = {
    api = {
      protocol             = "HTTP"
      deregistration_delay = 15
    }
  }
}
`)
	if len(m.Hops) != 1 || len(m.Hops[0].Routes) != 1 || m.Hops[0].Routes[0].Path != "/api/" {
		t.Fatalf("module routes: %+v", m.Hops)
	}
	be := m.Hops[0].Routes[0].Backend
	if be.Name != `module.alb.target_groups["api"]` || be.DeregistrationDelay.Value != 15*time.Second || be.DeregistrationDelay.Pos.Line != 17 {
		t.Errorf("module target group: %s %+v", be.Name, be.DeregistrationDelay)
	}
}

// The v8 module's listener rules become routes with their path, forwarding to the
// target group their index names.
func TestModuleV8ListenerRules(t *testing.T) {
	src := `
module "alb" {
  source = "terraform-aws-modules/alb/aws"
  target_groups = [
    { name_prefix = "api-", backend_port = 8080 },
    { name_prefix = "rep-", backend_port = 8080 },
  ]
  http_tcp_listeners = [{ port = 80, target_group_index = 0 }]
  https_listener_rules = [{
    actions    = [{ type = "forward", target_group_index = 1 }]
    conditions = [{ path_patterns = ["/reports/*", "/exports/*"] }]
  }, {
    actions = [{ type = "redirect", target_group_index = 0 }]
  }]
}
`
	m := parse(t, nil, "m/main.tf", src)
	if len(m.Hops) != 1 {
		t.Fatalf("want 1 hop, got %d", len(m.Hops))
	}
	var got []string
	for _, r := range m.Hops[0].Routes {
		got = append(got, r.Path+" -> "+r.Backend.Name)
	}
	want := []string{
		"/ -> module.alb.target_groups[0]",
		"/reports/ -> module.alb.target_groups[1]",
		"/exports/ -> module.alb.target_groups[1]",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("routes:\n got %v\nwant %v", got, want)
	}
}

func TestECSCircuitBreaker(t *testing.T) {
	m := parse(t, nil, "m/main.tf", `
resource "aws_ecs_service" "with" {
  name = "a"
  deployment_circuit_breaker {
    enable   = true
    rollback = false
  }
}
resource "aws_ecs_service" "without" {
  name = "b"
}
`)
	if len(m.Workloads) != 2 {
		t.Fatalf("want 2 workloads, got %d", len(m.Workloads))
	}
	with, without := m.Workloads[0], m.Workloads[1]
	if !with.CircuitBreaker.Explicit() || !with.CircuitBreaker.Value || with.CircuitBreaker.Pos.Line != 5 || !with.Rollback.Explicit() || with.Rollback.Value {
		t.Errorf("with: %+v %+v", with.CircuitBreaker, with.Rollback)
	}
	if !without.CircuitBreaker.IsDefault() || without.CircuitBreaker.Value {
		t.Errorf("without: %+v", without.CircuitBreaker)
	}
}

// Terraform sets a root module's variables from -var-file, terraform.tfvars and
// *.auto.tfvars; a child module's come only from its module block (or its defaults). A
// directory that a linted module call uses as its source is a child: the run's var files
// are not its values, and its own tfvars files (loaded only when it is itself the root)
// make the variables they set unknown.
// An environment's var file (one Terraform reads only with -var-file: another .tfvars in
// the directory, or one in a directory below it without .tf files) that sets a variable to
// another value makes it unknown when the run names no var file, with a note; one that
// sets the same value, or other variables, changes nothing; --var-file picks the
// environment.
func TestEnvironmentVarFiles(t *testing.T) {
	m := parse(t, nil, "m/main.tf", lb, "m/envs/prod.tfvars", "idle = 300\n", "m/envs/dev.tfvars", "idle = 30\n")
	if s := idle(t, m); s.Known() {
		t.Errorf("envs/prod.tfvars sets 300: want unknown, got %v %q", s.Value, s.ViaNote())
	}
	var notes []string
	for _, d := range m.Diags {
		notes = append(notes, d.Pos.String()+" "+d.Message)
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "m/envs/prod.tfvars:1:1 ") || !strings.Contains(notes[0], "sets var.idle to another value") || !strings.Contains(notes[0], "--var-file m/envs/prod.tfvars") {
		t.Errorf("want one note on m/envs/prod.tfvars, got %q", notes)
	}
	// Beside the configuration, with a terraform.tfvars that sets the same value.
	m = parse(t, nil, "m/main.tf", lb, "m/terraform.tfvars", "idle = 90\n", "m/prod.tfvars", "idle = 90\nregion = \"eu-west-1\"\n")
	if s := idle(t, m); s.Value != 90*time.Second || len(m.Diags) != 0 {
		t.Errorf("prod.tfvars sets terraform.tfvars' value: got %v %q, diags %v", s.Value, s.ViaNote(), m.Diags)
	}
	m = parse(t, []string{"/m/envs/prod.tfvars"}, "m/main.tf", lb, "m/envs/prod.tfvars", "idle = 300\n", "m/envs/dev.tfvars", "idle = 10\n")
	if s := idle(t, m); s.Value != 300*time.Second || len(m.Diags) != 0 {
		t.Errorf("--var-file m/envs/prod.tfvars: got %v %q, diags %v", s.Value, s.ViaNote(), m.Diags)
	}
	// A var file below another configuration belongs to that one.
	m = parse(t, nil, "m/main.tf", lb, "m/other/main.tf", "locals {}\n", "m/other/envs/prod.tfvars", "idle = 300\n")
	if s := idle(t, m); s.Value != 30*time.Second {
		t.Errorf("another configuration's var file: got %v %q", s.Value, s.ViaNote())
	}
}

func TestVarFilesNotAppliedToChildModule(t *testing.T) {
	const root = `
variable "idle" {
  default = 60
}

module "web" {
  source = "./modules/web"
  name   = "web"
}
`
	const child = `
variable "name" {}

variable "idle" {
  default = 30
}

resource "aws_lb" "web" {
  name         = var.name
  idle_timeout = var.idle
}
`
	m := parse(t, []string{"/prod.tfvars"}, "main.tf", root, "modules/web/main.tf", child, "prod.tfvars", "idle = 1\n")
	if s := idle(t, m); s.Value != 30*time.Second || !strings.Contains(s.ViaNote(), "from its default") {
		t.Errorf("--var-file reached the child module: got %v %q", s.Value, s.ViaNote())
	}
	m = parse(t, nil, "main.tf", root, "modules/web/main.tf", child, "modules/web/terraform.tfvars", "idle = 1\n")
	if s := idle(t, m); s.Known() {
		t.Errorf("a child's own terraform.tfvars: want unknown (root or child use), got %v %q", s.Value, s.ViaNote())
	}
	// The same directory linted without its caller is a root: its var files apply.
	m = parse(t, []string{"/prod.tfvars"}, "modules/web/main.tf", child, "prod.tfvars", "idle = 1\n")
	if s := idle(t, m); s.Value != time.Second {
		t.Errorf("root: got %v %q", s.Value, s.ViaNote())
	}
}

// A local module called twice is built once per call, each with its own inputs; the
// value's origin is the call's argument (PerCall: the attribute is shared by the calls).
// A call with count = 0 builds nothing; an input the caller cannot know is unknown.
func TestModuleEvaluatedPerCall(t *testing.T) {
	const root = `
variable "slow_idle" {
  default = 300
}

module "api" {
  source = "./modules/web"
  name   = "api"
  idle   = 10
}

module "reports" {
  source = "./modules/web"
  name   = "reports"
  idle   = var.slow_idle
}

module "legacy" {
  source = "./modules/web"
  count  = 0
  name   = "legacy"
  idle   = 1
}

module "each" {
  source   = "./modules/web"
  for_each = toset(["a"])
  name     = each.key
  idle     = length(each.key)
}

module "plain" {
  source = "./modules/web"
  name   = "plain"
}
`
	const child = `
variable "name" {}

variable "idle" {
  default = 30
}

resource "aws_lb" "web" {
  name         = var.name
  idle_timeout = var.idle
}
`
	m := parse(t, nil, "main.tf", root, "modules/web/main.tf", child)
	if len(m.Hops) != 4 {
		t.Fatalf("want 4 load balancers (api, reports, each, plain), got %d (diags %v)", len(m.Hops), m.Diags)
	}
	want := []struct {
		known bool
		value time.Duration
		note  string
	}{
		{true, 10 * time.Second, "var.idle = 10 from module.api, main.tf:9"},
		{true, 300 * time.Second, "var.idle = 300 from module.reports (var.slow_idle = 300 from its default, main.tf:3), main.tf:15"},
		{false, 0, ""},
		{true, 30 * time.Second, "var.idle = 30 from its default, modules/web/main.tf:5"},
	}
	for i, h := range m.Hops {
		s := h.ClientIdleTimeout
		w := want[i]
		if s.Known() != w.known || (w.known && (s.Value != w.value || !strings.Contains(s.ViaNote(), w.note))) {
			t.Errorf("call %d: got %v known=%v %q, want %v %q", i, s.Value, s.Known(), s.ViaNote(), w.value, w.note)
		}
		if s.Pos.File != "modules/web/main.tf" || s.Pos.Line != 10 {
			t.Errorf("call %d: position %s, want the attribute in the module", i, s.Pos)
		}
		if s.Origin != nil && !s.Origin.PerCall {
			t.Errorf("call %d: origin not marked PerCall", i)
		}
	}
}

// TestModuleOutputWiring: a target group made in one local module and passed to another
// through the root (tg_arn = module.lb.tg_arn, then down a nested call as a variable)
// serves the ECS service there, whatever order the calls are written in; the same
// module used twice gets each call's own target group.
func TestModuleOutputWiring(t *testing.T) {
	const root = `
module "app" {
  source = "./modules/app"
  tg_arn = module.lb.tg_arn
}

module "lb" {
  source = "./modules/lb"
  name   = "app"
}

module "other_lb" {
  source = "./modules/lb"
  name   = "other"
}

module "unlinked" {
  source = "./modules/app"
  tg_arn = var.external_tg
}

variable "external_tg" {}
`
	const lbMod = `
variable "name" {}

resource "aws_lb_target_group" "this" {
  name     = var.name
  port     = 8080
  protocol = "HTTP"
}

output "tg_arn" {
  value = aws_lb_target_group.this.arn
}
`
	const appMod = `
variable "tg_arn" {}

module "svc" {
  source           = "../svc"
  target_group_arn = var.tg_arn
}
`
	const svcMod = `
variable "target_group_arn" {}

resource "aws_ecs_service" "this" {
  name          = "svc"
  desired_count = 1
  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "app"
    container_port   = 8080
  }
}
`
	m := parse(t, nil, "main.tf", root, "modules/lb/main.tf", lbMod, "modules/app/main.tf", appMod, "modules/svc/main.tf", svcMod)
	served := 0
	for _, w := range m.Workloads {
		if w.Served {
			served++
		}
	}
	if served != 1 {
		t.Errorf("want the service of module.app served (and not module.unlinked's), got %d served of %d", served, len(m.Workloads))
	}
	for _, be := range m.Backends {
		want := 0
		if be.Name == "aws_lb_target_group.this" && len(be.Workloads) > 0 {
			want = 1
		}
		if len(be.Workloads) != want {
			t.Errorf("%s: %d workloads, want %d", be.Name, len(be.Workloads), want)
		}
	}
	linked := 0
	for _, be := range m.Backends {
		linked += len(be.Workloads)
	}
	if linked != 1 {
		t.Errorf("want one target group (module.lb's) linked, got %d links", linked)
	}
}

// TestModuleOutputWiringRoot: the two directions between a caller's own resources and its
// local module calls. A call passed a target group of the caller itself (an
// aws_lb_target_group, or the terraform-aws-modules/alb call's target_group_arns[0])
// serves the service inside the module; a resource of the caller that reads a call's
// output (target_group_arn = module.lb.tg_arn) is linked to the target group the output
// names, and a listener of the caller forwarding to it gives it that load balancer's
// idle timeout as its keep-alive.
func TestModuleOutputWiringRoot(t *testing.T) {
	const root = `
resource "aws_lb" "main" {
  name         = "main"
  idle_timeout = 120
}

resource "aws_lb_target_group" "own" {
  name        = "own"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 8.0"
  name    = "api"
  target_groups = [
    {
      backend_protocol = "HTTP"
      backend_port     = 8000
      target_type      = "ip"
    }
  ]
}

module "svc_own" {
  source = "./modules/svc"
  name   = "own"
  tg_arn = aws_lb_target_group.own.arn
}

module "svc_alb" {
  source = "./modules/svc"
  name   = "alb"
  tg_arn = module.alb.target_group_arns[0]
}

module "lb" {
  source = "./modules/lb"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = module.lb.tg_arn
  }
}

resource "aws_ecs_service" "root" {
  name          = "root"
  desired_count = 1
  load_balancer {
    target_group_arn = module.lb.tg_arn
    container_name   = "app"
    container_port   = 8000
  }
}
`
	const lbMod = `
resource "aws_lb_target_group" "this" {
  name        = "child"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

output "tg_arn" {
  value = aws_lb_target_group.this.arn
}
`
	const svcMod = `
variable "name" {}
variable "tg_arn" {}

resource "aws_ecs_service" "this" {
  name          = var.name
  desired_count = 1
  load_balancer {
    target_group_arn = var.tg_arn
    container_name   = "app"
    container_port   = 8000
  }
}
`
	m := parse(t, nil, "main.tf", root, "modules/lb/main.tf", lbMod, "modules/svc/main.tf", svcMod)
	links := map[string]int{}
	for _, be := range m.Backends {
		links[be.Name] += len(be.Workloads)
		if be.Name == "aws_lb_target_group.this" {
			if !be.KeepAliveIdle.Known() || be.KeepAliveIdle.Value != 120*time.Second {
				t.Errorf("module.lb's target group: keep-alive %+v, want the root listener's load balancer's 120s", be.KeepAliveIdle)
			}
		}
	}
	for name, want := range map[string]int{"aws_lb_target_group.own": 1, "aws_lb_target_group.this": 1} {
		if links[name] != want {
			t.Errorf("%s: %d workloads, want %d (all: %v)", name, links[name], want, links)
		}
	}
	albLinked := false
	for name, n := range links {
		if strings.HasPrefix(name, "module.alb") && n == 1 {
			albLinked = true
		}
	}
	if !albLinked {
		t.Errorf("module.alb's target group not linked to module.svc_alb's service: %v", links)
	}
	for _, w := range m.Workloads {
		if !w.Served {
			t.Errorf("%s not served", w.Name)
		}
	}
}

// TestDynamicOneBlockReadWithVariables: a dynamic block whose for_each is one element
// once the variables are known (var.enabled ? [1] : [], a module input compared with "")
// generates one block, read as written. The for_each was evaluated when the file was
// read, before any variable had a value, so only a literal [1] counted. A target group
// ARN passed down is never "": the module's `var.tg != "" ? [1] : []` load_balancer block
// exists, and its service is linked.
func TestDynamicOneBlockReadWithVariables(t *testing.T) {
	const root = `
variable "hc_enabled" {
  default = true
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  dynamic "health_check" {
    for_each = var.hc_enabled ? [1] : []
    content {
      path    = "/up"
      matcher = "200-499"
    }
  }
}

module "svc" {
  source = "./svc"
  tg     = aws_lb_target_group.web.arn
}
`
	const svc = `
variable "tg" {
  type    = string
  default = ""
}

resource "aws_ecs_service" "this" {
  name          = "svc"
  desired_count = 1
  dynamic "load_balancer" {
    for_each = var.tg != "" ? [1] : []
    content {
      target_group_arn = var.tg
      container_name   = "app"
      container_port   = 8000
    }
  }
}
`
	m := parse(t, nil, "main.tf", root, "svc/main.tf", svc)
	var be *parsers.Backend
	for _, b := range m.Backends {
		if b.Name == "aws_lb_target_group.web" {
			be = b
		}
	}
	if be == nil {
		t.Fatal("no target group")
	}
	if be.Health == nil || !be.Health.Path.Known() || be.Health.Path.Value != "/up" {
		t.Errorf("health check not read from the dynamic block: %+v", be.Health)
	}
	if len(be.Workloads) != 1 {
		t.Errorf("module.svc's service not linked through its dynamic load_balancer: %d workloads", len(be.Workloads))
	}
}

// TestModuleOutputWorkloads: an aws_appautoscaling_target of the root whose resource_id
// names a local module's service through its output (module.svc.name) sets that
// service's floor and ceiling, as it does for a service of its own.
func TestModuleOutputWorkloads(t *testing.T) {
	const root = `
module "svc" {
  source = "./svc"
}

resource "aws_appautoscaling_target" "svc" {
  min_capacity       = 1
  max_capacity       = 4
  resource_id        = "service/prod/${module.svc.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
}
`
	const svc = `
resource "aws_ecs_service" "this" {
  name          = "svc"
  desired_count = 1
}

output "name" {
  value = aws_ecs_service.this.name
}
`
	m := parse(t, nil, "main.tf", root, "svc/main.tf", svc)
	if len(m.Workloads) != 1 {
		t.Fatalf("want 1 workload, got %d", len(m.Workloads))
	}
	w := m.Workloads[0]
	if !w.MinReplicas.Known() || w.MinReplicas.Value != 1 || !w.MaxReplicas.Known() || w.MaxReplicas.Value != 4 {
		t.Errorf("autoscaling target not applied to module.svc's service: min %+v max %+v", w.MinReplicas, w.MaxReplicas)
	}
}
