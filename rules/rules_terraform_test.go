package rules_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
	"github.com/no502/no502/rules"
)

// The Terraform testdata lives in testdata/tf-<rule>/<case>/: each case directory is one
// module. TestTestdata checks its want comments; the tests here apply the fixes.

// tfCase is one testdata module held in memory, so fixes can be applied and re-linted.
type tfCase struct {
	dir   string
	files map[string][]byte // display path → content
	cfg   *rules.Config
}

func loadTFCase(t *testing.T, dir string) *tfCase {
	t.Helper()
	c := &tfCase{dir: dir, files: map[string][]byte{}, cfg: rules.DefaultConfig()}
	// A case may hold local modules in subdirectories (modules/svc), read with it.
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == config.FileName && filepath.Dir(p) == dir {
			cfg, err := rules.ParseConfig(p, src)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			c.cfg = cfg
			return nil
		}
		c.files[p] = src
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *tfCase) lint() (*parsers.Model, []rules.Finding) {
	var ins []parsers.Input
	for p, src := range c.files {
		abs, _ := filepath.Abs(p)
		ins = append(ins, parsers.Input{Path: p, Abs: abs, Src: src})
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].Path < ins[j].Path })
	m := terraform.Parse(ins, parsers.Options{})
	return m, rules.Run(m, c.cfg)
}

func tfCaseDirs(t *testing.T) []string {
	dirs, err := filepath.Glob("testdata/tf-*/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no Terraform testdata: %v", err)
	}
	return dirs
}

// TestTerraformFixes applies each finding's fix, lints again and checks that the finding
// is gone, that the fixed files re-parse with hcl/v2, and that terraform fmt accepts them.
func TestTerraformFixes(t *testing.T) {
	tfBin := terraformBinary(t)
	for _, dir := range tfCaseDirs(t) {
		c := loadTFCase(t, dir)
		_, findings := c.lint()
		for i, f := range findings {
			if f.Fix == nil {
				continue
			}
			if len(f.Fix.Edits) == 0 {
				// A snippet-only fix (the user must choose something first) must still be
				// valid, formatted HCL.
				t.Run(fmt.Sprintf("%s/%d-%s-snippet", dir, i, f.Rule.ID), func(t *testing.T) {
					if _, diags := hclsyntax.ParseConfig([]byte(f.Fix.Snippet), "snippet.tf", hcl.InitialPos); diags.HasErrors() {
						t.Errorf("snippet does not parse: %v\n%s", diags, f.Fix.Snippet)
					}
					if tfBin != "" {
						fmtCheck(t, tfBin, "snippet.tf", []byte(f.Fix.Snippet))
					}
				})
				continue
			}
			t.Run(fmt.Sprintf("%s/%d-%s", dir, i, f.Rule.ID), func(t *testing.T) {
				fixed := &tfCase{dir: c.dir, files: map[string][]byte{}, cfg: c.cfg}
				for p, src := range c.files {
					fixed.files[p] = src
				}
				byFile := map[string][]parsers.Edit{}
				for _, e := range f.Fix.Edits {
					byFile[e.File] = append(byFile[e.File], e)
				}
				for p, es := range byFile {
					fixed.files[p] = parsers.ApplyEdits(fixed.files[p], es)
				}
				_, after := fixed.lint()
				if tfCount(after, f.Rule.ID) >= tfCount(findings, f.Rule.ID) {
					for _, a := range after {
						t.Logf("after: %s %s %s", a.Pos, a.Rule.ID, a.Message)
					}
					t.Errorf("fix %q did not clear %s at %s", f.Fix.Description, f.Rule.ID, f.Pos)
				}
				for p := range byFile {
					src := fixed.files[p]
					if _, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos); diags.HasErrors() {
						t.Errorf("%s does not re-parse after the fix: %v\n%s", p, diags, src)
					}
					if tfBin != "" {
						fmtCheck(t, tfBin, p, src)
					}
				}
				if _, diags := hclsyntax.ParseConfig([]byte(f.Fix.Snippet), "snippet.tf", hcl.InitialPos); diags.HasErrors() && !strings.HasSuffix(f.Pos.File, ".tfvars") {
					t.Errorf("snippet does not parse: %v\n%s", diags, f.Fix.Snippet)
				}
				if tfBin != "" {
					fmtCheck(t, tfBin, "snippet.tf", []byte(f.Fix.Snippet))
				}
			})
		}
	}
}

