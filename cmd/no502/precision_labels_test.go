package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// The files behind the precision test: the labels, the classes they refer to, the ratchet
// list of labelled-wrong findings still reported, and the generated part of
// docs/precision.md.

var verdicts = []string{"right", "wrong", "noise"}

// label is one reviewed finding (a line of labels.tsv).
type label struct {
	Folder, Repository, File, Rule string
	Line                           int
	Verdict, Class, Source, Reason string
}

func (l label) key() string {
	return findingKey(l.Folder, l.Repository, l.File, l.Rule, l.Line)
}

func (l label) where() string { return l.File + ":" + strconv.Itoa(l.Line) }

// labelSet is labels.tsv read and checked.
type labelSet struct {
	Labels   []label
	ByKey    map[string]label
	Reviewed string // the "# reviewed: DATE" header
}

const labelColumns = "folder\trepository\tfile\trule\tline\tverdict\tclass\tsource\treason"

// readTSV calls row for every line that is not blank, a comment or the header, with its
// 1-based line number.
func readTSV(path, header string, comment func(string), row func(n int, cols []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "#"):
			if comment != nil {
				comment(line)
			}
		case line == header:
		default:
			if err := row(n, strings.Split(line, "\t")); err != nil {
				return fmt.Errorf("%s:%d: %v", path, n, err)
			}
		}
	}
	return sc.Err()
}

func readLabels(path string, classes classSet) (*labelSet, error) {
	s := &labelSet{ByKey: map[string]label{}}
	comment := func(line string) {
		if v, ok := strings.CutPrefix(line, "# reviewed:"); ok {
			s.Reviewed = strings.TrimSpace(v)
		}
	}
	err := readTSV(path, labelColumns, comment, func(_ int, c []string) error {
		if len(c) != 9 {
			return fmt.Errorf("want 9 tab-separated columns (%s), got %d", labelColumns, len(c))
		}
		line, err := strconv.Atoi(c[4])
		if err != nil || line < 1 {
			return fmt.Errorf("line %q is not a line number", c[4])
		}
		l := label{Folder: c[0], Repository: c[1], File: c[2], Rule: c[3], Line: line,
			Verdict: c[5], Class: c[6], Source: c[7], Reason: c[8]}
		switch {
		case !contains(verdicts, l.Verdict):
			return fmt.Errorf("verdict %q is not one of %v", l.Verdict, verdicts)
		case l.Verdict == "right" && l.Class != "-":
			return fmt.Errorf("a right finding has class -, not %q", l.Class)
		case l.Verdict != "right" && !classes.has(l.Class, l.Verdict):
			return fmt.Errorf("class %q with verdict %s is not in %s", l.Class, l.Verdict, classesFile)
		case !contains([]string{"all", "sample", "sweep"}, l.Source):
			return fmt.Errorf("source %q is not all, sample or sweep", l.Source)
		case strings.TrimSpace(l.Reason) == "":
			return fmt.Errorf("no reason")
		}
		if _, dup := s.ByKey[l.key()]; dup {
			return fmt.Errorf("%s %s labelled twice", l.where(), l.Rule)
		}
		s.ByKey[l.key()] = l
		s.Labels = append(s.Labels, l)
		return nil
	})
	if err == nil && s.Reviewed == "" {
		err = fmt.Errorf("%s: no \"# reviewed: DATE\" line", path)
	}
	return s, err
}

// wrongClass is a line of classes.tsv: a kind of wrong or noisy finding, what makes it so,
// and what the rule should do instead.
type wrongClass struct {
	ID, Verdict, Condition, Correct string
}

type classSet []wrongClass

func (cs classSet) has(id, verdict string) bool {
	for _, c := range cs {
		if c.ID == id && c.Verdict == verdict {
			return true
		}
	}
	return false
}

const classColumns = "class\tverdict\tcondition\tcorrect"

func readClasses(path string) (classSet, error) {
	var cs classSet
	err := readTSV(path, classColumns, nil, func(_ int, c []string) error {
		if len(c) != 4 {
			return fmt.Errorf("want 4 tab-separated columns (%s), got %d", classColumns, len(c))
		}
		if c[1] != "wrong" && c[1] != "noise" {
			return fmt.Errorf("class %s: verdict %q is not wrong or noise", c[0], c[1])
		}
		if cs.has(c[0], c[1]) {
			return fmt.Errorf("class %s (%s) listed twice", c[0], c[1])
		}
		cs = append(cs, wrongClass{ID: c[0], Verdict: c[1], Condition: c[2], Correct: c[3]})
		return nil
	})
	return cs, err
}

const openWrongColumns = "folder\trepository\tfile\trule\tline"

const openWrongHeader = `# Findings labelled wrong in labels.tsv that the per-repository corpus run still reports.
# TestPrecision fails when a wrong finding that is not listed here is reported, and when a
# listed one is no longer reported: remove the lines of what a rule fix removed (go test
# ./cmd/no502 -run TestPrecision -update removes them, it never adds any), down to an empty list.
`

