package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The precision sample (issue 17): the real-config corpus is linted one source repository
// at a time, every finding is matched against hand-made labels (right / wrong / noise, see
// testdata/precision/labels.tsv), and docs/precision.md publishes the result. The test
// only drives the CLI through run and reads its JSON output, so it keeps working while the
// CLI's internals move between packages.

// corpusRoot is the shared corpus of real configs, beside the repository (not in it).
const corpusRoot = "../../../shared/corpus"

// corpusFolders are the folders linted; caddy-json holds the Caddy adapter's expected
// output for the Caddyfiles, not configs.
var corpusFolders = []string{"nginx", "caddy", "terraform", "k8s", "compose"}

const (
	labelsFile    = "testdata/precision/labels.tsv"
	classesFile   = "testdata/precision/classes.tsv"
	openWrongFile = "testdata/precision/open-wrong.txt"
	precisionDoc  = "../../docs/precision.md"
)

// corpusGroup is the set of files of one source repository in one corpus folder: what
// one lint run sees. Files of different repositories never share a run, so two unrelated
// projects' Services and Deployments cannot select each other because the corpus put
// them in one folder.
type corpusGroup struct {
	Folder, Repository string
	Files              []string // base names in the folder
}

// corpusFinding is one finding of the per-repository run, reduced to what the labels
// and the report need.
type corpusFinding struct {
	Folder, Repository, Rule, File string
	Line                           int
	Severity, Message              string
}

// key identifies the finding for the labels: where it is and which rule, not what it
// says, so message rewording keeps the labels matching. (Several findings can share a
// key: one HPA line reported for each Service it reaches; a label covers them all.)
func (f corpusFinding) key() string {
	return findingKey(f.Folder, f.Repository, f.File, f.Rule, f.Line)
}

func findingKey(folder, repo, file, rule string, line int) string {
	return folder + "\t" + repo + "\t" + file + "\t" + rule + "\t" + strconv.Itoa(line)
}

// needCorpus skips a test without the shared corpus, except under CI=true.
func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusRoot, "MANIFEST.tsv")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s missing (CI=true)", corpusRoot)
		}
		t.Skipf("corpus %s missing; skipping", corpusRoot)
	}
}

// corpusGroups reads MANIFEST.tsv (folder, file, repository, path, commit) and groups the
// linted folders' files by folder and repository, in a stable order.
func corpusGroups(t *testing.T) []corpusGroup {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusRoot, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	linted := map[string]bool{}
	for _, d := range corpusFolders {
		linted[d] = true
	}
	byKey := map[[2]string]*corpusGroup{}
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		cols := strings.Split(sc.Text(), "\t")
		if n == 0 || len(cols) < 3 || !linted[cols[0]] {
			continue
		}
		k := [2]string{cols[0], cols[2]}
		g := byKey[k]
		if g == nil {
			g = &corpusGroup{Folder: cols[0], Repository: cols[2]}
			byKey[k] = g
		}
		g.Files = append(g.Files, cols[1])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	groups := make([]corpusGroup, 0, len(byKey))
	for _, g := range byKey {
		sort.Strings(g.Files)
		groups = append(groups, *g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].Folder != groups[j].Folder {
			return groups[i].Folder < groups[j].Folder
		}
		return groups[i].Repository < groups[j].Repository
	})
	return groups
}

// corpusRun is what lintCorpusPerRepository collected.
type corpusRun struct {
	Findings    []corpusFinding
	Groups      int // lint runs, one per folder and repository
	Files       int // files linted (the JSON summary's count, summed)
	ParseErrors int // corpus files that did not parse (the corpus keeps broken fixtures)
}