// terraformBinary finds terraform for the fmt checks: skipped with a message when it is
// missing, a failure under CI=true.
func terraformBinary(t *testing.T) string {
	p, err := exec.LookPath("terraform")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("terraform not found (needed for fmt checks under CI): %v", err)
		}
		t.Log("terraform not found: skipping terraform fmt checks")
		return ""
	}
	return p
}

func fmtCheck(t *testing.T, bin, name string, src []byte) {
	t.Helper()
	cmd := exec.Command(bin, "fmt", "-")
	cmd.Stdin = bytes.NewReader(src)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("terraform fmt - failed on %s: %v", name, err)
		return
	}
	if !bytes.Equal(out, src) {
		t.Errorf("%s is not terraform fmt clean:\n--- got\n%s\n--- terraform fmt\n%s", name, src, out)
	}
}

func tfCount(fs []rules.Finding, id string) int {
	n := 0
	for _, f := range fs {
		if f.Rule.ID == id {
			n++
		}
	}
	return n
}

// tfJSON is a .tf.json module: it cannot carry want comments, so its expectations are
// here. JSON syntax gets the same model and findings; fixes are snippets only.
const tfJSON = `{
  "resource": {
    "aws_lb_target_group": {
      "api": {
        "name": "api",
        "port": 8080,
        "protocol": "HTTP",
        "deregistration_delay": "${var.drain}",
        "health_check": {
          "path": "/healthz",
          "matcher": "200-499"
        }
      }
    }
  },
  "variable": {
    "drain": {
      "default": 0
    }
  }
}
`

func TestTerraformJSON(t *testing.T) {
	c := &tfCase{files: map[string][]byte{"json/main.tf.json": []byte(tfJSON)}, cfg: rules.DefaultConfig()}
	m, findings := c.lint()
	if len(m.Diags) != 0 {
		t.Fatalf("diags: %v", m.Diags)
	}
	want := map[string]string{
		"json/main.tf.json:8":  "deregistration-delay-too-short",
		"json/main.tf.json:11": "health-matcher-accepts-errors",
	}
	if len(findings) != len(want) {
		t.Errorf("want %d findings, got %d", len(want), len(findings))
	}
	for _, f := range findings {
		k := fmt.Sprintf("%s:%d", f.Pos.File, f.Pos.Line)
		if want[k] != f.Rule.ID {
			t.Errorf("%s: unexpected %s: %s", k, f.Rule.ID, f.Message)
		}
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !strings.Contains(f.Fix.Snippet, `": `) {
			t.Errorf("%s: want a JSON snippet and no edits, got %+v", k, f.Fix)
		}
		if f.Fix != nil && !strings.Contains(f.Fix.Description, "not written: json/main.tf.json is in Terraform's JSON syntax") {
			t.Errorf("%s: the snippet does not say why it is not written: %s", k, f.Fix.Description)
		}
	}
}

// A value that comes from a terraform.tfvars.json line is shown under the variable's key
// there ("hc_interval": 30, not the attribute's "interval": 30, which would add an
// undeclared variable), and the fix says why it is not written.
func TestTerraformTfvarsJSONSnippet(t *testing.T) {
	main := "variable \"hc_interval\" {\n  type    = number\n  default = 30\n}\n\nresource \"aws_lb_target_group\" \"fe\" {\n  name     = \"fe\"\n  port     = 8080\n  protocol = \"HTTP\"\n\n  health_check {\n    path                = \"/healthz\"\n    interval            = var.hc_interval\n    unhealthy_threshold = 5\n  }\n}\n"
	c := &tfCase{files: map[string][]byte{"app/main.tf": []byte(main), "app/terraform.tfvars.json": []byte("{\n  \"hc_interval\": 60\n}\n")}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "health-check-slow" {
			continue
		}
		n++
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !strings.Contains(f.Fix.Snippet, `"hc_interval": 30`) || !strings.Contains(f.Fix.Description, "terraform.tfvars.json is in Terraform's JSON syntax") {
			t.Errorf("want a snippet setting hc_interval in terraform.tfvars.json and saying why: %+v", f.Fix)
		}
	}
	if n != 1 {
		t.Errorf("%d health-check-slow findings, want 1", n)
	}
}

