package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func TestActionSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the action test (it builds no502)")
	}
	needTool(t, "bash")
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
	ghPath, ghOutput := filepath.Join(tmp, "github_path"), filepath.Join(tmp, "github_output")
	os.WriteFile(ghPath, nil, 0o644)
	os.WriteFile(ghOutput, nil, 0o644)

	vars := map[string]string{"github.action_path": root}
	for k, v := range a.Inputs {
		vars["inputs."+k] = v.Default
	}
	expr := regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	fill := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			k := expr.FindStringSubmatch(m)[1]
			v, ok := vars[k]
			if !ok {
				t.Fatalf("action.yml uses ${{ %s }}, which the test does not know", k)
			}
			return v
		})
	}
	path := os.Getenv("PATH")
	ran := 0
	var lintOut string
	for _, step := range a.Runs.Steps {
		if step.Uses != "" {
			continue // GitHub's own actions
		}
		if step.Shell != "bash" {
			t.Errorf("step %q: composite run steps need shell: bash", step.Name)
			continue
		}
		c := exec.Command("bash", "-e", "-c", fill(step.Run))
		c.Dir = ws
		c.Env = append(os.Environ(), "PATH="+path, "RUNNER_TEMP="+tmp, "GITHUB_PATH="+ghPath, "GITHUB_OUTPUT="+ghOutput)
		for k, v := range step.Env {
			c.Env = append(c.Env, k+"="+fill(v))
		}
		out, err := c.CombinedOutput()
		ran++
		switch step.ID {
		case "lint":
			lintOut = string(out)
			if err != nil {
				t.Fatalf("step %q failed: %v\n%s", step.Name, err, out)
			}
			b, _ := os.ReadFile(ghOutput)
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					vars["steps.lint.outputs."+k] = v
				}
			}
		default:
			if strings.HasPrefix(step.Name, "Fail") {
				if err == nil || vars["steps.lint.outputs.exit-code"] != "1" {
					t.Errorf("the last step should fail the job with no502's status 1: %v\n%s", err, out)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %q failed: %v\n%s", step.Name, err, out)
			}
		}
		// Steps after one that appended to GITHUB_PATH see it on PATH.
		if b, _ := os.ReadFile(ghPath); len(b) > 0 {
			path = strings.TrimSpace(string(b)) + string(os.PathListSeparator) + os.Getenv("PATH")
		}
	}
	if ran < 3 {
		t.Errorf("ran %d shell steps, want install, lint and fail", ran)
	}
	if !strings.Contains(lintOut, "::warning file=nginx.conf,line=4,") {
		t.Errorf("lint step: want a GitHub annotation for nginx.conf:4, got:\n%s", lintOut)
	}
	sarif, err := os.ReadFile(filepath.Join(ws, vars["inputs.sarif-file"]))
	if err != nil {
		t.Fatalf("the SARIF report was not written: %v", err)
	}
	validateSARIF(t, sarifValidator(t), string(sarif))
}
