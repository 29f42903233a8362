package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The concise format is one line per finding: golden on the demo, and no excerpt, no
// related positions, no fix.
func TestConciseGolden(t *testing.T) {
	root, _ := filepath.Abs("../..")
	out, _, code := runIn(t, root, "", "lint", "--format", "concise", "testdata/demo")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	golden(t, "demo.concise.txt", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		if strings.HasPrefix(l, " ") || strings.Contains(l, " | ") {
			t.Errorf("concise output has an excerpt or snippet line: %q", l)
		}
	}
	if !strings.Contains(out, "testdata/demo/k8s/hooks.yaml:8:13: warning[single-replica] Deployment hooks runs a single pod") {
		t.Errorf("concise line shape:\n%s", out)
	}
}

func TestShowFixes(t *testing.T) {
	root, _ := filepath.Abs("../..")
	full, _, _ := runIn(t, root, "", "lint", "--no-color", "testdata/demo")
	hidden, _, code := runIn(t, root, "", "lint", "--no-color", "--no-show-fixes", "testdata/demo")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(full, "     | ") || strings.Contains(hidden, "     | ") {
		t.Errorf("--no-show-fixes should drop the snippets, and only them:\n%s", hidden)
	}
	if strings.Count(hidden, "= fix (") != strings.Count(full, "= fix (") {
		t.Errorf("--no-show-fixes dropped fix descriptions")
	}
	if off, _, _ := runIn(t, root, "", "lint", "--no-color", "--show-fixes=false", "testdata/demo"); off != hidden {
		t.Errorf("--show-fixes=false differs from --no-show-fixes")
	}
	// A Kubernetes fix shows its changed lines, not the patch with the object's header.
	i := strings.Index(full, "= fix (unsafe): run 2 replicas")
	if i < 0 {
		t.Fatalf("no single-replica fix:\n%s", full)
	}
	block := full[i : i+strings.Index(full[i:], "\n\n")]
	if strings.Contains(block, "apiVersion") || strings.Contains(block, "kind: Deployment") ||
		!strings.Contains(block, " 8 -  replicas: 1\n") || !strings.Contains(block, "+  replicas: 2\n") {
		t.Errorf("Kubernetes fix block:\n%s", block)
	}
}

func TestStatistics(t *testing.T) {
	root, _ := filepath.Abs("../..")
	out, _, code := runIn(t, root, "", "lint", "--statistics", "testdata/demo")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "2  [*] read-timeout-below-budget") || strings.Contains(out, "^^^") {
		t.Errorf("statistics:\n%s", out)
	}
	// [*]: --fix writes it; [-]: only with --unsafe-fixes (more replicas cost money).
	if !strings.Contains(out, "1  [-] single-replica ") || !strings.Contains(out, "[-] some findings of the rule can be fixed with --fix --unsafe-fixes") {
		t.Errorf("statistics should mark rules fixed only by unsafe fixes with [-]:\n%s", out)
	}
	out, _, _ = runIn(t, root, "", "lint", "--statistics", "--format", "json", "testdata/demo")
	var stats []struct {
		Rule          string `json:"rule"`
		Count         int    `json:"count"`
		Fixable       int    `json:"fixable"`
		UnsafeFixable int    `json:"unsafe_fixable"`
	}
	if err := json.Unmarshal([]byte(out), &stats); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	total := 0
	for i, s := range stats {
		total += s.Count
		if i > 0 && (stats[i-1].Count < s.Count || stats[i-1].Count == s.Count && stats[i-1].Rule > s.Rule) {
			t.Errorf("not sorted by count then rule: %+v", stats)
		}
	}
	if total != 13 {
		t.Errorf("statistics count %d findings, want 13", total)
	}
	for _, s := range stats {
		if s.Rule == "single-replica" && (s.Fixable != 0 || s.UnsafeFixable != 1) {
			t.Errorf("single-replica: fixable %d, unsafe %d; want 0 and 1 (its fix adds a replica)", s.Fixable, s.UnsafeFixable)
		}
	}
	if _, stderr, code := runIn(t, root, "", "lint", "--statistics", "--format", "sarif", "testdata/demo"); code != 2 {
		t.Errorf("--statistics --format sarif: exit %d %s", code, stderr)
	}
}

