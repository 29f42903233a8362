package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchema compiles the official SARIF 2.1.0 schema kept in testdata (copied
// unmodified from oasis-tcs/sarif-spec; see testdata/README.md).
func sarifValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, out string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("SARIF output does not validate against the 2.1.0 schema: %v", err)
	}
}

func TestDemoGoldenFormats(t *testing.T) {
	root, _ := filepath.Abs("../..")
	schema := sarifValidator(t)
	for _, c := range []struct{ format, golden string }{
		{"sarif", "demo.sarif"}, {"github", "demo.github"}, {"junit", "demo.junit.xml"}, {"gitlab", "demo.gitlab.json"},
	} {
		out, stderr, code := runIn(t, root, "", "lint", "--format", c.format, "testdata/demo")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1; %s", c.format, code, stderr)
		}
		golden(t, c.golden, out)
		switch c.format {
		case "sarif":
			validateSARIF(t, schema, out)
			checkSARIF(t, out)
		case "gitlab":
			checkGitLab(t, out)
		case "junit":
			var s junitSuites
			if err := xml.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("junit output does not parse: %v", err)
			}
			if s.Tests < 5 || s.Failures == 0 || s.Tests != countCases(s) {
				t.Errorf("junit counts: %d tests, %d failures, %d cases", s.Tests, s.Failures, countCases(s))
			}
		case "github":
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if strings.HasPrefix(line, "::") && !strings.Contains(line, ",title=no502 ") {
					t.Errorf("annotation without a title: %s", line)
				}
				if strings.Contains(line, "%0A") {
					t.Errorf("annotation of more than one line: %s", line)
				}
			}
		}
	}
}

func countCases(s junitSuites) int {
	n := 0
	for _, su := range s.Suites {
		n += len(su.Cases)
	}
	return n
}

// checkSARIF checks what the schema cannot: rule indexes, help URIs, fingerprints,
// and fixes that apply.
func checkSARIF(t *testing.T, out string) {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	fps := map[string]bool{}
	fixes := 0
	for _, r := range run.Results {
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID || !strings.HasSuffix(rule.HelpURI, "/docs/rules/"+r.RuleID+".md") {
			t.Errorf("result %s: rule index %d names %s (%s)", r.RuleID, r.RuleIndex, rule.ID, rule.HelpURI)
		}
		if _, err := os.Stat(filepath.Join("../../docs/rules", r.RuleID+".md")); err != nil {
			t.Errorf("helpUri of %s points at a missing doc: %v", r.RuleID, err)
		}
		fp := r.PartialFingerprints[fingerprintV]
		if fp == "" || fps[fp] {
			t.Errorf("result %s: missing or duplicate fingerprint %q", r.RuleID, fp)
		}
		fps[fp] = true
		fixes += len(r.Fixes)
	}
	if fixes == 0 {
		t.Errorf("the demo has fixes with edits; none became a SARIF fix")
	}
}

// A parse error and a fix with edits in a fresh directory: the output still validates,
// and applying the SARIF fix by line and column gives the same file as the engine's
// byte edits.
func TestSARIFErrorsAndFixes(t *testing.T) {
	schema := sarifValidator(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("routes:\n  - match: /hooks/\n    handler_timeout: 90s\n"), 0o644)
	conf := "events {}\nhttp {\n    server {\n        location /hooks/ {\n            proxy_pass http://app.internal:8080;\n            proxy_read_timeout 30s;\n        }\n    }\n}\n"
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.conf"), []byte("http {\n  server {\n"), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--format", "sarif", ".")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	validateSARIF(t, schema, out)
	var log sarifLog
	json.Unmarshal([]byte(out), &log)
	run := log.Runs[0]
	if run.Invocations[0].ExecutionSuccessful || len(run.Invocations[0].Notifications) == 0 {
		t.Errorf("a parse error should be a tool notification: %+v", run.Invocations)
	}
	var fix *sarifFix
	for _, r := range run.Results {
		if r.RuleID == "read-timeout-below-budget" && len(r.Fixes) == 1 {
			fix = &r.Fixes[0]
		}
	}
	if fix == nil {
		t.Fatalf("no SARIF fix for read-timeout-below-budget:\n%s", out)
	}
	got := applySARIF(t, conf, fix.ArtifactChanges[0].Replacements)
	if !strings.Contains(got, "proxy_read_timeout 100s;") || strings.Contains(got, "proxy_read_timeout 30s;") {
		t.Errorf("SARIF fix gives:\n%s", got)
	}
}

// applySARIF applies replacements (line/column regions, columns in code points) to src,
// last first.
func applySARIF(t *testing.T, src string, reps []sarifReplacement) string {
	t.Helper()
	offset := func(line, col int) int {
		lines := strings.SplitAfter(src, "\n")
		off := 0
		for i := 0; i < line-1; i++ {
			off += len(lines[i])
		}
		return off + len(string([]rune(lines[line-1])[:col-1]))
	}
	for i := len(reps) - 1; i >= 0; i-- {
		r := reps[i]
		s, e := offset(r.DeletedRegion.StartLine, r.DeletedRegion.StartColumn), offset(r.DeletedRegion.EndLine, r.DeletedRegion.EndColumn)
		ins := ""
		if r.InsertedContent != nil {
			ins = r.InsertedContent.Text
		}
		src = src[:s] + ins + src[e:]
	}
	return src
}

// --output writes the report to the file and only the summary to the terminal.
func TestOutputFile(t *testing.T) {
	root, _ := filepath.Abs("../..")
	file := filepath.Join(t.TempDir(), "report.sarif")
	out, _, code := runIn(t, root, "", "lint", "--format", "sarif", "--output", file, "testdata/demo")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "findings in") {
		t.Errorf("terminal should get the summary line only, got:\n%s", out)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, sarifValidator(t), string(written))
}

