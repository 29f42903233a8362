package load

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

// Whole-pipeline benchmarks (discovery, reading, parsing, linking, every rule and fix) on
// generated corpora that scale, so cost can be seen growing linearly with input. The
// corpora come from ../shared/bench's generators (the ones the peer tools were measured
// on) and are cached in $TMPDIR/no502-bench between runs.
//
//	go test ./parsers/load -run '^$' -bench . -benchmem
//
// docs/benchmarks.md records the numbers and the peak memory of the CLI on the same
// corpora.

func benchCorpus(b *testing.B, name string, gen func(dir string) error) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "no502-bench", name)
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := gen(dir); err != nil {
		b.Skipf("generating %s: %v", name, err)
	}
	os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644)
	return dir
}

func shared(b *testing.B, path string) string {
	p, _ := filepath.Abs(filepath.Join("../../../shared/bench", path))
	if _, err := os.Stat(p); err != nil {
		b.Skip("../shared/bench is not here (a plain clone has no ../shared); skipping")
	}
	return p
}

func genK8s(b *testing.B, docs int) func(string) error {
	gen := shared(b, "gen-k8s-corpus.go")
	return func(dir string) error {
		out, err := exec.Command("go", "run", gen, "-docs", fmt.Sprint(docs), "-seed", "1", "-out", dir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
}

func genScript(b *testing.B, script string, n int, file string) func(string) error {
	gen := shared(b, script)
	return func(dir string) error {
		out, err := exec.Command("bash", gen, fmt.Sprint(n), filepath.Join(dir, file)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
}

// genTerraform writes n target groups with listener rules and ECS services, 50 per file
// in modules of 500.
func genTerraform(n int) func(string) error {
	return func(dir string) error {
		for i := 0; i < n; i += 50 {
			mod := filepath.Join(dir, fmt.Sprintf("mod%03d", i/500))
			os.MkdirAll(mod, 0o755)
			var sb strings.Builder
			if i%500 == 0 {
				fmt.Fprintf(&sb, "variable \"idle\" {\n  default = 60\n}\n\nresource \"aws_lb\" \"web\" {\n  name         = \"web\"\n  idle_timeout = var.idle\n}\n\nresource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n\n  default_action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.tg%d.arn\n  }\n}\n\n", i)
			}
			for j := i; j < i+50 && j < n; j++ {
				fmt.Fprintf(&sb, `resource "aws_lb_target_group" "tg%d" {
  name                 = "tg%d"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = %d

  health_check {
    path     = "/healthz"
    matcher  = "%s"
    interval = 15
  }
}

resource "aws_lb_listener_rule" "r%d" {
  listener_arn = aws_lb_listener.http.arn
  priority     = %d

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tg%d.arn
  }

  condition {
    path_pattern {
      values = ["/svc%d/*"]
    }
  }
}

resource "aws_ecs_service" "svc%d" {
  name            = "svc%d"
  desired_count   = %d
  load_balancer {
    target_group_arn = aws_lb_target_group.tg%d.arn
    container_name   = "app"
    container_port   = 8080
  }
}

`, j, j, []int{0, 30, 300}[j%3], []string{"200", "200-399"}[j%2], j, j%50000+1, j, j, j, j, 1+j%3, j)
			}
			if err := os.WriteFile(filepath.Join(mod, fmt.Sprintf("tg%05d.tf", i)), []byte(sb.String()), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func benchLint(b *testing.B, dir string) {
	b.ReportAllocs()
	b.ResetTimer()
	files, findings := 0, 0
	for i := 0; i < b.N; i++ {
		res, err := Load([]string{dir}, Options{Cwd: dir})
		if err != nil {
			b.Fatal(err)
		}
		fs := rules.Run(res.Model, rules.DefaultConfig())
		files, findings = res.Files, len(fs)
	}
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(findings), "findings")
}

// benchRules times rules.Run alone on a model loaded once: the rules and the facts they
// share, without discovery and parsing.
func benchRules(b *testing.B, dir string) {
	res, err := Load([]string{dir}, Options{Cwd: dir})
	if err != nil {
		b.Fatal(err)
	}
	cfg := rules.DefaultConfig()
	b.ReportAllocs()
	b.ResetTimer()
	findings := 0
	for i := 0; i < b.N; i++ {
		findings = len(rules.Run(res.Model, cfg))
	}
	b.ReportMetric(float64(findings), "findings")
}

func BenchmarkRulesK8s10000(b *testing.B) {
	benchRules(b, benchCorpus(b, "k8s-10000", genK8s(b, 10000)))
}
func BenchmarkRulesNginx5000(b *testing.B) {
	benchRules(b, benchCorpus(b, "nginx-5000", genScript(b, "gen-nginx-corpus.sh", 5000, "nginx.conf")))
}
func BenchmarkRulesCaddy1000(b *testing.B) {
	benchRules(b, benchCorpus(b, "caddy-1000", genScript(b, "gen-caddy-corpus.sh", 1000, "Caddyfile")))
}
func BenchmarkRulesTerraform1000(b *testing.B) {
	benchRules(b, benchCorpus(b, "terraform-1000", genTerraform(1000)))
}

func BenchmarkLintK8s1000(b *testing.B)  { benchLint(b, benchCorpus(b, "k8s-1000", genK8s(b, 1000))) }
func BenchmarkLintK8s5000(b *testing.B)  { benchLint(b, benchCorpus(b, "k8s-5000", genK8s(b, 5000))) }
func BenchmarkLintK8s10000(b *testing.B) { benchLint(b, benchCorpus(b, "k8s-10000", genK8s(b, 10000))) }
func BenchmarkLintK8s50000(b *testing.B) { benchLint(b, benchCorpus(b, "k8s-50000", genK8s(b, 50000))) }

func BenchmarkLintNginx500(b *testing.B) {
	benchLint(b, benchCorpus(b, "nginx-500", genScript(b, "gen-nginx-corpus.sh", 500, "nginx.conf")))
}
func BenchmarkLintNginx5000(b *testing.B) {
	benchLint(b, benchCorpus(b, "nginx-5000", genScript(b, "gen-nginx-corpus.sh", 5000, "nginx.conf")))
}
func BenchmarkLintCaddy1000(b *testing.B) {
	benchLint(b, benchCorpus(b, "caddy-1000", genScript(b, "gen-caddy-corpus.sh", 1000, "Caddyfile")))
}
func BenchmarkLintTerraform1000(b *testing.B) {
	benchLint(b, benchCorpus(b, "terraform-1000", genTerraform(1000)))
}

// BenchmarkLintMonorepo: a mixed repository, every format at once.
func BenchmarkLintMonorepo(b *testing.B) {
	k8s, nginx, caddy := genK8s(b, 2000), genScript(b, "gen-nginx-corpus.sh", 500, "nginx.conf"), genScript(b, "gen-caddy-corpus.sh", 200, "Caddyfile")
	dir := benchCorpus(b, "monorepo", func(dir string) error {
		for sub, gen := range map[string]func(string) error{"k8s": k8s, "nginx": nginx, "caddy": caddy, "terraform": genTerraform(200)} {
			d := filepath.Join(dir, sub)
			os.MkdirAll(d, 0o755)
			if err := gen(d); err != nil {
				return err
			}
		}
		return nil
	})
	benchLint(b, dir)
}