// lintCorpusPerRepository copies each group into its own temporary directory (file names
// kept, so positions and names match the corpus) and lints it in-process with
// `lint --format json --no-color .`. Runs are sequential: run and runIn use the process's
// working directory. A group whose run fails (exit 2, output that is not JSON) fails the
// test; parse errors of corpus files are expected (the corpus keeps broken fixtures) and
// only counted.
func lintCorpusPerRepository(t *testing.T) corpusRun {
	t.Helper()
	var run corpusRun
	base := t.TempDir()
	for i, g := range corpusGroups(t) {
		run.Groups++
		dir := filepath.Join(base, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range g.Files {
			src, err := os.ReadFile(filepath.Join(corpusRoot, g.Folder, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		stdout, stderr, code := runIn(t, dir, "", "lint", "--format", "json", "--no-color", ".")
		if code != exitClean && code != exitFindings {
			t.Fatalf("%s %s: exit %d\n%s", g.Folder, g.Repository, code, stderr)
		}
		var rep struct {
			Findings []struct {
				Rule, Severity, File, Message string
				Line                          int
			}
			Errors  []struct{ File string }
			Summary struct{ Files int }
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%s %s: output is not JSON: %v\n%s", g.Folder, g.Repository, err, stdout)
		}
		broken := map[string]bool{} // a file may have several errors
		for _, e := range rep.Errors {
			broken[e.File] = true
		}
		run.ParseErrors += len(broken)
		run.Files += rep.Summary.Files
		for _, f := range rep.Findings {
			run.Findings = append(run.Findings, corpusFinding{
				Folder: g.Folder, Repository: g.Repository, Rule: f.Rule,
				File: filepath.Base(f.File), Line: f.Line, Severity: f.Severity, Message: f.Message,
			})
		}
	}
	return run
}

const precisionStart, precisionEnd = "<!-- precision:start -->\n", "<!-- precision:end -->"

// TestPrecision lints the corpus per repository and holds the result against the labels:
// a finding labelled wrong that is not in open-wrong.txt fails the test (a fixed false
// positive came back, or the list was not kept), and so does a listed one that is no longer
// reported (the list must shrink as rules are fixed; -update shrinks it). The generated part
// of docs/precision.md must match the run (-update rewrites it).
func TestPrecision(t *testing.T) {
	needCorpus(t)
	classes, err := readClasses(classesFile)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := readLabels(labelsFile, classes)
	if err != nil {
		t.Fatal(err)
	}
	open, err := readOpenWrong(openWrongFile)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	run := lintCorpusPerRepository(t)
	t.Logf("corpus linted per repository in %v: %d lint runs, %d files, %d findings",
		time.Since(start).Round(time.Millisecond), run.Groups, run.Files, len(run.Findings))

	// Findings that only moved to another line keep their labels; -update writes the new
	// lines into the label files.
	if moves := relocateLabels(run.Findings, labels); len(moves) > 0 {
		labels, open = applyMoves(labels, open, moves)
		for _, m := range moves {
			msg := fmt.Sprintf("%s %s labelled %s moved to line %d", m.From.where(), m.From.Rule, m.From.Verdict, m.Line)
			if *update {
				t.Log(msg)
			} else {
				t.Errorf("%s: update the label (go test ./cmd/no502 -run TestPrecision -update does)", msg)
			}
		}
		if *update {
			if err := rewriteLabelLines(labelsFile, moves); err != nil {
				t.Fatal(err)
			}
			if err := writeOpenWrong(openWrongFile, open); err != nil {
				t.Fatal(err)
			}
		}
	}

	r := checkRatchet(run.Findings, labels, open)
	for _, p := range r.Problems {
		t.Error(p)
	}
	if *update {
		if len(r.Fixed) > 0 {
			if err := writeOpenWrong(openWrongFile, r.Keep); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: removed %d fixed findings, %d left", openWrongFile, len(r.Fixed), len(r.Keep))
		}
	} else {
		for _, f := range r.Fixed {
			t.Errorf("fixed: %s is no longer reported: remove it from %s (go test ./cmd/no502 -run TestPrecision -update does)", f, openWrongFile)
		}
	}

	reported := map[string]bool{}
	for _, f := range run.Findings {
		reported[f.key()] = true
	}
	// What changed since the review, for whoever updates the labels.
	for _, l := range labels.Labels {
		if !reported[l.key()] {
			t.Logf("labelled %s finding no longer reported: %s %s (%s)", l.Verdict, l.where(), l.Rule, l.Reason)
		}
	}
	unlabelled := map[string]int{}
	for _, f := range run.Findings {
		if _, ok := labels.ByKey[f.key()]; !ok {
			unlabelled[f.Rule]++
			if testing.Verbose() {
				t.Logf("unlabelled: %s %s %s:%d %s: %s", f.Folder, f.Repository, f.File, f.Line, f.Rule, f.Message)
			}
		}
	}
	var rules []string
	for r := range unlabelled {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		t.Logf("unlabelled findings of %s: %d", r, unlabelled[r])
	}

	if path := os.Getenv("NO502_PRECISION_DUMP"); path != "" {
		if err := dumpFindings(path, run.Findings, labels); err != nil {
			t.Fatal(err)
		}
	}

	checkPrecisionDoc(t, precisionReport(run, labels, classes))
}

// dumpFindings writes every finding of the run with its label (verdict and class, "-"
// when unlabelled) and severity to path, one tab-separated line each, sorted: run
// TestPrecision with NO502_PRECISION_DUMP=before.tsv and again with after.tsv, and diff
// the two to see what a rule change did to each labelled finding (a right finding whose
// severity dropped, say).
func dumpFindings(path string, findings []corpusFinding, labels *labelSet) error {
	lines := make([]string, 0, len(findings))
	for _, f := range findings {
		verdict, class := "-", "-"
		if l, ok := labels.ByKey[f.key()]; ok {
			verdict, class = l.Verdict, l.Class
		}
		lines = append(lines, strings.Join([]string{f.key(), verdict, class, f.Severity, f.Message}, "\t"))
	}
	sort.Strings(lines)
	return os.WriteFile(path, []byte("folder\trepository\tfile\trule\tline\tverdict\tclass\tseverity\tmessage\n"+strings.Join(lines, "\n")+"\n"), 0o644)
}

// checkPrecisionDoc compares (or with -update, replaces) the generated section of
// docs/precision.md.
func checkPrecisionDoc(t *testing.T, section string) {
	t.Helper()
	src, err := os.ReadFile(precisionDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i, j := strings.Index(s, precisionStart), strings.Index(s, precisionEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", precisionDoc, precisionStart, precisionEnd)
	}
	want := s[:i+len(precisionStart)] + section + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(precisionDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the labels and today's corpus run: run go test ./cmd/no502 -run TestPrecision -update and review the diff", precisionDoc)
}

// ratchetResult is how today's findings stand against the labels and open-wrong.txt.
type ratchetResult struct {
	Problems []string // each fails the test
	Fixed    []string // listed findings no longer reported: the list must drop them
	Keep     []string // the list without the fixed ones, in its order
}

// checkRatchet holds the findings against the labels: every finding labelled wrong that is
// reported must be listed in open (the wrong findings known to be still there), and every
// listed one must still be reported and still be labelled wrong.
func checkRatchet(findings []corpusFinding, labels *labelSet, open []string) ratchetResult {
	var r ratchetResult
	reported := map[string]corpusFinding{}
	for _, f := range findings {
		if _, ok := reported[f.key()]; !ok {
			reported[f.key()] = f
		}
	}
	listed := map[string]bool{}
	for _, k := range open {
		listed[k] = true
	}
	for _, l := range labels.Labels {
		f, on := reported[l.key()]
		if l.Verdict == "wrong" && on && !listed[l.key()] {
			r.Problems = append(r.Problems, fmt.Sprintf(
				"labelled wrong (%s) but reported: %s %s (%s)\n  message: %s\n  (a fixed false positive came back; if it was never fixed, add this line to %s:\n  %s)",
				l.Class, l.where(), l.Rule, l.Reason, f.Message, openWrongFile, l.key()))
		}
	}
	for _, k := range open {
		l, ok := labels.ByKey[k]
		_, on := reported[k]
		switch {
		case !ok || l.Verdict != "wrong":
			r.Problems = append(r.Problems, fmt.Sprintf("%s lists %q, which is not labelled wrong in %s", openWrongFile, k, labelsFile))
			r.Keep = append(r.Keep, k)
		case !on:
			r.Fixed = append(r.Fixed, fmt.Sprintf("%s %s (%s)", l.where(), l.Rule, l.Class))
		default:
			r.Keep = append(r.Keep, k)
		}
	}
	return r
}

// The label files are checked without the corpus too: they parse, every class a label
// names exists, and every listed open finding is labelled wrong.
func TestPrecisionLabelFiles(t *testing.T) {
	classes, err := readClasses(classesFile)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := readLabels(labelsFile, classes)
	if err != nil {
		t.Fatal(err)
	}
	open, err := readOpenWrong(openWrongFile)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range open {
		if l, ok := labels.ByKey[k]; !ok || l.Verdict != "wrong" {
			t.Errorf("%s lists %q, which is not labelled wrong", openWrongFile, k)
		}
		if seen[k] {
			t.Errorf("%s lists %q twice", openWrongFile, k)
		}
		seen[k] = true
	}
	for _, c := range classes {
		used := false
		for _, l := range labels.Labels {
			used = used || (l.Class == c.ID && l.Verdict == c.Verdict)
		}
		if !used {
			t.Errorf("class %s (%s) in %s labels nothing", c.ID, c.Verdict, classesFile)
		}
	}
}

func TestPrecisionRatchet(t *testing.T) {
	lab := func(file, verdict string) label {
		class := "-"
		if verdict != "right" {
			class = "c"
		}
		return label{Folder: "k8s", Repository: "o/r", File: file, Rule: "single-replica", Line: 3, Verdict: verdict, Class: class, Source: "all", Reason: "why"}
	}
	find := func(file string) corpusFinding {
		return corpusFinding{Folder: "k8s", Repository: "o/r", File: file, Rule: "single-replica", Line: 3, Message: "m"}
	}
	labels := &labelSet{ByKey: map[string]label{}}
	for _, l := range []label{lab("still-wrong", "wrong"), lab("came-back", "wrong"), lab("fixed", "wrong"), lab("ok", "right"), lab("noisy", "noise")} {
		labels.Labels = append(labels.Labels, l)
		labels.ByKey[l.key()] = l
	}
	findings := []corpusFinding{find("still-wrong"), find("came-back"), find("ok"), find("noisy"), find("new")}
	open := []string{lab("still-wrong", "").key(), lab("fixed", "").key(), lab("ok", "").key()}

	r := checkRatchet(findings, labels, open)
	if len(r.Problems) != 2 || !strings.Contains(r.Problems[0], "came-back:3") || !strings.Contains(r.Problems[1], "not labelled wrong") {
		t.Errorf("problems: want came-back reported and ok listed though right, got %q", r.Problems)
	}
	if len(r.Fixed) != 1 || !strings.HasPrefix(r.Fixed[0], "fixed:3 ") {
		t.Errorf("fixed: want the listed wrong finding that went away, got %q", r.Fixed)
	}
	want := []string{lab("still-wrong", "").key(), lab("ok", "").key()}
	if strings.Join(r.Keep, "|") != strings.Join(want, "|") {
		t.Errorf("keep: got %q, want %q", r.Keep, want)
	}

	// The state the list should reach: nothing wrong reported, nothing listed.
	if r := checkRatchet([]corpusFinding{find("ok"), find("noisy")}, labels, nil); len(r.Problems)+len(r.Fixed) != 0 {
		t.Errorf("clean run: got %+v", r)
	}
}

func TestPrecisionRelocate(t *testing.T) {
	lab := func(file string, line int, verdict string) label {
		return label{Folder: "k8s", Repository: "o/r", File: file, Rule: "prestop-missing", Line: line, Verdict: verdict, Class: "c", Source: "all", Reason: "why"}
	}
	find := func(file string, line int) corpusFinding {
		return corpusFinding{Folder: "k8s", Repository: "o/r", File: file, Rule: "prestop-missing", Line: line}
	}
	labels := &labelSet{ByKey: map[string]label{}}
	for _, l := range []label{lab("a", 10, "wrong"), lab("a", 40, "right"), lab("b", 5, "wrong"), lab("c", 7, "wrong")} {
		labels.Labels = append(labels.Labels, l)
		labels.ByKey[l.key()] = l
	}
	findings := []corpusFinding{
		find("a", 12), find("a", 44), // both of a's findings moved down: relabelled in order
		find("b", 5), find("b", 9), // b's label still matches; the new finding is just new
		find("c", 8), find("c", 9), // c: one label gone, two new findings: ambiguous, left alone
	}
	moves := relocateLabels(findings, labels)
	var got []string
	for _, m := range moves {
		got = append(got, fmt.Sprintf("%s->%d", m.From.where(), m.Line))
	}
	if want := "a:10->12 a:40->44"; strings.Join(got, " ") != want {
		t.Fatalf("moves: got %q, want %q", strings.Join(got, " "), want)
	}
	moved, open := applyMoves(labels, []string{lab("a", 10, "").key(), lab("b", 5, "").key(), lab("c", 7, "").key()}, moves)
	if r := checkRatchet(findings, moved, open); len(r.Problems) != 0 || len(r.Fixed) != 1 || !strings.HasPrefix(r.Fixed[0], "c:7 ") {
		t.Errorf("after the move a:12 stays listed (and b:5), only c:7 is gone; got %+v", r)
	}
}
