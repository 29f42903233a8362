package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), the
// format GitHub code scanning uploads. Hand-written structs: the subset no502 fills,
// checked against the official schema in the tests.

func init() { register("sarif", writeSARIF) }

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	repoURL      = "https://github.com/no502/no502"
	ruleDocURL   = repoURL + "/blob/main/docs/rules/"
	fingerprintV = "no502/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	// ColumnKind: no502 counts columns in runes (Unicode code points), not UTF-16 units.
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"` // present even when empty: GitHub requires it
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	ExitCode            *int                `json:"exitCode,omitempty"`
	ExitCodeDescription string              `json:"exitCodeDescription,omitempty"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
}

// sarifResultProps carries the corrected snippet, which SARIF has no field for when the
// fix has no edits (and GitHub shows no fixes anyway).
type sarifResultProps struct {
	Category       string `json:"category"`
	FixDescription string `json:"fixDescription,omitempty"`
	FixSnippet     string `json:"fixSnippet,omitempty"`
	// FixSafety is the fix's safety level, as JSON's fix.safety: "safe", "unsafe"
	// (changes behaviour a user may rely on) or "snippet" (never written).
	FixSafety string `json:"fixSafety,omitempty"`
	// RenderedFrom names the Helm template or Kustomize resource the document was
	// rendered from. A property, not a location: "# Source:" names the template by the
	// chart's name, which need not be a path in the repository.
	RenderedFrom string `json:"renderedFrom,omitempty"`
}

type sarifLocation struct {
	ID               *int           `json:"id,omitempty"`
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion   `json:"deletedRegion"`
	InsertedContent *sarifContent `json:"insertedContent"`
}

// sarifContent is an artifactContent: its text is written even when empty.
type sarifContent struct {
	Text string `json:"text"`
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// artifact names a file relative to the working directory, which GitHub resolves
// against the repository root (%SRCROOT%) when no502 runs there.
func artifact(file string) sarifArtifact {
	return sarifArtifact{URI: (&url.URL{Path: file}).String(), URIBaseID: "%SRCROOT%"}
}

func region(p parsers.Pos) *sarifRegion {
	if p.Line < 1 {
		return nil
	}
	r := &sarifRegion{StartLine: int(p.Line), StartColumn: int(p.Col)}
	if p.EndLine >= p.Line && p.EndCol > 0 {
		r.EndLine, r.EndColumn = int(p.EndLine), int(p.EndCol)
	}
	return r
}

func writeSARIF(w io.Writer, r *lint.Result, o Options) error {
	// The driver lists the rules the results use (in registry order), not all of them:
	// each carries its whole doc, and a report should not grow with every rule added.
	used := map[string]bool{}
	placer := newEditPlacer(r.Model)
	for _, f := range r.Findings {
		used[f.Rule.ID] = true
	}
	index := map[string]int{}
	driver := sarifDriver{Name: "no502", Version: o.ToolVersion, InformationURI: repoURL, Rules: []sarifRule{}}
	for _, rl := range rules.All() {
		if !used[rl.ID] {
			continue
		}
		index[rl.ID] = len(driver.Rules)
		doc := strings.TrimSpace(rl.Doc)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   rl.ID,
			Name:                 pascal(rl.ID),
			ShortDescription:     sarifText{rl.Summary},
			FullDescription:      sarifText{firstParagraph(doc, rl.Summary)},
			Help:                 sarifHelp{Text: rl.Summary + ". See " + ruleDocURL + rl.ID + ".md", Markdown: absoluteDocLinks(doc)},
			HelpURI:              ruleDocURL + rl.ID + ".md",
			DefaultConfiguration: sarifConfig{Level: sarifLevel(rl.Severity)},
			Properties:           sarifRuleProps{Category: string(rl.Category), Tags: []string{string(rl.Category), "502"}},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, ColumnKind: "unicodeCodePoints", Results: []sarifResult{}}
	// The invocation says how the run ended (§3.20): the exit status and why, the files
	// that could not be linted (errors), and the notes the text output prints (an
	// include not followed, a binary file skipped), so that a report read without the
	// log says what was not looked at.
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	if o.ExitCode != nil {
		code, why := ExitStatus(r, o.FailOn)
		if code == *o.ExitCode {
			inv.ExitCode, inv.ExitCodeDescription = o.ExitCode, why
		}
	}
	notify := func(level string, d parsers.Diag) {
		n := sarifNotification{Level: level, Message: sarifText{d.Message}}
		if d.Pos.IsValid() {
			n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysical{ArtifactLocation: artifact(d.Pos.File), Region: region(d.Pos)}}}
		}
		inv.Notifications = append(inv.Notifications, n)
	}
	for _, d := range r.Errors {
		notify("error", d)
	}
	for _, d := range r.Notes {
		notify("note", d)
	}
	run.Invocations = []sarifInvocation{inv}

	texts := baseline.LineTexts(r.Model, r.Findings)
	seen := map[string]int{}
	for i, f := range r.Findings {
		res := sarifResult{
			RuleID: f.Rule.ID, RuleIndex: index[f.Rule.ID], Level: sarifLevel(f.Severity),
			Message:    sarifText{f.Message},
			Locations:  []sarifLocation{{PhysicalLocation: &sarifPhysical{ArtifactLocation: artifact(f.Pos.File), Region: region(f.Pos)}}},
			Properties: &sarifResultProps{Category: string(f.Rule.Category), RenderedFrom: f.RenderedFrom},
		}
		// The occurrence number tells apart identical findings in one file, as
		// GitHub's own primaryLocationLineHash does.
		fp := baseline.Fingerprint(f.Rule.ID, f.Pos.File, texts[i])
		seen[fp]++
		res.PartialFingerprints = map[string]string{fingerprintV: fp + ":" + strconv.Itoa(seen[fp])}
		for j, rel := range f.Related {
			id := j + 1
			loc := sarifLocation{ID: &id, Message: &sarifText{rel.Message}}
			if rel.Pos.IsValid() {
				loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: artifact(rel.Pos.File), Region: region(rel.Pos)}
			}
			res.RelatedLocations = append(res.RelatedLocations, loc)
		}
		if f.Fix != nil {
			res.Properties.FixDescription = f.Fix.Description
			res.Properties.FixSnippet = f.Fix.Snippet
			res.Properties.FixSafety = string(f.Fix.Safety())
			// SARIF has no safety level for a fix, and its consumers apply fixes as
			// given (reviewdog turns each replacement into a suggested change): an
			// unsafe fix goes there only when asked for, as --fix writes it (its
			// description and snippet stay in the properties).
			if fx := sarifFixOf(placer, f.Fix); fx != nil && (f.Fix.Safety() != rules.FixUnsafe || o.UnsafeFixes) {
				res.Fixes = []sarifFix{*fx}
			}
		}
		run.Results = append(run.Results, res)
	}
	return writeSARIFLog(w, run)
}

// writeSARIFLog writes the log of one run indented by two spaces, as encoding/json's
// indenting Encoder does, but each result on one line: the Encoder builds the whole
// document and then an indented copy of it, which for thousands of results was most of
// the run (5,000 nginx servers: 0.5 s of 1.1 s, and 400 MB).
func writeSARIFLog(w io.Writer, run sarifRun) error {
	results := run.Results
	run.Results = []sarifResult{}
	head, err := json.MarshalIndent(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}, "", "  ")
	if err != nil {
		return err
	}
	// results is the run's last field: the head ends with it, empty.
	const empty = `"results": []`
	at := bytes.LastIndex(head, []byte(empty))
	if at < 0 {
		return fmt.Errorf("sarif: no results field in %.100s", head)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(results) == 0 {
		bw.Write(head)
		bw.WriteByte('\n')
		return bw.Flush()
	}
	bw.Write(head[:at])
	bw.WriteString(`"results": [`)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range results {
		buf.Reset()
		if err := enc.Encode(&results[i]); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n        ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n      ]")
	bw.Write(head[at+len(empty):])
	bw.WriteByte('\n')
	return bw.Flush()
}

// sarifFixOf turns byte-range edits into SARIF replacements. Regions are given as
// line/column (in code points, the run's columnKind), which every SARIF consumer reads;
// byte offsets would be exact too but are meant for binary files. An edit in config text
// embedded in another file (a ConfigMap) has offsets into the embedded text, not the
// file on disk: such fixes are left out (the snippet stays in the properties).
func sarifFixOf(p *editPlacer, fix *rules.Fix) *sarifFix {
	edits, ok := p.place(fix)
	if !ok || len(edits) == 0 {
		return nil
	}
	changes := map[string]*sarifArtifactChange{}
	var order []string
	for _, e := range edits {
		c := changes[e.file]
		if c == nil {
			c = &sarifArtifactChange{ArtifactLocation: artifact(e.file)}
			changes[e.file] = c
			order = append(order, e.file)
		}
		// insertedContent is written for a deletion too (""): SARIF lets it be left out
		// (§3.57.3), but reviewdog reads its text without checking it is there, and a
		// fix deleting a line crashed it (nil pointer), taking the run's comments down.
		rep := sarifReplacement{DeletedRegion: sarifRegion{StartLine: e.line, StartColumn: e.col, EndLine: e.endLine, EndColumn: e.endCol},
			InsertedContent: &sarifContent{Text: e.newText}}
		c.Replacements = append(c.Replacements, rep)
	}
	out := &sarifFix{Description: sarifText{fix.Description}}
	for _, f := range order {
		out.ArtifactChanges = append(out.ArtifactChanges, *changes[f])
	}
	return out
}

// absoluteDocLinks makes the links of a rule's page that are relative to docs/rules/
// (../evidence.md#...) absolute: GitHub shows the help markdown on the alert's page, where
// a relative link leads nowhere.
func absoluteDocLinks(doc string) string {
	doc = strings.ReplaceAll(doc, "](../", "]("+repoURL+"/blob/main/docs/")
	return relativeLink.ReplaceAllString(doc, "]("+ruleDocURL+"$1")
}

// relativeLink is a markdown link to a page beside the rule's (another rule's page).
var relativeLink = regexp.MustCompile(`\]\(([a-z0-9-]+\.md(?:#[^)]*)?)\)`)

// pascal turns a rule ID into the identifier SARIF's rule name expects:
// read-timeout-below-budget → ReadTimeoutBelowBudget.
func pascal(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// firstParagraph is the doc's first paragraph after its heading, on one line.
func firstParagraph(doc, fallback string) string {
	for _, para := range strings.Split(strings.TrimSpace(doc), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" || strings.HasPrefix(para, "#") {
			continue
		}
		return strings.Join(strings.Fields(para), " ")
	}
	return fallback
}

// RuleDocURL is the address of a rule's documentation page (SARIF helpUri, `no502 rules
// --format json`).
func RuleDocURL(id string) string { return ruleDocURL + id + ".md" }
