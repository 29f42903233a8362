package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Rendered Helm and Kustomize output (docs/helm-kustomize.md): a finding keeps its
// position in the stream linted and names the template or resource it came from; no fix
// is written into rendered text.

// renderedReport is the part of the JSON output these tests read.
type renderedReport struct {
	Findings []struct {
		Rule         string `json:"rule"`
		File         string `json:"file"`
		Line         int    `json:"line"`
		RenderedFrom string `json:"rendered_from"`
		Related      []struct {
			File         string `json:"file"`
			Line         int    `json:"line"`
			RenderedFrom string `json:"rendered_from"`
		} `json:"related"`
		Fix *struct {
			Description string `json:"description"`
			Safety      string `json:"safety"`
		} `json:"fix"`
	} `json:"findings"`
}

func decodeRendered(t *testing.T, out string) renderedReport {
	t.Helper()
	var rep renderedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	return rep
}

// checkHelmFindings asserts what the chart in testdata/rendered gives, wherever the
// stream came from: each finding names its template, and every fix is a snippet that
// names it too.
func checkHelmFindings(t *testing.T, rep renderedReport, file func(template string) string) {
	t.Helper()
	want := map[string]string{ // rule: template
		"single-replica":             "mychart/templates/deployment.yaml",
		"prestop-missing":            "mychart/templates/deployment.yaml",
		"liveness-same-as-readiness": "mychart/templates/deployment.yaml",
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.Rule] = true
		tmpl, ok := want[f.Rule]
		if !ok {
			t.Errorf("unexpected finding %s at %s:%d (the helm test pod is a hook, not a workload)", f.Rule, f.File, f.Line)
			continue
		}
		if f.RenderedFrom != tmpl || f.File != file(tmpl) {
			t.Errorf("%s at %s rendered from %q, want %s in %s", f.Rule, f.File, f.RenderedFrom, tmpl, file(tmpl))
		}
		for _, rel := range f.Related {
			if rel.File != "" && rel.RenderedFrom == "" {
				t.Errorf("%s: related %s:%d names no template", f.Rule, rel.File, rel.Line)
			}
		}
		if f.Fix == nil || f.Fix.Safety != "snippet" || !strings.Contains(f.Fix.Description, "rendered by helm template from "+tmpl) {
			t.Errorf("%s: fix %+v, want a snippet naming %s", f.Rule, f.Fix, tmpl)
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("no %s finding", r)
		}
	}
}