func conciseRules(out string) []string {
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "["); i > 0 && strings.Contains(l, "]") {
			seen[l[i+1:i+strings.Index(l[i:], "]")]] = true
		}
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestSelectIgnore(t *testing.T) {
	root, _ := filepath.Abs("../..")
	lint := func(args ...string) ([]string, string, int) {
		out, stderr, code := runIn(t, root, "", append(append([]string{"lint", "--format", "concise"}, args...), "testdata/demo")...)
		return conciseRules(out), stderr, code
	}
	if ids, _, _ := lint("--select", "single-replica,prestop-missing"); strings.Join(ids, " ") != "prestop-missing single-replica" {
		t.Errorf("--select two IDs: %v", ids)
	}
	ids, _, _ := lint("--select", "health", "--ignore", "health-matcher-accepts-errors")
	for _, id := range ids {
		if id == "health-matcher-accepts-errors" || id == "single-replica" {
			t.Errorf("--select health --ignore one: got %v", ids)
		}
	}
	if len(ids) == 0 {
		t.Errorf("--select health found nothing")
	}
	// The more specific selector wins: an ID selected inside an ignored category.
	if ids, _, _ := lint("--ignore", "replicas", "--select", "single-replica"); strings.Join(ids, " ") != "single-replica" {
		t.Errorf("--ignore replicas --select single-replica: %v", ids)
	}
	if ids, _, _ := lint("--ignore", "timeout,drain,replicas,health"); len(ids) != 0 {
		t.Errorf("every category ignored: %v", ids)
	}
	_, stderr, code := lint("--select", "single-replicas")
	if code != 2 || !strings.Contains(stderr, `unknown rule or category "single-replicas" (did you mean "single-replica"?)`) {
		t.Errorf("unknown selector: exit %d %q", code, stderr)
	}
	if _, stderr, code := lint("--ignore", "timeouts"); code != 2 || !strings.Contains(stderr, `did you mean "timeout"`) {
		t.Errorf("unknown category: exit %d %q", code, stderr)
	}

	// The command line wins over the config: a rule turned off there runs when selected.
	dir := t.TempDir()
	writeConf(t, dir, "")
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("rules:\n  single-upstream: off\n"), 0o644)
	if out, _, code := runIn(t, dir, "", "lint", "--format", "concise"); code != 0 || strings.Contains(out, "single-upstream") {
		t.Errorf("config off: exit %d\n%s", code, out)
	}
	if out, _, code := runIn(t, dir, "", "lint", "--format", "concise", "--select", "single-upstream"); code != 1 || !strings.Contains(out, "[single-upstream]") {
		t.Errorf("--select over config off: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("rules:\n  single-upstream: error\n"), 0o644)
	if out, _, _ := runIn(t, dir, "", "lint", "--format", "concise", "--select", "replicas"); !strings.Contains(out, "error[single-upstream]") {
		t.Errorf("a selected rule keeps the config's severity:\n%s", out)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--ignore", "single-upstream"); code != 0 {
		t.Errorf("--ignore over config error: exit %d", code)
	}
}

func TestStrict(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, " # no502:ignore single-upstream -- one box, on purpose")
	if _, _, code := runIn(t, dir, "", "lint"); code != 0 {
		t.Fatalf("suppressed: exit %d", code)
	}
	out, _, code := runIn(t, dir, "", "lint", "--strict", "--format", "concise")
	if code != 1 || !strings.Contains(out, "nginx.conf:4:9: warning[single-upstream]") ||
		!strings.Contains(out, "nginx.conf:4:31: error[inline-suppression] no502:ignore (for `single-upstream`) is not allowed with --strict") {
		t.Errorf("--strict: exit %d\n%s", code, out)
	}
	// The config's suppress: entries are reviewed in one place: --strict honours them.
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("suppress:\n  - path: nginx.conf\n    rules: [single-upstream]\n    reason: one box\n"), 0o644)
	out, _, code = runIn(t, dir, "", "lint", "--strict", "--format", "concise")
	if code != 1 || strings.Contains(out, "[single-upstream]") || !strings.Contains(out, "[inline-suppression]") {
		t.Errorf("--strict with a suppress: entry: exit %d\n%s", code, out)
	}
	writeConf(t, dir, "")
	if out, _, code := runIn(t, dir, "", "lint", "--strict", "--format", "concise"); code != 0 {
		t.Errorf("--strict, suppressed by the config only: exit %d\n%s", code, out)
	}

	// A Kubernetes annotation is an inline suppression too.
	k8s := t.TempDir()
	manifest := strings.Replace(suppressManifests, "  name: coredns\n", "  name: coredns\n  annotations:\n    no502.dev/ignore: single-replica\n", 1)
	os.WriteFile(filepath.Join(k8s, "dns.yaml"), []byte(manifest), 0o644)
	out, _, _ = runIn(t, k8s, "", "lint", "--format", "concise", "--fail-on", "never")
	if strings.Contains(out, "Deployment coredns runs a single pod") {
		t.Fatalf("the annotation should suppress the finding:\n%s", out)
	}
	out, _, code = runIn(t, k8s, "", "lint", "--strict", "--format", "concise")
	if code != 1 || !strings.Contains(out, "Deployment coredns runs a single pod") || !strings.Contains(out, "dns.yaml:6:5: error[inline-suppression] annotation no502.dev/ignore (for `single-replica`)") {
		t.Errorf("--strict with an annotation: exit %d\n%s", code, out)
	}
}

const suppressManifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
spec:
  replicas: 1
  selector: {matchLabels: {app: dns}}
  template:
    metadata: {labels: {app: dns}}
    spec:
      containers:
        - name: dns
          image: dns
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: coredns, namespace: kube-system}
spec:
  selector: {app: dns}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
`

// suppress: in .no502.yaml drops findings by file glob and by Kubernetes object, for
// manifests that cannot carry comments.
func TestConfigSuppress(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "vendor-charts"), 0o755)
	os.WriteFile(filepath.Join(dir, "vendor-charts", "dns.yaml"), []byte(suppressManifests), 0o644)
	count := func(cfg string) map[string]int {
		t.Helper()
		os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(cfg), 0o644)
		out, stderr, code := runIn(t, dir, "", "lint", "--format", "concise", "--fail-on", "never", "vendor-charts")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		// coredns is lines 1-22 of the manifest, api the rest.
		n := map[string]int{}
		for _, l := range strings.Split(out, "\n") {
			var line int
			if _, err := fmt.Sscanf(strings.TrimPrefix(l, "vendor-charts/dns.yaml:"), "%d:", &line); err != nil {
				continue
			}
			if line <= 22 {
				n["coredns"]++
			} else {
				n["api"]++
			}
		}
		return n
	}
	base := count("")
	if base["coredns"] == 0 || base["api"] == 0 {
		t.Fatalf("the fixture should have findings on both replicas lines: %v", base)
	}
	if n := count("suppress:\n  - path: vendor-charts/**\n"); n["coredns"]+n["api"] != 0 {
		t.Errorf("path glob: %v", n)
	}
	if n := count("suppress:\n  - kind: Deployment\n    namespace: kube-system\n"); n["coredns"] != 0 || n["api"] != base["api"] {
		t.Errorf("kind+namespace: %v", n)
	}
	if n := count("suppress:\n  - name: core*\n    rules: [single-replica]\n"); n["coredns"] != base["coredns"]-1 || n["api"] != base["api"] {
		t.Errorf("name glob with one rule: %v (base %v)", n, base)
	}
	if n := count("suppress:\n  - path: other/**\n    kind: Deployment\n"); n["coredns"] != base["coredns"] {
		t.Errorf("every criterion must match: %v", n)
	}
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("suppress:\n  - path: vendor-charts/**\n"), 0o644)
	if out, _, _ := runIn(t, dir, "", "lint", "--format", "concise", "--no-ignore", "vendor-charts"); !strings.Contains(out, "single-replica") {
		t.Errorf("--no-ignore shows what suppress: hides:\n%s", out)
	}
}

// Every problem in .no502.yaml is reported at once, each at its line, with a hint.
func TestConfigErrorsAtOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := "routes:\n  - match: /a/\n    handler_timout: 3s\nedge: cloudflair\nrules:\n  single-replicas: off\n  single-upstream: loud\nsuppress:\n  - kind: Deployment\n    nmae: x\n  - reason: nothing\nedge_timout: 3s\n"
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(cfg), 0o644)
	_, stderr, code := runIn(t, dir, "", "lint")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{
		`no502: .no502.yaml:3:5: unknown key "handler_timout" in route (want match, handler_timeout) (did you mean "handler_timeout"?)`,
		`no502: .no502.yaml:4:7: edge must be auto, cloudflare or none, got "cloudflair" (did you mean "cloudflare"?)`,
		`no502: .no502.yaml:6:3: unknown rule "single-replicas" (did you mean "single-replica"?)`,
		`no502: .no502.yaml:7:20: rules.single-upstream:`,
		`no502: .no502.yaml:10:5: unknown key "nmae" in suppress entry`,
		`(did you mean "name"?)`,
		`no502: .no502.yaml:11:5: a suppress entry needs path, or kind, namespace or name`,
		`no502: .no502.yaml:12:1: unknown key "edge_timout" (did you mean "edge_timeout"?)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "\n"); n != 7 {
		t.Errorf("%d lines, want one per problem (7):\n%s", n, stderr)
	}
}

