package terraform_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
	"github.com/no502/no502/rules"
)

// FuzzLoad feeds arbitrary text to the loader as a module of two files (one .tf, one
// terraform.tfvars) and runs every rule over the result: nothing may panic, and the
// builder's own recover must never fire (an "internal error" diag is a bug).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../rules/testdata/tf-*/*/*.tf")
	for _, s := range seeds {
		if src, err := os.ReadFile(s); err == nil {
			f.Add(string(src), "")
		}
	}
	f.Add(`variable "x" { default = 3 }
locals {
  a = local.b
  b = local.a
}
resource "aws_lb" "l" { idle_timeout = max(var.x, local.a, file("/etc/passwd")) }`, `x = "4"`)
	f.Add(`module "alb" {
  source = "terraform-aws-modules/alb/aws"
  target_groups = { a = { health_check = local.hc } }
}
locals { hc = { matcher = "200-${var.n}" } }
variable "n" { default = 499 }`, "")
	// target_groups as merge() of maps: a null argument, a key from a variable, a spread.
	f.Add(`module "alb" {
  source = "terraform-aws-modules/alb/aws"
  target_groups = merge({ (var.k) = {} , b = { port = 1 } }, null, local.m, { for k in var.l : k => {} })
}
module "alb2" {
  source = "terraform-aws-modules/alb/aws"
  target_groups = merge([{ a = {} }]...)
}
locals { m = { a = { port = "x" } } }
variable "l" { default = ["b"] }`, `k = "a"`)
	f.Fuzz(func(t *testing.T, tf, tfvars string) {
		defer hangwatch.Start(len(tf) + len(tfvars))()
		ins := []parsers.Input{
			{Path: "m/main.tf", Abs: "/m/main.tf", Src: []byte(tf)},
			{Path: "m/terraform.tfvars", Abs: "/m/terraform.tfvars", Src: []byte(tfvars)},
		}
		m := terraform.Parse(ins, parsers.Options{})
		for _, d := range m.Diags {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("%s", d)
			}
		}
		rules.Run(m, rules.DefaultConfig())
	})
}
