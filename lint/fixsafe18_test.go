package lint_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const kustBase = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: python:3.12
          command: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
          ports:
            - containerPort: 8000
          readinessProbe:
            httpGet: {path: /healthz, port: 8000}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
`

// A Kustomize overlay's patch that no502 does not merge (an inline patch, a JSON 6902
// patch file) sets what a Kubernetes fix writes into the base: kustomize applies it
// after the base, so the build deploys the patch's value. prestop-missing's fix wrote a
// preStop sleep of 10 s and terminationGracePeriodSeconds: 50 into base/dep.yaml while
// the prod overlay's inline JSON 6902 patch sets the grace period to 5: `kubectl
// kustomize overlays/prod` then had the 10 s hook under a 5 s grace period, so the pod
// was killed in its hook instead of getting SIGTERM (session 18). Such a fix stays a
// snippet naming the patch; one whose patches set other keys is still written.
func TestFixKustomizePatchOverridesBase(t *testing.T) {
	overlay := func(patches string) map[string]string {
		return map[string]string{
			"base/dep.yaml":                     kustBase,
			"base/kustomization.yaml":           "resources:\n- dep.yaml\n",
			"overlays/prod/kustomization.yaml":  "resources:\n- ../../base\n" + patches,
			"overlays/prod/grace.json6902.yaml": "- op: add\n  path: /spec/template/spec/terminationGracePeriodSeconds\n  value: 5\n",
			"overlays/prod/image.json6902.yaml": "- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: python:3.13\n",
		}
	}
	for _, c := range []struct {
		name, patches string
		written       bool
	}{
		{"inline JSON 6902 patch of the grace period", "patches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: add\n      path: /spec/template/spec/terminationGracePeriodSeconds\n      value: 5\n", false},
		{"inline strategic merge of the grace period", "patchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    template:\n      spec:\n        terminationGracePeriodSeconds: 5\n", false},
		{"JSON 6902 patch file with a target (not read: may set anything)", "patches:\n- path: grace.json6902.yaml\n  target:\n    kind: Deployment\n    name: web\n", false},
		{"a target selecting by label", "patches:\n- target:\n    labelSelector: app=web\n  patch: |-\n    - op: add\n      path: /spec/template/spec/terminationGracePeriodSeconds\n      value: 5\n", false},
		{"a patch of another object", "patches:\n- target:\n    kind: Deployment\n    name: worker\n  patch: |-\n    - op: add\n      path: /spec/template/spec/terminationGracePeriodSeconds\n      value: 5\n", true},
		{"a patch of other keys", "patches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: python:3.13\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := overlay(c.patches)
			fr, after := fixDir(t, files, true)
			_, written := after["base/dep.yaml"]
			if written != c.written {
				t.Errorf("base/dep.yaml written: %v, want %v:\n%s", written, c.written, after["base/dep.yaml"])
			}
			if !c.written {
				fix := finalFix(fr, "prestop-missing")
				if fix == nil || fix.Safety() != "snippet" || !strings.Contains(fix.Description, "overlays/prod/kustomization.yaml patches Deployment web with") {
					t.Errorf("want a snippet naming the overlay's patch, got %+v", fix)
				}
				return
			}
			if _, err := exec.LookPath("kubectl"); err != nil {
				return
			}
			dir := writeTree(t, merged(files, after))
			out, err := exec.Command("kubectl", "kustomize", filepath.Join(dir, "overlays/prod")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "preStop") {
				t.Errorf("kubectl kustomize: %v\n%s", err, out)
			}
		})
	}
}

const tgMain = `resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = DELAY
}
`

