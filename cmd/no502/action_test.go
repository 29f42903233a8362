package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// action.yml's own steps (everything but GitHub's setup-go and upload-sarif actions) run
// here as the runner would run them: bash, with ${{ }} expressions filled in and the
// runner's files (GITHUB_PATH, GITHUB_OUTPUT) in a temporary directory.

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// actionRun is what one run of the action's steps left behind.
type actionRun struct {
	vars    map[string]string // inputs, github context, step outputs
	logs    map[string]string // output of each step, by name
	failed  map[string]bool   // steps that exited non-zero
	ws, tmp string            // the workspace and RUNNER_TEMP
}

// runAction runs the action's shell steps in order with the given inputs and github
// context, in a workspace holding a bad nginx.conf. basePath is the PATH the runner
// starts with; directories appended to GITHUB_PATH are put in front of it.
func runAction(t *testing.T, inputs, github map[string]string, basePath string) actionRun {
	t.Helper()
	root, _ := filepath.Abs("../..")
	src, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(src, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q, want composite", a.Runs.Using)
	}
	tmp := t.TempDir()
	ws := filepath.Join(tmp, "workspace")
	os.MkdirAll(ws, 0o755)
	os.WriteFile(filepath.Join(ws, "nginx.conf"), []byte(badNginx), 0o644)
	ghPath := filepath.Join(tmp, "github_path")
	os.WriteFile(ghPath, nil, 0o644)

	r := actionRun{vars: map[string]string{"github.action_path": root, "github.action_repository": "no502/no502", "github.server_url": "https://github.com"},
		logs: map[string]string{}, failed: map[string]bool{}, ws: ws, tmp: tmp}
	for k, v := range a.Inputs {
		r.vars["inputs."+k] = v.Default
	}
	for k, v := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
		r.vars["inputs."+k] = v
	}
	for k, v := range github {
		r.vars["github."+k] = v
	}
	expr := regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	fill := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			k := expr.FindStringSubmatch(m)[1]
			v, ok := r.vars[k]
			if !ok && !strings.HasPrefix(k, "steps.") { // a step output not set is empty
				t.Fatalf("action.yml uses ${{ %s }}, which the test does not know", k)
			}
			return v
		})
	}
	runnerOS := map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[runtime.GOOS]
	runnerArch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	path := basePath
	for i, step := range a.Runs.Steps {
		if step.Uses != "" {
			continue // GitHub's own actions
		}
		if step.Shell != "bash" {
			t.Errorf("step %q: composite run steps need shell: bash", step.Name)
			continue
		}
		ghOutput := filepath.Join(tmp, fmt.Sprintf("github_output_%d", i))
		os.WriteFile(ghOutput, nil, 0o644)
		// The runner's bash: bash --noprofile --norc -eo pipefail {0}.
		c := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", fill(step.Run))
		c.Dir = ws
		c.Env = append(os.Environ(), "PATH="+path, "RUNNER_TEMP="+tmp, "RUNNER_OS="+runnerOS, "RUNNER_ARCH="+runnerArch,
			"GITHUB_PATH="+ghPath, "GITHUB_OUTPUT="+ghOutput)
		for k, v := range step.Env {
			c.Env = append(c.Env, k+"="+fill(v))
		}
		out, err := c.CombinedOutput()
		r.logs[step.Name] = string(out)
		r.failed[step.Name] = err != nil
		if step.ID != "" {
			b, _ := os.ReadFile(ghOutput)
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					r.vars["steps."+step.ID+".outputs."+k] = v
				}
			}
		}
		if err != nil && !strings.HasPrefix(step.Name, "Fail") {
			return r // the runner stops at a failed step
		}
		// Steps after one that appended to GITHUB_PATH see it on PATH.
		if b, _ := os.ReadFile(ghPath); len(b) > 0 {
			path = strings.Join(strings.Fields(string(b)), string(os.PathListSeparator)) + string(os.PathListSeparator) + basePath
		}
	}
	return r
}