func TestRulesJSONExplainCompletion(t *testing.T) {
	out, _, code := runIn(t, ".", "", "rules", "--format", "json")
	var rs []struct {
		ID, Category, Severity, Summary string
		Formats                         []string
		DocURL                          string `json:"doc_url"`
	}
	if err := json.Unmarshal([]byte(out), &rs); code != 0 || err != nil || len(rs) < 20 {
		t.Fatalf("rules --format json: exit %d, %v\n%s", code, err, out)
	}
	for _, r := range rs {
		if r.ID == "" || r.Category == "" || r.Severity == "" || r.Summary == "" || len(r.Formats) == 0 || !strings.HasSuffix(r.DocURL, "/docs/rules/"+r.ID+".md") {
			t.Errorf("incomplete rule: %+v", r)
		}
	}
	if _, stderr, code := runIn(t, ".", "", "rules", "--format", "yaml"); code != 2 || !strings.Contains(stderr, "unknown --format") {
		t.Errorf("rules --format yaml: exit %d %q", code, stderr)
	}
	_, stderr, code := runIn(t, ".", "", "explain", "singel-upstream")
	if code != 2 || !strings.Contains(stderr, `unknown rule "singel-upstream" (did you mean "single-upstream"?)`) {
		t.Errorf("explain typo: exit %d %q", code, stderr)
	}

	complete := func(args ...string) string {
		out, _, _ := runIn(t, ".", "", append([]string{"__complete"}, args...)...)
		return out
	}
	if out := complete("explain", "single-"); !strings.Contains(out, "single-replica\t") || !strings.Contains(out, "single-upstream\t") || strings.Contains(out, "prestop-missing") {
		t.Errorf("explain completion:\n%s", out)
	}
	if out := complete("lint", "--select", "prestop-missing,rep"); !strings.Contains(out, "prestop-missing,replicas\n") {
		t.Errorf("--select completion:\n%s", out)
	}
	if out := complete("lint", "--ignore", "tim"); !strings.Contains(out, "timeout\n") {
		t.Errorf("--ignore completion:\n%s", out)
	}
	if out := complete("lint", "--format", ""); !strings.Contains(out, "concise\n") || !strings.Contains(out, "sarif\n") {
		t.Errorf("--format completion:\n%s", out)
	}
	if out := complete("lint", "--fail-on", ""); !strings.Contains(out, "never\n") {
		t.Errorf("--fail-on completion:\n%s", out)
	}
	if out, _, code := runIn(t, ".", "", "completion", "bash"); code != 0 || !strings.Contains(out, "no502") {
		t.Errorf("completion bash: exit %d", code)
	}
}