// Terraform override files (override.tf, *_override.tf) were read as ordinary files: the
// target group they override was judged on main.tf's deregistration_delay, and the fix
// changed main.tf, whose value Terraform replaces with the override file's (a finding
// reported fixed while the load balancer still cuts requests at 0 s; and a finding on
// main.tf's 0 while the override's 60 is what is applied). Terraform merges each block of
// an override file into the block of the same address (session 18).
func TestFixTerraformOverrideFiles(t *testing.T) {
	for _, c := range []struct {
		name, main, file, override string
		finding                    bool
		wantFile, want             string
	}{
		{"the override sets 0", "60", "override.tf", "resource \"aws_lb_target_group\" \"app\" {\n  deregistration_delay = 0\n}\n", true, "override.tf", "deregistration_delay = 30"},
		{"the override sets 60", "0", "override.tf", "resource \"aws_lb_target_group\" \"app\" {\n  deregistration_delay = 60\n}\n", false, "", ""},
		{"the override sets another attribute", "0", "override.tf", "resource \"aws_lb_target_group\" \"app\" {\n  port = 8081\n}\n", true, "main.tf", "deregistration_delay = 30"},
		{"a later override wins", "60", "a_override.tf", "resource \"aws_lb_target_group\" \"app\" {\n  deregistration_delay = 120\n}\n", true, "z_override.tf", "deregistration_delay = 30"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"main.tf": strings.Replace(tgMain, "DELAY", c.main, 1), c.file: c.override}
			if c.name == "a later override wins" {
				files["z_override.tf"] = "resource \"aws_lb_target_group\" \"app\" {\n  deregistration_delay = 0\n}\n"
			}
			fr, after := fixDir(t, files, true)
			if !c.finding {
				if len(after) > 0 || finalFix(fr, "deregistration-delay-too-short") != nil {
					t.Errorf("want no finding (the override's 60 s is applied), got a fix: %v", after)
				}
				return
			}
			if f := finalFix(fr, "deregistration-delay-too-short"); f != nil {
				t.Errorf("left: %s", f.Description)
			}
			for f, src := range after {
				if f != c.wantFile {
					t.Errorf("%s changed:\n%s", f, src)
				}
			}
			if !strings.Contains(after[c.wantFile], c.want) {
				t.Errorf("%s: want %q in:\n%s", c.wantFile, c.want, after[c.wantFile])
			}
		})
	}
}

// terraform-aws-modules/alb entries written merge(local.tg_base, {...}) read
// deregistration_delay = 0 from the local, which both entries merge: the fix was a
// snippet, though the attribute written in the entry's own object (merge's last
// argument) overrides the local's for that entry alone. It is written there now; a
// nested object read from the local (health_check), which merge replaces whole, stays a
// snippet, as does a for expression's constructor that writes every entry (session 18).
func TestFixTerraformMergeOverride(t *testing.T) {
	const tf = `locals {
  tg_base = {
    protocol             = "HTTP"
    target_type          = "ip"
    deregistration_delay = 0
    health_check = {
      path     = "/healthz"
      interval = 300
      timeout  = 120
    }
  }
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name    = "web"
  vpc_id  = "vpc-1"
  subnets = ["subnet-1", "subnet-2"]

  target_groups = {
    api = merge(local.tg_base, {
      name_prefix = "api"
      port        = 8000
    })
    web = merge(local.tg_base, { name_prefix = "web", port = 3000 })
  }
}
`
	fr, after := fixDir(t, map[string]string{"main.tf": tf}, true)
	got := after["main.tf"]
	if n := strings.Count(got, "deregistration_delay = 30"); n != 2 {
		t.Errorf("want deregistration_delay = 30 in each entry's own object, got %d:\n%s", n, got)
	}
	if !strings.Contains(got, "    deregistration_delay = 0\n") {
		t.Errorf("the local, which both entries merge, changed:\n%s", got)
	}
	if f := finalFix(fr, "deregistration-delay-too-short"); f != nil {
		t.Errorf("left: %s", f.Description)
	}
	if f := finalFix(fr, "health-check-slow"); f == nil || f.Safety() != "snippet" {
		t.Errorf("want health-check-slow's fix (health_check comes whole from the local) a snippet, got %+v", f)
	}
	if _, err := exec.LookPath("terraform"); err == nil {
		dir := writeTree(t, map[string]string{"main.tf": got})
		if out, err := exec.Command("terraform", "fmt", "-check", "-diff", dir).CombinedOutput(); err != nil {
			t.Errorf("terraform fmt -check: %v\n%s", err, out)
		}
	}
}