// TestMatcherWithoutSuccessIsNotEdited: matcher = "404" means the health path answers 404
// today, so setting matcher = "200" alone would fail every target's check. The finding
// must offer a snippet (path first), never an edit that --fix would apply.
func TestMatcherWithoutSuccessIsNotEdited(t *testing.T) {
	c := loadTFCase(t, "testdata/tf-health-matcher-accepts-errors/trigger")
	_, findings := c.lint()
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "health-matcher-accepts-errors" || !strings.Contains(f.Message, `matcher = "404"`) {
			continue
		}
		seen = true
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !strings.Contains(f.Fix.Snippet, "path") {
			t.Errorf("%s: want a snippet-only fix that sets the path, got %+v", f.Pos, f.Fix)
		}
	}
	if !seen {
		t.Fatal(`no finding for matcher = "404"`)
	}
}

// TestDeployStopsAllTasksFixSafety: the fix is safe only when it changes the minimum
// alone and needs no room the cluster may lack (Fargate, or a minimum below 100); it is
// unsafe when it raises deployment_maximum_percent or asks for 100% on EC2 capacity, and
// a snippet for a DAEMON service.
func TestDeployStopsAllTasksFixSafety(t *testing.T) {
	svc := func(extra string) string {
		return `resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
}

resource "aws_ecs_service" "api" {
  name                               = "api"
  deployment_minimum_healthy_percent = 0
` + extra + `
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}
`
	}
	cases := []struct {
		name, extra string
		want        rules.Safety
	}{
		{"fargate-min-only", "  launch_type = \"FARGATE\"\n  desired_count = 1\n", rules.FixSafe},
		{"fargate-raises-max", "  launch_type = \"FARGATE\"\n  desired_count = 1\n  deployment_maximum_percent = 100\n", rules.FixUnsafe},
		{"ec2-min-100", "  launch_type = \"EC2\"\n  desired_count = 1\n", rules.FixUnsafe},
		{"no-launch-type-min-100", "  desired_count = 1\n", rules.FixUnsafe},
		{"ec2-min-50-within-max", "  launch_type = \"EC2\"\n  desired_count = 4\n  deployment_maximum_percent = 100\n", rules.FixSafe},
		{"daemon", "  launch_type = \"EC2\"\n  scheduling_strategy = \"DAEMON\"\n", rules.FixSnippet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantOneFixSafety(t, svc(tc.extra), "deploy-stops-all-tasks", tc.want) })
	}
}

// TestSharedIdleTimeoutFix: an ALB's idle_timeout serves every target group behind it.
// Raising it for one backend is unsafe when the ALB serves others, and not written at
// all when the new value reaches the keep-alive of a server behind any of them (the fix
// would create a keepalive-race there).
func TestSharedIdleTimeoutFix(t *testing.T) {
	alb := func(hooksKeepAlive string, hooksServed bool) string {
		src := `resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 60
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "app" {
  name            = "app"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.app.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([
    {
      name         = "app"
      image        = "ghcr.io/acme/app:1"
      command      = ["gunicorn", "app:app", "--bind", "0.0.0.0:8080", "--timeout", "120"]
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}
`
		if !hooksServed {
			return src
		}
		return src + `
resource "aws_lb_listener_rule" "hooks" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.hooks.arn
  }

  condition {
    path_pattern {
      values = ["/hooks/*"]
    }
  }
}

resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "hooks" {
  name            = "hooks"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.hooks.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.hooks.arn
    container_name   = "hooks"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "hooks" {
  family = "hooks"
  container_definitions = jsonencode([
    {
      name         = "hooks"
      image        = "ghcr.io/acme/hooks:1"
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "` + hooksKeepAlive + `"]
      portMappings = [{ containerPort = 8000 }]
    }
  ])
}
`
	}
	cases := []struct {
		name string
		src  string
		want rules.Safety
	}{
		{"one-backend", alb("", false), rules.FixSafe},
		{"shared-keepalive-above", alb("200", true), rules.FixUnsafe},
		{"shared-keepalive-below", alb("75", true), rules.FixSnippet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantOneFixSafety(t, tc.src, "app-timeout-exceeds-proxy", tc.want) })
	}
}