// The validator must reject what the schema forbids, or the tests above prove nothing.
func TestSARIFValidatorRejects(t *testing.T) {
	s := sarifValidator(t)
	for _, bad := range []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s.Validate(inst) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}

// --output into a directory that does not exist yet (reports/no502.sarif on a fresh CI
// checkout; the action's sarif-file input) creates it, as ruff's --output-file does: it
// was exit 2 after the whole run, the report lost, and the action's upload step then
// failed on a missing file.
func TestOutputFileMissingDirectory(t *testing.T) {
	root, _ := filepath.Abs("../..")
	file := filepath.Join(t.TempDir(), "reports", "ci", "no502.sarif")
	_, stderr, code := runIn(t, root, "", "lint", "--format", "sarif", "--output", file, "testdata/demo")
	if code != 1 {
		t.Errorf("exit %d, want 1 (findings); stderr:\n%s", code, stderr)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, sarifValidator(t), string(written))
}

// An --output no502 cannot write is a usage error before anything is done: with --fix it
// was found only after the fixes were written (exit 2, files changed, report lost).
func TestOutputFileUnwritableBeforeFix(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n",
		"report": "a file, not a directory\n"})
	before := readFile(t, dir, "nginx.conf")
	_, stderr, code := runIn(t, dir, "", "lint", "--fix", "--output", filepath.Join("report", "r.json"), "--format", "json", ".")
	if code != 2 || !strings.Contains(stderr, "--output") {
		t.Errorf("exit %d, want 2 with an --output error; stderr:\n%s", code, stderr)
	}
	if got := readFile(t, dir, "nginx.conf"); got != before {
		t.Errorf("--fix wrote the file although --output was unusable:\n%s", got)
	}
	// A usage error after --output was opened (a bad config) leaves no empty report.
	dir = writeFiles(t, map[string]string{"nginx.conf": before, ".no502.yaml": "rules:\n  no-such-rule: off\n"})
	if _, _, code := runIn(t, dir, "", "lint", "--output", "out/r.json", "--format", "json", "."); code != 2 {
		t.Errorf("bad config: exit %d, want 2", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "r.json")); err == nil {
		t.Errorf("a run that did not start left an empty report behind")
	}
}

// --diff writes to --output too: it printed the diff on the terminal and no file. With
// nothing to fix the file is there, empty (an old diff does not stay).
func TestDiffOutputFile(t *testing.T) {
	clean := writeFiles(t, map[string]string{"nginx.conf": "events {}\nhttp {}\n", "fix.diff": "an old diff\n"})
	if _, stderr, code := runIn(t, clean, "", "lint", "--diff", "--output", "fix.diff", "."); code != 0 {
		t.Errorf("nothing to fix: exit %d\n%s", code, stderr)
	}
	if got := readFile(t, clean, "fix.diff"); got != "" {
		t.Errorf("nothing to fix: --output holds %q, want an empty file", got)
	}
	dir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n"})
	for _, format := range []string{"text", "json"} {
		out, stderr, code := runIn(t, dir, "", "lint", "--diff", "--format", format, "--output", "fix.diff", ".")
		if code == 2 {
			t.Errorf("%s: exit 2; stderr:\n%s", format, stderr)
		}
		if out != "" {
			t.Errorf("%s: the diff went to the terminal:\n%s", format, out)
		}
		got := readFile(t, dir, "fix.diff")
		if format == "text" && !strings.Contains(got, "+++ b/nginx.conf") || format == "json" && !strings.Contains(got, `"new_text"`) {
			t.Errorf("%s: --output holds:\n%s", format, got)
		}
		if !strings.Contains(stderr, "would fix") {
			t.Errorf("%s: the summary should stay on stderr:\n%s", format, stderr)
		}
	}
}