// --diff fails only when it fixes a finding at or above --fail-on; --format json prints
// the edits per file, which give what --fix writes.
func TestDiffFailOnAndJSON(t *testing.T) {
	dir, orig := copyFixture(t)
	if _, _, code := runIn(t, dir, "", "lint", "--diff", "--fail-on", "never", "."); code != 0 {
		t.Errorf("--diff --fail-on never: exit %d, want 0", code)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--diff", "--fail-on", "error", "."); code != 1 {
		t.Errorf("--diff --fail-on error with an error fixed: exit %d, want 1", code)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--diff", "--fail-on", "error", "--ignore", "health-matcher-accepts-errors", "."); code != 0 {
		t.Errorf("--diff --fail-on error fixing only warnings: exit %d, want 0", code)
	}
	// With --unsafe-fixes every fix of the fixture is an edit (its Kubernetes fixes add
	// replicas and a preStop sleep: unsafe).
	out, stderr, code := runIn(t, dir, "", "lint", "--diff", "--unsafe-fixes", "--format", "json", ".")
	if code != 1 {
		t.Errorf("--diff --format json: exit %d %s", code, stderr)
	}
	var doc struct {
		Version int `json:"version"`
		Files   []struct {
			File  string `json:"file"`
			Edits []struct {
				Line, Column           int
				EndLine                int    `json:"end_line"`
				EndColumn              int    `json:"end_column"`
				StartOffset, EndOffset int    `json:"-"`
				Start                  int    `json:"start_offset"`
				End                    int    `json:"end_offset"`
				NewText                string `json:"new_text"`
			} `json:"edits"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Version != 1 || len(doc.Files) != 3 {
		t.Fatalf("diff JSON: %v\n%s", err, out)
	}
	fixed, _ := copyFixture(t)
	runIn(t, fixed, "", "lint", "--fix", "--unsafe-fixes", ".")
	want := readAll(t, fixed, orig)
	for _, f := range doc.Files {
		src := orig[f.File]
		var b strings.Builder
		last := 0
		for _, e := range f.Edits {
			if e.Start < last || e.End < e.Start || e.Line < 1 || e.EndLine < e.Line {
				t.Fatalf("%s: edits out of order or malformed: %+v", f.File, f.Edits)
			}
			b.WriteString(src[last:e.Start])
			b.WriteString(e.NewText)
			last = e.End
		}
		b.WriteString(src[last:])
		if b.String() != want[f.File] {
			t.Errorf("%s: the JSON edits give\n%s\nbut --fix wrote\n%s", f.File, b.String(), want[f.File])
		}
	}
	if _, _, code := runIn(t, dir, "", "lint", "--diff", "--format", "sarif", "."); code != 2 {
		t.Errorf("--diff --format sarif: exit %d, want 2", code)
	}
}

// TestDiffReportsFilesNotLinted: --diff says nothing to fix only about files it read. A
// file that did not parse, or that a limit kept from being linted, is reported on stderr
// and fails the run whatever --fail-on says, as in a plain lint: "nothing to fix" and
// exit 0 passed a CI gate on a file no502 never read.
func TestDiffReportsFilesNotLinted(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("broken.conf", "server {\n  listen 80;\n  location / { proxy_pass http://x; }\n")
	write("big.conf", "# "+strings.Repeat("x", 2000)+"\n")
	for _, format := range []string{"text", "json"} {
		_, stderr, code := runIn(t, dir, "", "lint", "--diff", "--fail-on", "never", "--max-file-size", "1000", "--format", format, ".")
		if code != 1 {
			t.Errorf("--diff --format %s: exit %d, want 1\n%s", format, code, stderr)
		}
		for _, want := range []string{"broken.conf:1:1: error: unexpected end of file", "big.conf:1:1: error: file is"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("--diff --format %s: no %q on stderr:\n%s", format, want, stderr)
			}
		}
	}
}

// The flags other linters name differently, and typos, get the no502 flag in the usage
// error (exit 2): `--disable` said "unknown flag: --disable" and nothing else, and an
// unknown command printed cobra's multi-line suggestion with "no502: " before each line,
// blank ones included.
func TestUnknownFlagAndCommandHints(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": "events {}\nhttp {}\n"})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lint", "--disable", "single-replica", "."}, `unknown flag: --disable (did you mean --ignore?)`},
		{[]string{"lint", "--enable", "single-replica", "."}, `unknown flag: --enable (did you mean --select?)`},
		{[]string{"lint", "--output-format", "json", "."}, `unknown flag: --output-format (did you mean --format?)`},
		{[]string{"lint", "--out-format=json", "."}, `unknown flag: --out-format (did you mean --format?)`},
		{[]string{"lint", "--fixx", "."}, `unknown flag: --fixx (did you mean --fix?)`},
		{[]string{"lint", "--unsafe-fix", "."}, `unknown flag: --unsafe-fix (did you mean --unsafe-fixes?)`},
		{[]string{"lint", "-f", "json", "."}, `unknown shorthand flag: 'f' in -f (did you mean --format?)`},
		{[]string{"lnt", "."}, `unknown command "lnt" for "no502" (did you mean "lint"?)`},
		// A generator's name is hinted among the generators, not the root's commands.
		{[]string{"generate", "nginx"}, `unknown command "nginx" for "no502 generate" (did you mean "nginx-location"?)`},
		{[]string{"generate", "k8s"}, `unknown command "k8s" for "no502 generate"; it has alb-target-group, caddy-route, k8s-workload, nginx-location`},
		// --timeout is the request budget, not --edge-timeout (the nearest by spelling).
		{[]string{"generate", "nginx-location", "--timeout", "90s"}, `unknown flag: --timeout (did you mean --handler-timeout?)`},
	} {
		out, stderr, code := runIn(t, dir, "", c.args...)
		if code != 2 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", c.args, code, out)
		}
		if got := strings.TrimSpace(stderr); got != "no502: "+c.want {
			t.Errorf("%v: stderr\n%s\nwant\nno502: %s", c.args, got, c.want)
		}
	}
}

// A selector list quoted with spaces after the commas selects those rules.
func TestSelectWithSpaces(t *testing.T) {
	root, _ := filepath.Abs("../..")
	out, stderr, code := runIn(t, root, "", "lint", "--format", "concise", "--select", "single-replica, prestop-missing", "testdata/demo")
	if code == 2 || !strings.Contains(out, "[single-replica]") || !strings.Contains(out, "[prestop-missing]") || strings.Contains(out, "[keepalive-race]") {
		t.Errorf("exit %d, stderr %s\n%s", code, stderr, out)
	}
}

// --format and --fail-on values are read as --fail-on's severities always were: in any
// case (--format JSON was "unknown" while --fail-on WARNING worked).
func TestFormatAndFailOnAnyCase(t *testing.T) {
	out, stderr, code := runIn(t, "../../testdata/demo", "", "lint", "--format", "JSON", "--fail-on", "Never")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Fatalf("lint --format JSON --fail-on Never: exit %d, stderr %q\n%.200s", code, stderr, out)
	}
}