// wantOneFixSafety lints one Terraform file and wants exactly one finding of rule id,
// whose fix has the safety want.
func wantOneFixSafety(t *testing.T, src, id string, want rules.Safety) {
	t.Helper()
	c := &tfCase{files: map[string][]byte{"m/main.tf": []byte(src)}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	n := 0
	for _, f := range findings {
		if f.Rule.ID != id {
			continue
		}
		n++
		if got := f.Fix.Safety(); got != want {
			t.Errorf("fix %q is %s, want %s", f.Fix.Description, got, want)
		}
	}
	if n != 1 {
		t.Errorf("%d %s findings, want 1", n, id)
	}
}

// TestDeregistrationDelayBelowBudgetWording: the shorter-than-budget message is said of
// the setting ("deregistration_delay = 30: it is shorter than the 60s handler budget"),
// not of the load balancer ("the load balancer is shorter than ...").
func TestDeregistrationDelayBelowBudgetWording(t *testing.T) {
	src := `resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_lb" "web" {
  name = "web"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:1"
    command      = ["gunicorn", "app:app", "-b", "0.0.0.0:8000", "--timeout", "60"]
    portMappings = [{ containerPort = 8000 }]
  }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8000
  }
}
`
	c := &tfCase{files: map[string][]byte{"m/main.tf": []byte(src)}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "deregistration-delay-too-short" {
			continue
		}
		n++
		if !strings.HasPrefix(f.Message, "deregistration_delay = 30: it is shorter than the 60s handler budget") {
			t.Errorf("message: %s", f.Message)
		}
	}
	if n != 1 {
		t.Errorf("%d findings, want 1", n)
	}
}

// TestPerCallFixWhereTheCallDecides: a module evaluated once per call is fixed at the
// call's argument (the module's line is shared by every call); when the variable also
// sets another attribute, changing the argument would change that too, and writing the
// module's line would change every call: a snippet.
func TestPerCallFixWhereTheCallDecides(t *testing.T) {
	child := func(extra string) string {
		return `variable "name" {}

variable "drain" {
  default = 60
}

resource "aws_lb_target_group" "this" {
  name                 = var.name
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = var.drain
` + extra + `}
`
	}
	root := func(drain string) string {
		return `module "api" {
  source = "./modules/svc"
  name   = "api"
  drain  = ` + drain + `
}

module "worker" {
  source = "./modules/svc"
  name   = "worker"
}
`
	}
	for _, tc := range []struct {
		name, extra, drain string
		wantLine           int // the edited line of main.tf; 0: a snippet
	}{
		{"argument", "", "0", 4},
		{"shared", "  slow_start           = var.drain\n", "0", 0},
		// An argument that reads a variable may be a line every call of the caller's own
		// module shares (a module calling a module): not edited.
		{"not constant", "", "local.drain", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &tfCase{files: map[string][]byte{"m/main.tf": []byte(root(tc.drain) + "locals {\n  drain = 0\n}\n"), "m/modules/svc/main.tf": []byte(child(tc.extra))}, cfg: rules.DefaultConfig()}
			_, findings := c.lint()
			n := 0
			for _, f := range findings {
				if f.Rule.ID != "deregistration-delay-too-short" {
					continue
				}
				n++
				if f.Pos.File != "m/modules/svc/main.tf" || f.Pos.Line != 12 || !strings.Contains(f.Message, "from module.api") || !strings.Contains(f.Message, "m/main.tf:4") {
					t.Errorf("finding at %s: %s", f.Pos, f.Message)
				}
				switch {
				case tc.wantLine == 0:
					if !f.Fix.SnippetOnly() || len(f.Fix.Edits) != 0 {
						t.Errorf("want a snippet, got %+v", f.Fix)
					}
				case len(f.Fix.Edits) != 1 || f.Fix.Edits[0].File != "m/main.tf" || !strings.Contains(f.Fix.Edits[0].New, "drain  = 30"):
					t.Errorf("want the call's argument edited, got %+v", f.Fix.Edits)
				}
			}
			if n != 1 {
				t.Errorf("%d findings, want 1 (api's)", n)
			}
		})
	}
}