// `helm template ... | no502 lint -`: positions are in the stream, templates named.
func TestHelmTemplateOnStdin(t *testing.T) {
	src, err := os.ReadFile("testdata/rendered/helm-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, errOut, code := runIn(t, dir, string(src), "lint", "--format", "json", "--stdin-filename", "rendered.yaml", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	checkHelmFindings(t, decodeRendered(t, out), func(string) string { return "rendered.yaml" })

	text, _, _ := runIn(t, dir, string(src), "lint", "--no-color", "--stdin-filename", "rendered.yaml", "-")
	for _, want := range []string{
		"rendered.yaml:49:13: warning[single-replica]",
		"   = rendered from mychart/templates/deployment.yaml\n",
		"   = rendered.yaml:17 (rendered from mychart/templates/service.yaml): Service release-name-mychart routes requests to it",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	concise, _, _ := runIn(t, dir, string(src), "lint", "--format", "concise", "--stdin-filename", "rendered.yaml", "-")
	if !strings.Contains(concise, "Run at least 2 replicas. (rendered from mychart/templates/deployment.yaml)\n") {
		t.Errorf("concise output does not name the template:\n%s", concise)
	}
	sarif, _, _ := runIn(t, dir, string(src), "lint", "--format", "sarif", "--stdin-filename", "rendered.yaml", "-")
	if !strings.Contains(sarif, `"renderedFrom":"mychart/templates/deployment.yaml"`) {
		t.Errorf("SARIF output does not name the template:\n%s", sarif)
	}

	// A render that failed leaves an empty stream: the run passes, and says so.
	if _, errOut, code := runIn(t, dir, "", "lint", "--stdin-filename", "rendered.yaml", "-"); code != 0 || !strings.Contains(errOut, "warning: nothing linted: standard input (rendered.yaml) is empty") {
		t.Errorf("empty stdin: exit %d, stderr %q; want 0 and the warning", code, errOut)
	}

	// Standard input cannot be written back: --fix and --diff refuse it (exit 2).
	for _, flag := range []string{"--fix", "--diff"} {
		_, errOut, code := runIn(t, dir, string(src), "lint", flag, "--stdin-filename", "rendered.yaml", "-")
		if code != 2 || !strings.Contains(errOut, "not on - (standard input)") {
			t.Errorf("%s on stdin: exit %d, %q; want exit 2 and the reason", flag, code, errOut)
		}
	}
}

// `helm template --output-dir out`: each file names its template, and --fix writes
// nothing into the rendered tree (the next render would replace it).
func TestHelmOutputDirNotFixed(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/rendered/helm-output-dir", dir)
	before := readTree(t, dir)
	out, errOut, code := runIn(t, dir, "", "lint", "--format", "json", ".")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	checkHelmFindings(t, decodeRendered(t, out), func(tmpl string) string { return tmpl })

	_, errOut, code = runIn(t, dir, "", "lint", "--fix", "--unsafe-fixes", "--format", "json", ".")
	if code != 1 {
		t.Errorf("--fix: exit %d, want 1 (nothing fixed)\n%s", code, errOut)
	}
	if after := readTree(t, dir); !equalTrees(before, after) {
		t.Errorf("--fix wrote into the rendered tree")
	}
	diff, _, _ := runIn(t, dir, "", "lint", "--diff", "--unsafe-fixes", ".")
	if strings.Contains(diff, "@@") {
		t.Errorf("--diff shows changes of rendered files:\n%s", diff)
	}
}

// `kustomize build | no502 lint -`, rendered by the real kubectl. With buildMetadata:
// [originAnnotations] each finding names the resource file; a kubectl whose Kustomize
// predates buildMetadata (Debian's kubernetes-client 1.20, what CI installs) renders
// the overlay without it, and the findings stay at their stream positions.
func TestKustomizeBuildOnStdin(t *testing.T) {
	needTool(t, "kubectl")
	dir := t.TempDir()
	copyTree(t, "testdata/rendered/kustomize", dir)
	overlay := filepath.Join(dir, "overlay")
	rendered, origins := kubectlKustomize(t, overlay)
	out, errOut, code := runIn(t, dir, rendered, "lint", "--format", "json", "--stdin-filename", "prod.yaml", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s\n%s", code, out, errOut, rendered)
	}
	rep := decodeRendered(t, out)
	want := map[string]bool{"single-replica": false, "prestop-missing": false}
	for _, f := range rep.Findings {
		if _, ok := want[f.Rule]; !ok {
			t.Errorf("unexpected finding %s at %s:%d", f.Rule, f.File, f.Line)
			continue
		}
		want[f.Rule] = true
		if f.File != "prod.yaml" {
			t.Errorf("%s in %s, want prod.yaml (the stream)", f.Rule, f.File)
		}
		from := ""
		if origins {
			from = "../base/deployment.yaml"
		}
		if f.RenderedFrom != from {
			t.Errorf("%s rendered from %q, want %q", f.Rule, f.RenderedFrom, from)
		}
	}
	for r, seen := range want {
		if !seen {
			t.Errorf("no %s finding in\n%s", r, rendered)
		}
	}

	// Saved to a file, the annotated output is still rendered text: --fix leaves it.
	if origins {
		path := filepath.Join(dir, "prod.yaml")
		if err := os.WriteFile(path, []byte(rendered), 0o644); err != nil {
			t.Fatal(err)
		}
		runIn(t, dir, "", "lint", "--fix", "--unsafe-fixes", "prod.yaml")
		if got, _ := os.ReadFile(path); string(got) != rendered {
			t.Errorf("--fix wrote into kustomize output:\n%s", got)
		}
	}
}

// The overlay as kubectl 1.32 (Kustomize v5.5) renders it, with origin annotations,
// checked in: CI's kubectl (Debian's 1.20) renders no annotations, and the attribution
// must be tested there too.
func TestKustomizeOriginsCheckedIn(t *testing.T) {
	src, err := os.ReadFile("testdata/rendered/kustomize-build.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runIn(t, t.TempDir(), string(src), "lint", "--format", "json", "--stdin-filename", "prod.yaml", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	rep := decodeRendered(t, out)
	if len(rep.Findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range rep.Findings {
		if f.RenderedFrom != "../base/deployment.yaml" {
			t.Errorf("%s rendered from %q, want ../base/deployment.yaml", f.Rule, f.RenderedFrom)
		}
		for _, rel := range f.Related {
			if rel.File == "prod.yaml" && rel.RenderedFrom != "../base/service.yaml" {
				t.Errorf("%s: related line %d rendered from %q, want ../base/service.yaml", f.Rule, rel.Line, rel.RenderedFrom)
			}
		}
		if f.Fix != nil && (f.Fix.Safety != "snippet" || !strings.Contains(f.Fix.Description, "rendered by kustomize from ../base/deployment.yaml")) {
			t.Errorf("%s: fix %+v, want a snippet naming ../base/deployment.yaml", f.Rule, f.Fix)
		}
	}
}

// kubectlKustomize renders dir with `kubectl kustomize`. origins is false when this
// kubectl's Kustomize does not know buildMetadata and the overlay was rendered without it.
func kubectlKustomize(t *testing.T, dir string) (out string, origins bool) {
	t.Helper()
	render := func() (string, error) {
		c := exec.Command("kubectl", "kustomize", dir)
		c.Env = append(os.Environ(), "KUBECONFIG=/dev/null") // offline: no cluster is asked
		var stderr strings.Builder
		c.Stderr = &stderr
		b, err := c.Output()
		if err != nil {
			return stderr.String(), err
		}
		return string(b), nil
	}
	got, err := render()
	if err == nil {
		return got, true
	}
	if !strings.Contains(got, `unknown field "buildMetadata"`) {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, got)
	}
	// Kustomize v2 (kubectl 1.14-1.20) has no buildMetadata, and takes a base
	// directory under bases: rather than resources:.
	t.Logf("this kubectl's Kustomize predates buildMetadata; rendering without origin annotations")
	k := filepath.Join(dir, "kustomization.yaml")
	src, _ := os.ReadFile(k)
	var kept []string
	for _, l := range strings.Split(string(src), "\n") {
		if l == "resources:" {
			l = "bases:"
		}
		if !strings.HasPrefix(l, "buildMetadata:") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(k, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err = render(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, got)
	}
	return got, false
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The pre-commit recipe of docs/helm-kustomize.md, run as written with the real
// pre-commit and kubectl: the overlay's findings fail the hook; fixed in the base, it
// passes.
func TestPreCommitKustomizeRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the pre-commit integration test")
	}
	needTool(t, "git")
	needTool(t, "go")
	needTool(t, "pre-commit")
	needTool(t, "kubectl")
	needTool(t, "bash")
	src, err := os.ReadFile("../../docs/helm-kustomize.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ""
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(src), -1) {
		if strings.Contains(m[1], "- id: no502-kustomize\n") {
			cfg = m[1]
		}
	}
	if cfg == "" {
		t.Fatal("docs/helm-kustomize.md has no pre-commit example for no502-kustomize")
	}
	root, _ := filepath.Abs("../..")
	bin := t.TempDir()
	mustRun(t, root, "go", "build", "-o", filepath.Join(bin, "no502"), "./cmd/no502")
	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PRE_COMMIT_HOME=" + t.TempDir(),
		"PRE_COMMIT_COLOR=never",
		"KUBECONFIG=/dev/null",
	}

	proj := t.TempDir()
	copyTree(t, "testdata/rendered/kustomize/base", filepath.Join(proj, "deploy", "base"))
	overlay := filepath.Join(proj, "deploy", "overlays", "prod")
	copyTree(t, "testdata/rendered/kustomize/overlay", overlay)
	k := filepath.Join(overlay, "kustomization.yaml")
	ks, _ := os.ReadFile(k)
	os.WriteFile(k, []byte(strings.Replace(string(ks), "- ../base", "- ../../base", 1)), 0o644)
	kubectlKustomize(t, overlay) // adapts the overlay to an old kubectl's Kustomize
	os.WriteFile(filepath.Join(proj, ".pre-commit-config.yaml"), []byte(cfg), 0o644)
	gitInit(t, proj)

	out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files")
	if code != 1 || !strings.Contains(out, "deploy/overlays/prod/rendered.yaml:") || !strings.Contains(out, "single-replica") {
		t.Fatalf("pre-commit exit %d, want 1 with the overlay's single-replica finding:\n%s", code, out)
	}
	// Two replicas and a disruption budget in the base; the preStop finding is info,
	// below the default --fail-on.
	dep := filepath.Join(proj, "deploy", "base", "deployment.yaml")
	ds, _ := os.ReadFile(dep)
	os.WriteFile(dep, []byte(strings.Replace(string(ds), "replicas: 1", "replicas: 2", 1)), 0o644)
	os.WriteFile(filepath.Join(proj, "deploy", "base", "pdb.yaml"), []byte("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web\n"), 0o644)
	bk := filepath.Join(proj, "deploy", "base", "kustomization.yaml")
	bs, _ := os.ReadFile(bk)
	os.WriteFile(bk, []byte(string(bs)+"- pdb.yaml\n"), 0o644)
	mustRun(t, proj, "git", "add", "-A")
	if out, code := cmdIn(t, proj, env, "pre-commit", "run", "--all-files"); code != 0 || !strings.Contains(out, "Passed") {
		t.Fatalf("fixed base: pre-commit exit %d, want 0:\n%s", code, out)
	}
}
