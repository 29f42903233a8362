package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/routes"
	"github.com/no502/no502/rules"
)

// copyTreeTo copies the directory from (dotfiles included) to dir/name and returns it.
func copyTreeTo(t *testing.T, from, dir, name string) string {
	t.Helper()
	to := filepath.Join(dir, name)
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// initTrees are the trees whose `no502 init` output is golden: one per kind of route
// the listing knows, and the README's demo.
var initTrees = []struct{ name, dir string }{
	{"demo", "../../testdata/demo"},                                                 // ALB (Terraform) → nginx → Kubernetes, declared chain
	{"nginx-k8s", "testdata/init/nginx-k8s"},                                        // ALB Ingress → nginx in a ConfigMap → gunicorn, every location kind
	{"cloudflare-ingress", "../../testdata/stacks/cloudflare-alb-ingress-gunicorn"}, // edge → ALB → ingress-nginx → gunicorn
	{"caddy-compose", "../../testdata/stacks/compose-caddy-uvicorn"},                // Caddyfile → Compose service
	{"caddy-json", "../../rules/testdata/caddy-json-read-timeout"},                  // Caddy's JSON config
	{"alb-ecs", "../../testdata/stacks/alb-ecs-node"},                               // ALB (Terraform) → ECS service
	{"alb-module", "../../rules/testdata/tf-module-alb/trigger-v8"},                 // terraform-aws-modules/alb listener rules
	{"compose", "../../rules/testdata/compose-app-timeout"},                         // nginx → Compose services with gunicorn --timeout
}

// Each tree's table, exit status and messages, the file init writes (or, where a config
// already applies, the refusal), and what --stdout prints.
func TestInitGolden(t *testing.T) {
	for _, tree := range initTrees {
		t.Run(tree.name, func(t *testing.T) {
			tmp := t.TempDir()
			copyTreeTo(t, tree.dir, tmp, tree.name)
			var b strings.Builder
			out, errOut, code := runIn(t, tmp, "", "init", tree.name)
			b.WriteString("$ no502 init " + tree.name + "\n" + out)
			b.WriteString("# stderr:\n" + errOut)
			b.WriteString("# exit " + itoa(code) + "\n")
			if written, err := os.ReadFile(filepath.Join(tmp, config.FileName)); err == nil {
				b.WriteString("# " + config.FileName + ":\n" + string(written))
			}
			out, _, code = runIn(t, tmp, "", "init", "--stdout", "--budget", "30s", tree.name)
			if code != 0 {
				t.Errorf("init --stdout --budget 30s: exit %d", code)
			}
			b.WriteString("$ no502 init --stdout --budget 30s " + tree.name + "\n" + out)
			golden(t, filepath.Join("init", tree.name+".golden"), b.String())
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestInitJSON(t *testing.T) {
	tmp := t.TempDir()
	copyTreeTo(t, "testdata/init/nginx-k8s", tmp, "nginx-k8s")
	out, _, code := runIn(t, tmp, "", "init", "--format", "json", "nginx-k8s")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden(t, "init/nginx-k8s.json", out)
	var doc struct {
		Routes []struct {
			Path, Match string
			Chain       []struct {
				Layer, Setting, Timeout, Source string
				Seconds                         *float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Routes) != 4 || doc.Routes[0].Path != "/hooks/" || len(doc.Routes[0].Chain) != 3 {
		t.Fatalf("routes %+v", doc.Routes)
	}
	if s := doc.Routes[0].Chain[1]; s.Layer != "proxy" || s.Setting != "proxy_read_timeout" || s.Seconds == nil || *s.Seconds != 100 {
		t.Errorf("nginx step %+v", s)
	}
}

// lintConcise lints name under dir and returns the concise report and exit status.
func lintConcise(t *testing.T, dir, name string) (string, int) {
	t.Helper()
	out, errOut, code := runIn(t, dir, "", "lint", "--format", "concise", "--no-color", name)
	if code == exitUsage {
		t.Fatalf("lint: exit 2: %s", errOut)
	}
	return out, code
}

// The file init writes loads, changes no finding until it is filled in, and with
// --budget gives every route a budget the timeout rules compare with.
func TestInitFileLoadsAndChangesNothing(t *testing.T) {
	tmp := t.TempDir()
	copyTreeTo(t, "testdata/init/nginx-k8s", tmp, "nginx-k8s")
	before, codeBefore := lintConcise(t, tmp, "nginx-k8s")

	if _, errOut, code := runIn(t, tmp, "", "init", "nginx-k8s"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	path := filepath.Join(tmp, config.FileName)
	cfg, err := config.Load(path, config.FileName, rules.Known)
	if err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	if len(cfg.Routes) != 0 {
		t.Errorf("commented-out entries gave budgets: %+v", cfg.Routes)
	}
	after, codeAfter := lintConcise(t, tmp, "nginx-k8s")
	if after != before || codeAfter != codeBefore {
		t.Errorf("the written file changed the findings:\n--- before (exit %d)\n%s--- after (exit %d)\n%s", codeBefore, before, codeAfter, after)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runIn(t, tmp, "", "init", "--budget", "90s", "nginx-k8s"); code != 0 {
		t.Fatalf("init --budget: exit %d: %s", code, errOut)
	}
	cfg, err = config.Load(path, config.FileName, rules.Known)
	if err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	var matches []string
	for _, rb := range cfg.Routes {
		matches = append(matches, rb.Match+"="+rb.HandlerTimeout.Text)
	}
	if got, want := strings.Join(matches, " "), "/hooks/=handler_timeout: 90s /api/=handler_timeout: 90s /api/v2/=handler_timeout: 90s /=handler_timeout: 90s"; got != want {
		t.Errorf("budgets %s, want %s", got, want)
	}
	budgeted, _ := lintConcise(t, tmp, "nginx-k8s")
	// nginx waits 60s (default) on /api/ and 45s on ^/api/v2/, php-fpm 30s: below 90s.
	for _, want := range []string{
		"nginx-k8s/stack.yaml:53:9: warning[read-timeout-below-budget]",
		"nginx-k8s/stack.yaml:58:11: warning[read-timeout-below-budget]",
		"nginx-k8s/stack.yaml:62:11: warning[read-timeout-below-budget]",
	} {
		if !strings.Contains(budgeted, want) {
			t.Errorf("with --budget 90s, lint does not report %s:\n%s", want, budgeted)
		}
	}
	// Without budgets, gunicorn's --timeout 120 above nginx's 60s on /api/ is reported;
	// with one, read-timeout-below-budget compares with the budget instead.
	const appTimeout = "nginx-k8s/stack.yaml:53:9: warning[app-timeout-exceeds-proxy]"
	if !strings.Contains(before, appTimeout) || strings.Contains(budgeted, appTimeout) {
		t.Errorf("with a budget for every route, app-timeout-exceeds-proxy should leave them to read-timeout-below-budget:\n%s", budgeted)
	}
}

// init never overwrites a config: not the one lint would use, not a file of that name
// lint does not read; --stdout prints instead.
func TestInitNeverOverwrites(t *testing.T) {
	const existing = "rules:\n  single-replica: off\n"
	tmp := t.TempDir()
	copyTreeTo(t, "testdata/init/nginx-k8s", tmp, "nginx-k8s")
	path := filepath.Join(tmp, config.FileName)
	if err := os.WriteFile(path, []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "nginx-k8s"}, {"init", "--budget", "30s", "nginx-k8s"}, {"init"}} {
		out, errOut, code := runIn(t, tmp, "", args...)
		if code != exitUsage || !strings.Contains(errOut, "init never overwrites a config") || !strings.Contains(out, "/hooks/") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q: want the routes listed, then exit 2 with the refusal", args, code, out, errOut)
		}
	}
	out, _, code := runIn(t, tmp, "", "init", "--stdout", "nginx-k8s")
	if code != 0 || !strings.HasPrefix(out, "# .no502.yaml, written by no502 init") {
		t.Errorf("--stdout: exit %d, %q", code, out)
	}
	if b, _ := os.ReadFile(path); string(b) != existing {
		t.Errorf("the existing config was changed:\n%s", b)
	}

	// A config in the linted directory applies to it: init run from elsewhere refuses too.
	sub := filepath.Join(tmp, "nginx-k8s", config.FileName)
	if err := os.WriteFile(sub, []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runIn(t, tmp, "", "init", "nginx-k8s"); code != exitUsage || !strings.Contains(errOut, filepath.Join("nginx-k8s", config.FileName)+" already applies") {
		t.Errorf("config next to the linted files: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("init wrote %s although nginx-k8s/%s applies", config.FileName, config.FileName)
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}

	// Something named .no502.yaml that lint does not read (a directory) is not replaced.
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runIn(t, tmp, "", "init", "nginx-k8s"); code != exitUsage || !strings.Contains(errOut, "already exists: init never overwrites it") {
		t.Errorf("directory named %s: exit %d, %q", config.FileName, code, errOut)
	}
}

func TestInitUsage(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"init", "--budget", "30"}, "not a positive duration"},
		{[]string{"init", "--budget", "-5s"}, "not a positive duration"},
		{[]string{"init", "--format", "yaml"}, "unknown --format"},
		{[]string{"init", "--stdout", "--format", "json"}, "cannot be combined"},
		{[]string{"init", "no-such-dir"}, "no-such-dir"},
		{[]string{"init", "-"}, "not standard input"},
	} {
		_, errOut, code := runIn(t, tmp, "", c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.msg)
		}
	}
	// Nothing to list: nothing is written.
	out, errOut, code := runIn(t, tmp, "", "init")
	if code != 0 || !strings.Contains(errOut, "no route found") || !strings.Contains(out, "0 routes") {
		t.Errorf("empty directory: exit %d, %q, %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(tmp, config.FileName)); err == nil {
		t.Errorf("init wrote a config for an empty directory")
	}
}

// Paths that need quoting, regexes, and paths no match can name still give a file that
// loads, with and without budgets.
func TestInitFileOddPaths(t *testing.T) {
	step := routes.Step{Layer: routes.LayerProxy, Name: "nginx x\ny", Setting: "proxy_read_timeout", Timeout: parsers.Def(60*time.Second, "nginx default 60s")}
	list := []routes.Route{
		{Path: "/api/{id}: x #y", Match: "/api/{id}: x #y", Steps: []routes.Step{step}},
		{Path: `~ \.php$`, Match: "/", Steps: []routes.Step{step}},
		{Path: "<html-path>", Match: "", Steps: []routes.Step{step}},
		{Path: "/", Match: "/", Steps: []routes.Step{step}},
	}
	for _, budget := range []time.Duration{0, 45 * time.Second} {
		text := initFile(list, budget)
		c, err := config.Parse(config.FileName, []byte(text), rules.Known)
		if err != nil {
			t.Fatalf("budget %v: %v\n%s", budget, err, text)
		}
		var got []string
		for _, rb := range c.Routes {
			got = append(got, rb.Match+" "+parsers.Seconds(rb.HandlerTimeout.Value))
		}
		want := ""
		if budget > 0 {
			want = "/api/{id}: x #y 45s / 45s"
		}
		if strings.Join(got, " ") != want {
			t.Errorf("budget %v: routes %q, want %q\n%s", budget, got, want, text)
		}
		if !strings.Contains(text, "# <html-path>\n") || !strings.Contains(text, "nginx x y") {
			t.Errorf("budget %v: the chains are not all there:\n%s", budget, text)
		}
	}
}

// Above one entry, the comments give at most maxChainsPerEntry chains.
func TestInitFileBoundsComments(t *testing.T) {
	step := routes.Step{Layer: routes.LayerProxy, Name: "nginx", Setting: "proxy_read_timeout", Timeout: parsers.Def(60*time.Second, "nginx default 60s")}
	var list []routes.Route
	for range maxChainsPerEntry + 3 {
		list = append(list, routes.Route{Path: "/", Match: "/", Steps: []routes.Step{step}})
	}
	text := initFile(list, 0)
	if n := strings.Count(text, "  # /\n"); n != maxChainsPerEntry || !strings.Contains(text, "  # ... and 3 more under /") {
		t.Errorf("%d chains in the comments:\n%s", n, text)
	}
}

// TestInitParseErrorWarning: a file that does not parse may still give routes (what was
// read before the error); the warning must not say they are all left out while the table
// lists them.
func TestInitParseErrorWarning(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte("server {\n  listen 80;\n  location / { proxy_pass http://app:8080; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runIn(t, dir, "", "init", "--stdout", "site.conf")
	if code != 0 || !strings.Contains(out, "# - match: /") {
		t.Fatalf("exit %d, the route of the unclosed server is not listed:\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "not listed") || !strings.Contains(errOut, "may be missing") {
		t.Errorf("warning: %s", errOut)
	}
}
