package terraform_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	gtf "github.com/no502/no502/generators/terraform"
	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// around wires the generated blocks to a load balancer and a service, so the real
// pipeline links route → target group → workload and every rule has something to read.
const around = `
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = %d
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.%s.arn
  }
}

resource "aws_ecs_service" "app" {
  name          = "app"
  desired_count = 2

  load_balancer {
    target_group_arn = aws_lb_target_group.%s.arn
    container_name   = "app"
    container_port   = 8080
  }
}
`

func TestGeneratedLintsClean(t *testing.T) {
	cases := []gtf.TargetGroupOptions{
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", HandlerTimeout: 90 * time.Second, Path: "/hooks/*"},
		{Name: "api-v2", Port: 3000, HealthPath: "/ready", HandlerTimeout: 20 * time.Minute, Path: "/api/"},
		{Name: "web", Port: 80, HealthPath: "/", VPCIDExpr: "aws_vpc.main.id"},
		// The longest budget AWS can drain: the delay stops at its 3600s maximum.
		{Name: "exports", Port: 8080, HealthPath: "/healthz", HandlerTimeout: time.Hour, Path: "/exports/*"},
		// Every character AWS takes in a path pattern, quoted for HCL ('"' escaped).
		{Name: "chars", Port: 8080, HealthPath: "/health?probe=lb&x=$y", Path: "/a_b-c.d$e/~f\"g'h@i:j+k&l/?/*"},
	}
	for _, o := range cases {
		t.Run(o.Name, func(t *testing.T) {
			o.ListenerARNExpr = "aws_lb_listener.https.arn"
			out, err := gtf.GenerateTargetGroup(o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", out)
			if _, diags := hclsyntax.ParseConfig([]byte(out), "gen.tf", hcl.InitialPos); diags.HasErrors() {
				t.Fatalf("generated HCL does not parse: %v", diags)
			}
			fmtCheck(t, out)

			label := strings.ReplaceAll(o.Name, "-", "_")
			idle := 60
			cfgText := ""
			if o.HandlerTimeout > 0 {
				idle = int(o.HandlerTimeout/time.Second) + 30
				match := strings.TrimSuffix(o.Path, "*")
				cfgText = fmt.Sprintf("routes:\n  - match: %s\n    handler_timeout: %s\n", match, o.HandlerTimeout)
			}
			if _, err := rules.ParseConfig(".no502.yaml", []byte(cfgText)); err != nil {
				t.Fatal(err)
			}
			src := out + fmt.Sprintf(around, idle, label, label)
			// Linted as `no502 lint` lints a checkout: the module and its .no502.yaml.
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "gen"), 0o755)
			os.WriteFile(filepath.Join(dir, "gen", "main.tf"), []byte(src), 0o644)
			os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(cfgText), 0o644)
			res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
			if err != nil {
				t.Fatal(err)
			}
			m := res.Model
			for _, d := range m.Diags {
				t.Errorf("diag: %s", d)
			}
			if len(m.Backends) != 1 || len(m.Backends[0].Workloads) != 1 {
				t.Fatalf("the generated target group was not linked: %+v", m.Backends)
			}
			for _, f := range res.Findings {
				t.Errorf("finding on generated config: %s %s: %s", f.Pos, f.Rule.ID, f.Message)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	bad := []gtf.TargetGroupOptions{
		{Name: "", Port: 8080, HealthPath: "/healthz"},
		{Name: "1abc", Port: 8080, HealthPath: "/healthz"},
		{Name: "hooks", Port: 0, HealthPath: "/healthz"},
		{Name: "hooks", Port: 8080, HealthPath: "healthz"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", HandlerTimeout: 2 * time.Hour},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", VPCIDExpr: "file(\"x\")"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "hooks"},
		{Name: "hooks-", Port: 8080, HealthPath: "/healthz"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", HandlerTimeout: time.Hour + time.Second},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "/" + strings.Repeat("a", 127) + "/"},
		// Characters AWS does not take in a path pattern, or a request path cannot hold.
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "/a[1]/*"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "/t/${id}/*"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "/a%20b"},
		{Name: "hooks", Port: 8080, HealthPath: "/healthz", Path: "/a b/*"},
		{Name: "hooks", Port: 8080, HealthPath: "/health%{x}"},
		{Name: "hooks", Port: 8080, HealthPath: "/health z"},
		{Name: "hooks", Port: 8080, HealthPath: "/health#x"},
		{Name: "hooks", Port: 8080, HealthPath: "/" + strings.Repeat("a", 1024)},
	}
	for _, o := range bad {
		if _, err := gtf.GenerateTargetGroup(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

// fmtCheck runs terraform fmt on the output: skipped with a message when terraform is
// missing, a failure under CI=true.
func fmtCheck(t *testing.T, src string) {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("terraform not found (needed under CI): %v", err)
		}
		t.Log("terraform not found: skipping terraform fmt check")
		return
	}
	cmd := exec.Command(bin, "fmt", "-")
	cmd.Stdin = strings.NewReader(src)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform fmt: %v", err)
	}
	if !bytes.Equal(out, []byte(src)) {
		t.Errorf("not terraform fmt clean:\n%s\n--- terraform fmt:\n%s", src, out)
	}
}

// TestHandlerTimeoutBound: the error names the budget the generator takes (it used to say
// 3590s and refuse 3590s).
func TestHandlerTimeoutBound(t *testing.T) {
	out, err := gtf.GenerateTargetGroup(gtf.TargetGroupOptions{Name: "x", Port: 1, HealthPath: "/", HandlerTimeout: 3590 * time.Second})
	if err != nil || !strings.Contains(out, "deregistration_delay = 3600") {
		t.Errorf("3590s: %v\n%s", err, out)
	}
	_, err = gtf.GenerateTargetGroup(gtf.TargetGroupOptions{Name: "x", Port: 1, HealthPath: "/", HandlerTimeout: 3601 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "3601s") || !strings.Contains(err.Error(), "3600s") {
		t.Errorf("3601s: %v", err)
	}
}

// TestIdleTimeoutNamesKeepAlive: the comment that asks for a longer ALB idle_timeout
// also says the app's keep-alive must stay above it. Raised alone (90s budget: 100s), it
// outlives an app's keep-alive set for the default 60s (65s) and the ALB sends requests
// on connections the app has closed: 502 (AWS, "configure the idle timeout of your
// application to be larger than the idle timeout configured for the load balancer").
func TestIdleTimeoutNamesKeepAlive(t *testing.T) {
	out, err := gtf.GenerateTargetGroup(gtf.TargetGroupOptions{Name: "hooks", Port: 8080, HealthPath: "/healthz", HandlerTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "idle_timeout = 100 (or more)") || !strings.Contains(out, "app's keep-alive above that idle_timeout") {
		t.Errorf("the idle_timeout advice does not name the app's keep-alive:\n%s", out)
	}
	fmtCheck(t, out)
}