// readOpenWrong returns the keys listed in open-wrong.txt, in file order.
func readOpenWrong(path string) ([]string, error) {
	var keys []string
	err := readTSV(path, openWrongColumns, nil, func(_ int, c []string) error {
		if len(c) != 5 {
			return fmt.Errorf("want 5 tab-separated columns (%s), got %d", openWrongColumns, len(c))
		}
		line, err := strconv.Atoi(c[4])
		if err != nil {
			return fmt.Errorf("line %q is not a line number", c[4])
		}
		keys = append(keys, findingKey(c[0], c[1], c[2], c[3], line))
		return nil
	})
	return keys, err
}

func writeOpenWrong(path string, keys []string) error {
	var b strings.Builder
	b.WriteString(openWrongHeader + openWrongColumns + "\n")
	for _, k := range keys {
		b.WriteString(k + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// folderFormat maps a corpus folder to the config format its findings are about.
var folderFormat = map[string]string{
	"nginx": "nginx", "caddy": "Caddy", "terraform": "Terraform (AWS)", "k8s": "Kubernetes", "compose": "Compose (+ bind-mounted proxy configs)",
}

// tally counts verdicts of labels whose finding the current run still reports, and the
// labels whose finding went away.
type tally struct {
	Findings                   int
	Right, Wrong, Noise, Gone  int
	SampleRight, SampleLabeled int // labels from complete or stratified review (not sweeps)
}

func (t *tally) add(l label, reported bool) {
	if !reported {
		t.Gone++
		return
	}
	switch l.Verdict {
	case "right":
		t.Right++
	case "wrong":
		t.Wrong++
	case "noise":
		t.Noise++
	}
	if l.Source != "sweep" {
		t.SampleLabeled++
		if l.Verdict == "right" {
			t.SampleRight++
		}
	}
}

func percent(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", (100*n+d/2)/d)
}

func (t tally) row(name string) string {
	labelled := t.Right + t.Wrong + t.Noise
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %s | %s | %d |\n", name, t.Findings, labelled,
		t.Right, t.Wrong, t.Noise, percent(t.Right, labelled), percent(t.SampleRight, t.SampleLabeled), t.Gone)
}

const tallyHeader = "| %s | findings today | labelled | right | wrong | noise | precision | precision (sample) | labels gone |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"

// precisionReport renders the generated part of docs/precision.md from the labels and the
// current run. It holds nothing that changes from run to run (no timings), so it can be
// compared like the other goldens.
func precisionReport(run corpusRun, labels *labelSet, classes classSet) string {
	reported := map[string]int{}
	aboveInfo := map[string]bool{} // a finding with the key is reported above info
	for _, f := range run.Findings {
		reported[f.key()]++
		if f.Severity != "info" {
			aboveInfo[f.key()] = true
		}
	}
	byRule, byFolder := map[string]*tally{}, map[string]*tally{}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	var total tally
	for _, f := range run.Findings {
		get(byRule, f.Rule).Findings++
		get(byFolder, f.Folder).Findings++
		total.Findings++
	}
	for _, l := range labels.Labels {
		on := reported[l.key()] > 0
		get(byRule, l.Rule).add(l, on)
		get(byFolder, l.Folder).add(l, on)
		total.add(l, on)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Labels reviewed %s. Today's run: %d findings in %d files (%d lint runs, one per corpus folder and source repository; %d files did not parse). %d of the findings are labelled (%d right, %d wrong, %d noise); %d labelled findings are no longer reported.\n\n",
		labels.Reviewed, total.Findings, run.Files, run.Groups, run.ParseErrors,
		total.Right+total.Wrong+total.Noise, total.Right, total.Wrong, total.Noise, total.Gone)
	b.WriteString("\"precision\" is right / labelled over the labelled findings still reported; \"precision (sample)\" leaves out the sweep labels (every finding of a wrong class looked up on purpose), so for the large rules it is the estimate from the stratified sample. \"labels gone\": labelled findings the run no longer reports.\n\n")

	b.WriteString("### Per rule\n\n")
	fmt.Fprintf(&b, tallyHeader, "rule")
	var rules []string
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		b.WriteString(byRule[r].row("`" + r + "`"))
	}
	b.WriteString(total.row("**all**"))

	b.WriteString("\n### Per format\n\n")
	fmt.Fprintf(&b, tallyHeader, "format (corpus folder)")
	for _, d := range corpusFolders {
		if t := byFolder[d]; t != nil {
			b.WriteString(t.row(folderFormat[d] + " (`" + d + "`)"))
		}
	}

	for _, verdict := range []string{"wrong", "noise"} {
		if verdict == "wrong" {
			b.WriteString("\n### Wrong classes\n\nWhat the rule fixes work from: each class with the condition in the config that makes the finding wrong, what the rule should do instead, and one labelled example (still reported unless marked fixed).\n")
		} else {
			open, info := 0, 0
			for _, l := range labels.Labels {
				if l.Verdict == "noise" && reported[l.key()] > 0 {
					open++
					if !aboveInfo[l.key()] {
						info++
					}
				}
			}
			fmt.Fprintf(&b, "\n### Noise classes\n\nTrue findings that are not a 502 worth a page, or that another finding already says. Noise is a severity question: of the %d noise findings still reported, %d are at info (\"at info\" below: every finding on that line of that rule is info).\n", open, info)
		}
		for _, c := range classes {
			if c.Verdict != verdict {
				continue
			}
			var ls []label
			rulesOf := map[string]bool{}
			open, info := 0, 0
			for _, l := range labels.Labels {
				if l.Class == c.ID && l.Verdict == verdict {
					ls = append(ls, l)
					rulesOf[l.Rule] = true
					if reported[l.key()] > 0 {
						open++
						if !aboveInfo[l.key()] {
							info++
						}
					}
				}
			}
			if len(ls) == 0 {
				continue
			}
			var rs []string
			for r := range rulesOf {
				rs = append(rs, "`"+r+"`")
			}
			sort.Strings(rs)
			ex := ls[0]
			for _, l := range ls {
				if reported[l.key()] > 0 {
					ex = l
					break
				}
			}
			state := ""
			if reported[ex.key()] == 0 {
				state = " (fixed)"
			}
			counts := fmt.Sprintf("%d labelled, %d still reported", len(ls), open)
			if verdict == "noise" {
				counts += fmt.Sprintf(", %d at info", info)
			}
			fmt.Fprintf(&b, "\n**`%s`** (%s; %s)\n\n- When: %s\n- Instead: %s\n- Example%s: `%s` (%s, %s): %s\n",
				c.ID, strings.Join(rs, ", "), counts, c.Condition, c.Correct, state, ex.where(), ex.Rule, ex.Repository, ex.Reason)
		}
	}
	return b.String()
}

// labelMove is a label whose finding moved to another line of the same file (a rule now
// points at the line to change, say), found by relocateLabels.
type labelMove struct {
	From label
	Line int
}

// relocateLabels pairs labels whose finding is no longer reported with unlabelled findings
// of the same folder, repository, file and rule, in line order, when both counts agree: the
// rule still reports the same things, only at other lines. Without this, moving a finding
// would drop its label, and a wrong finding would leave the ratchet unnoticed.
func relocateLabels(findings []corpusFinding, labels *labelSet) []labelMove {
	reported := map[string]bool{}
	newLines := map[string][]int{} // folder, repository, file, rule -> lines of unlabelled findings
	group := func(folder, repo, file, rule string) string {
		return folder + "\t" + repo + "\t" + file + "\t" + rule
	}
	for _, f := range findings {
		if reported[f.key()] {
			continue
		}
		reported[f.key()] = true
		if _, ok := labels.ByKey[f.key()]; !ok {
			g := group(f.Folder, f.Repository, f.File, f.Rule)
			newLines[g] = append(newLines[g], f.Line)
		}
	}
	gone := map[string][]label{}
	for _, l := range labels.Labels {
		if !reported[l.key()] {
			g := group(l.Folder, l.Repository, l.File, l.Rule)
			gone[g] = append(gone[g], l)
		}
	}
	var moves []labelMove
	for g, ls := range gone {
		lines := newLines[g]
		if len(lines) != len(ls) {
			continue
		}
		sort.Ints(lines)
		sort.Slice(ls, func(i, j int) bool { return ls[i].Line < ls[j].Line })
		for i, l := range ls {
			moves = append(moves, labelMove{From: l, Line: lines[i]})
		}
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].From.key() < moves[j].From.key() })
	return moves
}

