package terraform_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
	"github.com/no502/no502/rules"
)

const corpusDir = "../../../shared/corpus/terraform"

// corpusInputs reads the Terraform corpus. The corpus flattens paths
// (owner__repo__dir__file.tf); MANIFEST.tsv maps each file back to its repository and
// path, so files of one original directory are parsed together as one module, as
// Terraform would.
func corpusInputs(t testing.TB) []parsers.Input {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		// A plain clone has no ../shared beside it; CI has, so there it is a failure.
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus not available (CI=true): %v", err)
		}
		t.Skipf("corpus not available (a plain clone has no ../shared); skipping: %v", err)
	}
	orig := map[string]string{}
	if f, err := os.Open(filepath.Join(corpusDir, "..", "MANIFEST.tsv")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) >= 4 && cols[0] == "terraform" {
				orig[cols[1]] = cols[2] + "/" + cols[3]
			}
		}
		f.Close()
	}
	var ins []parsers.Input
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		src, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := orig[e.Name()]
		if p == "" {
			p = e.Name()
		}
		// Markdown code blocks of one doc page are independent examples: one module each.
		if strings.Contains(e.Name(), ".markdown__block") {
			p = strings.TrimSuffix(p, filepath.Base(p)) + e.Name() + "/main.tf"
		}
		p = "corpus/" + p
		ins = append(ins, parsers.Input{Path: p, Abs: "/" + p, Src: src})
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].Path < ins[j].Path })
	return ins
}

// TestCorpus parses every file of the Terraform corpus (no panic, no internal error) and
// logs a per-rule summary of the findings.
//
// Reviewed by hand (114 files; 120 hops, 93 backends, 15 workloads; 0 parse errors).
// Findings and verdicts:
//   - health-matcher-accepts-errors (3): explicit "200-399" (cds-snc/forms-terraform idp,
//     health path /debug/healthz), "200-499" (checkov AutoScallingEnabledELB fixture) and
//     "404" as the only code (cds-snc/notification-terraform alb_internal.tf: any server
//     that answers counts as healthy). All are matchers that accept non-2xx answers, as
//     the rule defines; none is a misread value.
//   - health-check-slow (2): aws-ia/ecs-blueprints inference-triton and vllm-inferentia set
//     interval = 180 with unhealthy_threshold = 3: 540s before a dead target leaves
//     rotation. True positives (large models boot slowly, but that is what a grace
//     period or slow_start is for).
//   - single-task (2): the same two examples run desired_count = 1 behind their target
//     group. True positives.
//   - health-check-disabled (1): checkov's LBTargetGroupDefinesHealthcheck fixture, the
//     resource that test marks as failing (enabled = false on an HTTP target group).
//   - deregistration-delay-too-short (2): aws_elb without connection_draining
//     (hashicorp examples/two-tier, checkov SGAttachedToResource): Terraform's default is
//     false, so instances are cut off mid-request. True to the provider default.
//
// Checked silent on purpose: the checkov AutoScallingEnabledELB ASGs set
// health_check_type = "ELB"; brikis98's clusters take min_size from a variable without a
// default (unknown); terraform-aws-modules/alb's own examples call the module with
// source = "../../", which is not recognised as the registry module (no guessing).
func TestCorpus(t *testing.T) {
	ins := corpusInputs(t)
	m := terraform.Parse(ins, parsers.Options{})
	for _, d := range m.Diags {
		if strings.Contains(d.Message, "internal error") {
			t.Errorf("%s", d)
		}
	}
	findings := rules.Run(m, rules.DefaultConfig())
	per := map[string]int{}
	for _, f := range findings {
		per[f.Rule.ID]++
		t.Logf("%s: %s: %s", f.Pos, f.Rule.ID, f.Message)
	}
	ids := make([]string, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "  %-32s %d\n", id, per[id])
	}
	t.Logf("corpus: %d files, %d hops, %d backends, %d workloads, %d parse errors; findings per rule:\n%s",
		len(ins), len(m.Hops), len(m.Backends), len(m.Workloads), len(m.Diags), b.String())
}