// SARIF's invocation says how the run ended (SARIF 2.1.0 §3.20: exitCode,
// exitCodeDescription, executionSuccessful, toolExecutionNotifications): the exit
// status the process returns, why, and the notes the text output prints (an include
// not followed, a binary file skipped), so a report read without the log says what was
// not linted.
func TestSARIFInvocation(t *testing.T) {
	type invocation struct {
		ExecutionSuccessful bool   `json:"executionSuccessful"`
		ExitCode            *int   `json:"exitCode"`
		ExitCodeDescription string `json:"exitCodeDescription"`
		Notifications       []struct {
			Level   string                `json:"level"`
			Message struct{ Text string } `json:"message"`
		} `json:"toolExecutionNotifications"`
	}
	read := func(out string) invocation {
		var doc struct {
			Runs []struct{ Invocations []invocation } `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Runs) != 1 || len(doc.Runs[0].Invocations) != 1 {
			t.Fatalf("no invocation: %v\n%s", err, out)
		}
		return doc.Runs[0].Invocations[0]
	}
	v := sarifValidator(t)
	dir := writeFiles(t, map[string]string{
		"nginx.conf": keepaliveUpstream + "        location / {\n            proxy_pass http://app;\n            proxy_read_timeout 5s;\n        }\n        include /srv/other/*.conf;\n    }\n}\n",
		"blob.conf":  "server {\x00 binary",
	})
	for _, tc := range []struct {
		args []string
		code int
		desc string
	}{
		{[]string{"lint", "--format", "sarif", "--fail-on", "info", "."}, 1, "findings at or above --fail-on info"},
		{[]string{"lint", "--format", "sarif", "--fail-on", "never", "."}, 0, "no file failed to parse"},
	} {
		out, _, code := runIn(t, dir, "", tc.args...)
		validateSARIF(t, v, out)
		inv := read(out)
		if code != tc.code || inv.ExitCode == nil || *inv.ExitCode != code || !inv.ExecutionSuccessful {
			t.Errorf("%v: exit %d, invocation %+v", tc.args, code, inv)
		}
		if !strings.Contains(inv.ExitCodeDescription, tc.desc) {
			t.Errorf("%v: exitCodeDescription %q, want it to say %q", tc.args, inv.ExitCodeDescription, tc.desc)
		}
		notes := 0
		for _, n := range inv.Notifications {
			if n.Level == "note" {
				notes++
			}
		}
		if notes < 2 {
			t.Errorf("%v: the notes (include not followed, binary file) are missing: %+v", tc.args, inv.Notifications)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.conf"), []byte("server {\n    listen 80;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runIn(t, dir, "", "lint", "--format", "sarif", "--fail-on", "never", ".")
	validateSARIF(t, v, out)
	inv := read(out)
	if code != 1 || inv.ExitCode == nil || *inv.ExitCode != 1 || inv.ExecutionSuccessful || !strings.Contains(inv.ExitCodeDescription, "not linted") {
		t.Errorf("a file that does not parse: exit %d, invocation %+v", code, inv)
	}
}

// gitlabIssue is an issue of GitLab's Code Quality report
// (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
type gitlabIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
			End   int `json:"end"`
		} `json:"lines"`
	} `json:"location"`
}

// checkGitLab checks a Code Quality report against what GitLab reads: a JSON array of
// issues, each with every field GitLab requires, a severity of its five, a path
// relative to the repository, a line from 1, and a fingerprint no other issue has
// (GitLab shows only the first issue of a fingerprint).
func checkGitLab(t *testing.T, out string) []gitlabIssue {
	t.Helper()
	var issues []gitlabIssue
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&issues); err != nil || issues == nil {
		t.Fatalf("not a JSON array of issues: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, is := range issues {
		switch is.Severity {
		case "info", "minor", "major", "critical", "blocker":
		default:
			t.Errorf("severity %q is not one of GitLab's", is.Severity)
		}
		if is.Description == "" || is.CheckName == "" || is.Fingerprint == "" || is.Location.Path == "" ||
			filepath.IsAbs(is.Location.Path) || strings.HasPrefix(is.Location.Path, "./") || is.Location.Lines.Begin < 1 || is.Location.Lines.End < is.Location.Lines.Begin {
			t.Errorf("incomplete issue: %+v", is)
		}
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s given twice", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
	return issues
}

// The fingerprint is what GitLab compares between the merge request's report and the
// target branch's to say which issues are new and which were fixed: it must not change
// when lines move (a comment added above), and two identical findings in one file get
// two. A parse error is an issue too (the job fails on it), and paths are relative to
// CI_PROJECT_DIR, the repository, when no502 runs in a subdirectory.
func TestGitLabCodeQuality(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "deploy")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := keepaliveUpstream + "        location / {\n            proxy_pass http://app;\n        }\n        location /b/ {\n            proxy_pass http://app;\n        }\n    }\n}\n"
	if err := os.WriteFile(filepath.Join(sub, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CI_PROJECT_DIR", dir)
	out, _, code := runIn(t, sub, "", "lint", "--format", "gitlab", ".")
	if code != 0 {
		t.Errorf("exit %d, want 0 (info findings)", code)
	}
	before := checkGitLab(t, out)
	if len(before) != 2 {
		t.Fatalf("want the two locations' findings, got %+v", before)
	}
	for _, is := range before {
		if is.Location.Path != "deploy/nginx.conf" || is.CheckName != "upstream-keepalive-unused" || is.Severity != "info" ||
			!strings.HasPrefix(is.Description, "upstream-keepalive-unused: ") {
			t.Errorf("issue %+v", is)
		}
	}
	if err := os.WriteFile(filepath.Join(sub, "nginx.conf"), []byte("# moved down\n\n"+conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runIn(t, sub, "", "lint", "--format", "gitlab", ".")
	after := checkGitLab(t, out)
	if len(after) != 2 || after[0].Fingerprint != before[0].Fingerprint || after[1].Fingerprint != before[1].Fingerprint ||
		after[0].Location.Lines.Begin != before[0].Location.Lines.Begin+2 {
		t.Errorf("lines moved, fingerprints changed:\n%+v\n%+v", before, after)
	}
	if err := os.WriteFile(filepath.Join(sub, "broken.conf"), []byte("server {\n    listen 80;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = runIn(t, sub, "", "lint", "--format", "gitlab", "--fail-on", "never", ".")
	issues := checkGitLab(t, out)
	found := false
	for _, is := range issues {
		if is.Location.Path == "deploy/broken.conf" && is.CheckName == "not-linted" && is.Severity == "blocker" {
			found = true
		}
	}
	if code != 1 || !found {
		t.Errorf("a file that does not parse: exit %d, issues %+v", code, issues)
	}
	// Nothing to report is an empty array, which GitLab reads as no issues.
	clean := t.TempDir()
	if err := os.WriteFile(filepath.Join(clean, "nginx.conf"), []byte("events {}\nhttp {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := runIn(t, clean, "", "lint", "--format", "gitlab", "."); strings.TrimSpace(out) != "[]" {
		t.Errorf("no issues: %q, want []", out)
	}
}

// Every SARIF replacement carries insertedContent, "" for a deletion. SARIF allows
// leaving it out (§3.57.3: a pure deletion), but reviewdog (v0.21.0, parser/sarif.go)
// reads replacement.insertedContent.text without checking insertedContent, and a fix
// that deletes a line (unused-suppression's) crashed it with a nil pointer: no review
// comment at all for the run.
func TestSARIFDeletionHasInsertedContent(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        # no502:ignore single-upstream\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n"})
	out, _, _ := runIn(t, dir, "", "lint", "--format", "sarif", ".")
	validateSARIF(t, sarifValidator(t), out)
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Fixes  []struct {
					ArtifactChanges []struct {
						Replacements []map[string]json.RawMessage `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	deletions := 0
	for _, r := range doc.Runs[0].Results {
		for _, f := range r.Fixes {
			for _, c := range f.ArtifactChanges {
				for _, rep := range c.Replacements {
					var ins struct{ Text *string }
					if err := json.Unmarshal(rep["insertedContent"], &ins); err != nil || ins.Text == nil {
						t.Errorf("%s: a replacement without insertedContent.text: %s", r.RuleID, rep["deletedRegion"])
					} else if *ins.Text == "" {
						deletions++
					}
				}
			}
		}
	}
	if deletions == 0 {
		t.Errorf("the unused suppression's fix should delete its line:\n%s", out)
	}
}

// --report writes more reports from the same run: the GitHub Action annotates a pull
// request (--format github) and uploads SARIF from one lint instead of two. Each report
// is what --format with --output writes, byte for byte; the run's exit status is the
// main report's.
func TestReportFlag(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	sarif, js := filepath.Join(dir, "out", "no502.sarif"), filepath.Join(dir, "r.json")
	out, stderr, code := runIn(t, root, "", "lint", "--format", "github", "--report", "sarif:"+sarif, "--report", "JSON:"+js, "testdata/demo")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(out, "::warning") && !strings.Contains(out, "::error") {
		t.Errorf("the main report (github) is not on stdout:\n%s", out)
	}
	for _, c := range []struct{ format, path string }{{"sarif", sarif}, {"json", js}} {
		got, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		alone := filepath.Join(dir, "alone."+c.format)
		if _, _, code := runIn(t, root, "", "lint", "--format", c.format, "--output", alone, "testdata/demo"); code != 1 {
			t.Fatalf("%s alone: exit %d", c.format, code)
		}
		want, _ := os.ReadFile(alone)
		if string(got) != string(want) {
			t.Errorf("--report %s differs from --format %s --output:\n%s\nwant:\n%s", c.format, c.format, got, want)
		}
	}
	validateSARIF(t, sarifValidator(t), readFile(t, filepath.Dir(sarif), "no502.sarif"))
	for _, bad := range [][]string{
		{"--report", "sarif"},                                   // no path
		{"--report", "xml:r.xml"},                               // no such format
		{"--report", "sarif:-"},                                 // stdout is the main report's
		{"--report", "json:a.json", "--report", "sarif:a.json"}, // one file, two reports
		{"--output", "a.json", "--report", "json:a.json"},
		{"--diff", "--report", "json:a.json"},
		{"--statistics", "--report", "json:a.json"},
	} {
		args := append([]string{"lint"}, append(bad, "testdata/demo")...)
		if _, stderr, code := runIn(t, root, "", args...); code != 2 || !strings.Contains(stderr, "--report") {
			t.Errorf("%v: exit %d, want 2 naming --report; stderr:\n%s", bad, code, stderr)
		}
	}
	// A report no502 cannot write is a usage error before --fix writes anything.
	fixDir := writeFiles(t, map[string]string{"nginx.conf": keepaliveUpstream +
		"        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n",
		"report": "a file, not a directory\n"})
	before := readFile(t, fixDir, "nginx.conf")
	if _, stderr, code := runIn(t, fixDir, "", "lint", "--fix", "--report", "json:"+filepath.Join("report", "r.json"), "."); code != 2 || !strings.Contains(stderr, "--report") {
		t.Errorf("unwritable report: exit %d, want 2; stderr:\n%s", code, stderr)
	}
	if got := readFile(t, fixDir, "nginx.conf"); got != before {
		t.Errorf("--fix wrote the file although --report was unusable:\n%s", got)
	}
}

// TestGitHubPathsRelativeToWorkspace: the runner reads a relative file= from the
// repository's root (actions/runner's IssueCommandExtension relativizes only absolute
// paths under GITHUB_WORKSPACE), so a step with working-directory: deploy put every
// annotation on nginx.conf at the root, which does not exist. Names are relative to the
// workspace when the file is under it; outside it (or without the variable) they stay
// relative to the working directory.
func TestGitHubPathsRelativeToWorkspace(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "deploy", "my proxy")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := keepaliveUpstream + "        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n"
	if err := os.WriteFile(filepath.Join(sub, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "broken.conf"), []byte("http {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ workspace, want string }{
		{dir, "deploy/my proxy/"},
		{"", ""},
		{t.TempDir(), ""},
	} {
		t.Setenv("GITHUB_WORKSPACE", c.workspace)
		out, _, _ := runIn(t, sub, "", "lint", "--format", "github", ".")
		for _, want := range []string{"::notice file=" + c.want + "nginx.conf,line=", "::error file=" + c.want + "broken.conf,line=1"} {
			if !strings.Contains(out, want) {
				t.Errorf("GITHUB_WORKSPACE=%q: want %q in\n%s", c.workspace, want, out)
			}
		}
	}
}