// applyMoves returns the labels and the open list with the moved labels at their new lines.
func applyMoves(labels *labelSet, open []string, moves []labelMove) (*labelSet, []string) {
	newLine := map[string]int{}
	for _, m := range moves {
		newLine[m.From.key()] = m.Line
	}
	moved := &labelSet{ByKey: map[string]label{}, Reviewed: labels.Reviewed}
	for _, l := range labels.Labels {
		if n, ok := newLine[l.key()]; ok {
			l.Line = n
		}
		moved.Labels = append(moved.Labels, l)
		moved.ByKey[l.key()] = l
	}
	keys := make([]string, 0, len(open))
	for _, k := range open {
		if n, ok := newLine[k]; ok {
			c := strings.Split(k, "\t")
			k = findingKey(c[0], c[1], c[2], c[3], n)
		}
		keys = append(keys, k)
	}
	return moved, keys
}

// rewriteLabelLines changes the line column of the moved labels in labels.tsv, keeping
// every other byte of the file.
func rewriteLabelLines(path string, moves []labelMove) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	to := map[string]int{}
	for _, m := range moves {
		to[m.From.key()] = m.Line
	}
	lines := strings.Split(string(src), "\n")
	for i, line := range lines {
		c := strings.Split(line, "\t")
		if len(c) != 9 || strings.HasPrefix(line, "#") {
			continue
		}
		n, err := strconv.Atoi(c[4])
		if err != nil {
			continue
		}
		if l, ok := to[findingKey(c[0], c[1], c[2], c[3], n)]; ok {
			c[4] = strconv.Itoa(l)
			lines[i] = strings.Join(c, "\t")
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}