// checkLinted checks a run that installed no502 and linted the workspace: one-line
// annotations, and a last step that fails the job with status 1.
func checkLinted(t *testing.T, r actionRun) {
	t.Helper()
	for name, failed := range r.failed {
		if failed && !strings.HasPrefix(name, "Fail") {
			t.Fatalf("step %q failed:\n%s", name, r.logs[name])
		}
	}
	lint := r.logs["Run no502"]
	if !strings.Contains(lint, "::warning file=nginx.conf,line=4,") {
		t.Errorf("lint step: want a GitHub annotation for nginx.conf:4, got:\n%s", lint)
	}
	for _, line := range strings.Split(lint, "\n") {
		if strings.HasPrefix(line, "::") && strings.Contains(line, "%0A") {
			t.Errorf("annotation of more than one line: %s", line)
		}
	}
	if r.vars["steps.lint.outputs.exit-code"] != "1" || !r.failed["Fail on findings"] {
		t.Errorf("the last step should fail the job with no502's status 1: exit-code %q\n%s",
			r.vars["steps.lint.outputs.exit-code"], r.logs["Fail on findings"])
	}
	if v := r.vars["steps.install.outputs.version"]; !strings.HasPrefix(v, "no502 ") {
		t.Errorf("install step: version output %q", v)
	}
}

// At an unreleased ref the action builds no502 from its own source, with the runner's Go.
func TestActionBuildsUnreleasedRef(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the action test (it builds no502)")
	}
	needTool(t, "bash")
	r := runAction(t, map[string]string{"upload-sarif": "true"}, map[string]string{"action_ref": "main"}, os.Getenv("PATH"))
	if r.vars["steps.source.outputs.mode"] != "source" || r.vars["steps.source.outputs.setup-go"] != "false" {
		t.Errorf("at ref main with Go on PATH: want a source build without setup-go, got %q, setup-go %q",
			r.vars["steps.source.outputs.mode"], r.vars["steps.source.outputs.setup-go"])
	}
	checkLinted(t, r)
	// upload-sarif: true writes the report that the upload step sends.
	sarif, err := os.ReadFile(filepath.Join(r.ws, r.vars["steps.lint.outputs.sarif-file"]))
	if err != nil || r.vars["steps.lint.outputs.sarif-file"] != "no502.sarif" {
		t.Fatalf("the SARIF report was not written (%q): %v", r.vars["steps.lint.outputs.sarif-file"], err)
	}
	validateSARIF(t, sarifValidator(t), string(sarif))
}