// TestPassThroughWording: an NLB's TCP target group has no 502 to answer with: its
// clients' connections fail, and the messages say so (an ALB's still say 502).
func TestPassThroughWording(t *testing.T) {
	src := func(protocol string) string {
		return `resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 3000
  protocol    = "` + protocol + `"
  target_type = "ip"
  health_check {
    protocol            = "HTTP"
    path                = "/health"
    interval            = 30
    unhealthy_threshold = 10
  }
}

resource "aws_autoscaling_group" "app" {
  min_size          = 1
  max_size          = 3
  target_group_arns = [aws_lb_target_group.app.arn]
}
`
	}
	for protocol, want := range map[string]string{"TCP": "connections are refused, reset or time out", "HTTP": "clients get 50"} {
		c := &tfCase{files: map[string][]byte{"m/main.tf": []byte(src(protocol))}, cfg: rules.DefaultConfig()}
		_, findings := c.lint()
		seen := map[string]bool{}
		for _, f := range findings {
			seen[f.Rule.ID] = true
			if !strings.Contains(f.Message, want) {
				t.Errorf("%s %s: want %q in %s", protocol, f.Rule.ID, want, f.Message)
			}
		}
		for _, id := range []string{"health-check-slow", "single-task", "asg-ec2-health-check"} {
			if !seen[id] {
				t.Errorf("%s: no %s finding", protocol, id)
			}
		}
	}
}