// At a release tag the action downloads the release archive, checks it against
// checksums.txt and needs no Go. The release is served from a directory (curl reads
// file:// URLs) laid out as GitHub serves release assets.
func TestActionDownloadsRelease(t *testing.T) {
	needTool(t, "bash")
	needTool(t, "curl")
	if runtime.GOOS != "linux" {
		t.Skip("the test packs a tar.gz release archive (linux and darwin); runs on linux")
	}
	bin := buildNo502(t, "-ldflags", "-X main.version=v9.9.9")
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	archive := fmt.Sprintf("no502_9.9.9_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "no502", Mode: 0o755, Size: int64(len(exe))})
	tw.Write(exe)
	tw.Close()
	gz.Close()
	server := t.TempDir()
	dl := filepath.Join(server, "no502", "no502", "releases", "download", "v9.9.9")
	os.MkdirAll(dl, 0o755)
	os.WriteFile(filepath.Join(dl, archive), tgz.Bytes(), 0o644)
	sum := sha256.Sum256(tgz.Bytes())
	good := hex.EncodeToString(sum[:]) + "  " + archive + "\n"
	other := strings.Repeat("0", 64) + "  no502_9.9.9_windows_amd64.zip\n"

	// A PATH without Go: the release path must not need it.
	noGo := "/usr/bin:/bin"
	if p, err := exec.LookPath("go"); err == nil && (filepath.Dir(p) == "/usr/bin" || filepath.Dir(p) == "/bin") {
		t.Skip("go is in /usr/bin here; cannot build a PATH without it")
	}
	github := map[string]string{"action_ref": "v9.9.9", "server_url": "file://" + server}

	t.Run("checksum matches", func(t *testing.T) {
		os.WriteFile(filepath.Join(dl, "checksums.txt"), []byte(other+good), 0o644)
		r := runAction(t, nil, github, noGo)
		if r.vars["steps.source.outputs.mode"] != "release" {
			t.Fatalf("at tag v9.9.9: mode %q, want release\n%s", r.vars["steps.source.outputs.mode"], r.logs["Choose how to install no502"])
		}
		checkLinted(t, r)
		if v := r.vars["steps.install.outputs.version"]; !strings.HasPrefix(v, "no502 v9.9.9") {
			t.Errorf("installed %q, want the release binary v9.9.9", v)
		}
		// upload-sarif is off by default: no report is written.
		if f := r.vars["steps.lint.outputs.sarif-file"]; f != "" {
			t.Errorf("sarif-file %q written without upload-sarif", f)
		}
		if _, err := os.Stat(filepath.Join(r.ws, "no502.sarif")); err == nil {
			t.Error("no502.sarif written without upload-sarif")
		}
	})
	// sarif-file in a directory the checkout does not have is written there (--output
	// creates it); one that cannot be written fails the job instead of handing the upload
	// step a file that is not there.
	t.Run("sarif-file", func(t *testing.T) {
		os.WriteFile(filepath.Join(dl, "checksums.txt"), []byte(other+good), 0o644)
		r := runAction(t, map[string]string{"sarif-file": "reports/ci/no502.sarif"}, github, noGo)
		checkLinted(t, r)
		sarif, err := os.ReadFile(filepath.Join(r.ws, "reports", "ci", "no502.sarif"))
		if err != nil || r.vars["steps.lint.outputs.sarif-file"] != "reports/ci/no502.sarif" {
			t.Fatalf("the SARIF report was not written (%q): %v\n%s", r.vars["steps.lint.outputs.sarif-file"], err, r.logs["Run no502"])
		}
		validateSARIF(t, sarifValidator(t), string(sarif))
		r = runAction(t, map[string]string{"sarif-file": "nginx.conf/no502.sarif", "fail-on": "never"}, github, noGo)
		if f := r.vars["steps.lint.outputs.sarif-file"]; f != "" {
			t.Errorf("sarif-file output %q for a report that could not be written", f)
		}
		if r.vars["steps.lint.outputs.exit-code"] != "2" || !r.failed["Fail on findings"] || !strings.Contains(r.logs["Run no502"], "::error title=no502::") {
			t.Errorf("a SARIF report that cannot be written must fail the job: exit-code %q\n%s",
				r.vars["steps.lint.outputs.exit-code"], r.logs["Run no502"])
		}
	})
	t.Run("checksum differs", func(t *testing.T) {
		bad := strings.Repeat("f", 64) + "  " + archive + "\n"
		os.WriteFile(filepath.Join(dl, "checksums.txt"), []byte(other+bad), 0o644)
		r := runAction(t, nil, github, noGo)
		if !r.failed["Install no502"] || !strings.Contains(r.logs["Install no502"], "does not match checksums.txt") {
			t.Errorf("install should fail on a checksum mismatch:\n%s", r.logs["Install no502"])
		}
		if _, ran := r.logs["Run no502"]; ran {
			t.Error("lint ran after a failed install")
		}
	})
	t.Run("archive missing from checksums", func(t *testing.T) {
		os.WriteFile(filepath.Join(dl, "checksums.txt"), []byte(other), 0o644)
		r := runAction(t, nil, github, noGo)
		if !r.failed["Install no502"] || !strings.Contains(r.logs["Install no502"], "no entry") {
			t.Errorf("install should fail when checksums.txt lacks the archive:\n%s", r.logs["Install no502"])
		}
	})
}