// TestPerCallHealthPortFixIsSnippet: health-check-wrong-port writes "traffic-port" at the
// use site; in a module evaluated per call that line is every call's, so a snippet.
func TestPerCallHealthPortFixIsSnippet(t *testing.T) {
	c := &tfCase{files: map[string][]byte{
		"m/main.tf": []byte(`module "a" {
  source      = "./modules/svc"
  name        = "a"
  health_port = "8081"
}

module "b" {
  source = "./modules/svc"
  name   = "b"
}
`),
		"m/modules/svc/main.tf": []byte(`variable "name" {}

variable "health_port" {
  default = "traffic-port"
}

resource "aws_lb_target_group" "this" {
  name     = var.name
  port     = 8080
  protocol = "HTTP"
  health_check {
    port = var.health_port
    path = "/health"
  }
}

resource "aws_autoscaling_group" "this" {
  min_size          = 2
  max_size          = 4
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.this.arn]
}
`)}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	if len(findings) != 1 || findings[0].Rule.ID != "health-check-wrong-port" {
		t.Fatalf("want one health-check-wrong-port finding, got %v", findings)
	}
	if f := findings[0].Fix; !f.SnippetOnly() || len(f.Edits) != 0 {
		t.Errorf("want a snippet, got %+v", f)
	}
}

// TestPerCallKeepaliveRaceNamesTheCall: the module's idle_timeout line is every call's;
// the keepalive-race finding of the call whose ALB keeps connections 60s (not the one at
// 3s) says whose value it is.
func TestPerCallKeepaliveRaceNamesTheCall(t *testing.T) {
	c := &tfCase{files: map[string][]byte{
		"m/main.tf": []byte(`module "a" {
  source = "./modules/svc"
  name   = "a"
  idle   = 60
}

module "b" {
  source = "./modules/svc"
  name   = "b"
  idle   = 3
}
`),
		"m/modules/svc/main.tf": []byte(`variable "name" {}
variable "idle" {
  default = 60
}

resource "aws_lb" "this" {
  name         = var.name
  idle_timeout = var.idle
}

resource "aws_lb_target_group" "this" {
  name        = var.name
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

resource "aws_ecs_task_definition" "this" {
  family = var.name
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:1"
    command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
    portMappings = [{ containerPort = 8000 }]
  }])
}

resource "aws_ecs_service" "this" {
  name            = var.name
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = "app"
    container_port   = 8000
  }
}
`)}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "keepalive-race" {
			continue
		}
		n++
		if !strings.Contains(f.Message, "open for 60s") || !strings.Contains(f.Message, "var.idle = 60 from module.a, m/main.tf:4") {
			t.Errorf("message does not name the call: %s", f.Message)
		}
	}
	if n != 1 {
		t.Errorf("%d keepalive-race findings, want 1 (module.a's)", n)
	}
}

// TestTerraformJSONNestedSnippet: in JSON syntax a health_check has no block span, so
// health-check-slow's fix (terraform.Nested) used to insert a new block into nothing and
// showed an empty snippet. It now names every setting, the written ones and the added one.
func TestTerraformJSONNestedSnippet(t *testing.T) {
	const src = `{
  "resource": {
    "aws_lb_target_group": {
      "api": {
        "name": "api",
        "port": 8080,
        "protocol": "HTTP",
        "health_check": {
          "path": "/healthz",
          "interval": 120,
          "timeout": 90
        }
      }
    }
  }
}
`
	c := &tfCase{files: map[string][]byte{"json/main.tf.json": []byte(src)}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	if tfCount(findings, "health-check-slow") != 1 {
		t.Fatalf("want one health-check-slow, got %v", findings)
	}
	for _, f := range findings {
		if f.Rule.ID != "health-check-slow" {
			continue
		}
		if f.Fix == nil || len(f.Fix.Edits) != 0 {
			t.Fatalf("want a snippet, got %+v", f.Fix)
		}
		for _, want := range []string{`"interval": 30`, `"timeout": 15`} {
			if !strings.Contains(f.Fix.Snippet, want) {
				t.Errorf("snippet %q lacks %s (fix: %s)", f.Fix.Snippet, want, f.Fix.Description)
			}
		}
	}
}

// TestHealthCheckSlowKeepsWrittenTimeout: health-check-slow's window fix lowered a
// written timeout of 60s to 15s (safe), so a health endpoint that needs 20s failed every
// target. It now keeps the timeout when an interval above it fits the window, and is
// unsafe when the timeout must go.
func TestHealthCheckSlowKeepsWrittenTimeout(t *testing.T) {
	dir := "testdata/tf-health-check-slow/trigger-written-timeout"
	src, err := os.ReadFile(filepath.Join(dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := &tfCase{files: map[string][]byte{"w/main.tf": src}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	want := map[int]struct {
		desc   string
		safety rules.Safety
	}{
		11: {"set interval = 90", rules.FixSafe},
		26: {"set unhealthy_threshold = 3", rules.FixSafe},
		37: {"set interval = 30, timeout = 15 (unsafe: it lowers the written timeout 120s, and a health endpoint slower than the new one fails every target)", rules.FixUnsafe},
	}
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "health-check-slow" {
			continue
		}
		n++
		w, ok := want[int(f.Pos.Line)]
		if !ok {
			t.Errorf("unexpected finding at %s: %s", f.Pos, f.Message)
			continue
		}
		if f.Fix == nil || f.Fix.Description != w.desc || f.Fix.Safety() != w.safety {
			t.Errorf("line %d: fix %+v, want %q (%s)", f.Pos.Line, f.Fix, w.desc, w.safety)
		}
	}
	if n != len(want) {
		t.Errorf("%d findings, want %d", n, len(want))
	}
}

// TestSingleTaskRaisesMaxCapacity: single-task's fix of an aws_appautoscaling_target set
// min_capacity = 2 beside max_capacity = 1, a range with no value in it; the maximum now
// goes up with the floor.
func TestSingleTaskRaisesMaxCapacity(t *testing.T) {
	src, err := os.ReadFile("testdata/tf-single-task/trigger-max-capacity/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	c := &tfCase{files: map[string][]byte{"m/main.tf": src}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	if tfCount(findings, "single-task") != 1 {
		t.Fatalf("want one single-task, got %v", findings)
	}
	for _, f := range findings {
		if f.Rule.ID == "single-task" && (f.Fix == nil || f.Fix.Description != "set min_capacity = 2 and max_capacity = 2") {
			t.Errorf("fix %+v, want min_capacity and max_capacity = 2", f.Fix)
		}
	}
}

// TestSingleTaskRaisesWrittenDesiredCount: a desired_count = 1 written beside an
// autoscaling floor, with no lifecycle ignore_changes, is what each apply sets the
// service to, so the fix that raises the floor raises it too; an ignored one is left
// alone (TestSingleTaskRaisesMaxCapacity).
func TestSingleTaskRaisesWrittenDesiredCount(t *testing.T) {
	src, err := os.ReadFile("testdata/tf-single-task/trigger-desired-count/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	c := &tfCase{files: map[string][]byte{"m/main.tf": src}, cfg: rules.DefaultConfig()}
	_, findings := c.lint()
	if tfCount(findings, "single-task") != 1 {
		t.Fatalf("want one single-task, got %v", findings)
	}
	for _, f := range findings {
		if f.Rule.ID == "single-task" && (f.Fix == nil || f.Fix.Description != "set min_capacity = 2 and desired_count = 2") {
			t.Errorf("fix %+v, want min_capacity and desired_count = 2", f.Fix)
		}
	}
}
