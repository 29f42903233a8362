package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// JUnit XML, as GitLab (artifacts:reports:junit) and Jenkins (junit step) read it: one
// test suite per file, one test case per finding. Findings at or above --fail-on are
// failures; those below pass and carry their message in system-out, so a report shows
// them without failing the pipeline. A file that did not parse is an error. A clean run
// has one passing case, so the report is never empty.

func init() { register("junit", writeJUnit) }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, r *lint.Result, o Options) error {
	suites := map[string]*junitSuite{}
	suite := func(file string) *junitSuite {
		s := suites[file]
		if s == nil {
			s = &junitSuite{Name: file}
			suites[file] = s
		}
		return s
	}
	// GitLab and Jenkins identify a case by classname and name and keep one of two that
	// share them (gitlab-org/gitlab#237920): a second case of one name in a file (two
	// findings of a rule at one place, an upstream racing two Deployments) gets its
	// occurrence in the name.
	seen := map[string]int{}
	unique := func(file, name string) string {
		seen[file+"\x00"+name]++
		if n := seen[file+"\x00"+name]; n > 1 {
			return fmt.Sprintf("%s (%d)", name, n)
		}
		return name
	}
	for _, d := range r.Errors {
		s := suite(d.Pos.File)
		s.Cases = append(s.Cases, junitCase{
			Name: unique(d.Pos.File, fmt.Sprintf("config error at %s", d.Pos)), Classname: d.Pos.File, File: d.Pos.File, Line: int(d.Pos.Line),
			Error: &junitProblem{Message: d.Message, Type: "parse-error", Body: d.String()},
		})
		s.Errors++
	}
	for _, f := range r.Findings {
		s := suite(f.Pos.File)
		name := unique(f.Pos.File, fmt.Sprintf("%s at %s", f.Rule.ID, f.Pos))
		c := junitCase{
			Name: name, Classname: f.Pos.File, File: f.Pos.File, Line: int(f.Pos.Line),
		}
		body := junitBody(r.Model, f)
		if o.FailOn != rules.Off && f.Severity >= o.FailOn {
			c.Failure = &junitProblem{Message: f.Message, Type: f.Severity.String() + "/" + f.Rule.ID, Body: body}
			s.Failures++
		} else {
			c.SystemOut = f.Severity.String() + ": " + body
		}
		s.Cases = append(s.Cases, c)
	}
	out := junitSuites{Name: "no502"}
	if len(suites) == 0 {
		out.Suites = []junitSuite{{Name: "no502", Cases: []junitCase{{Name: SummaryLine(r), Classname: "no502"}}}}
	}
	var names []string
	for n := range suites {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out.Suites = append(out.Suites, *suites[n])
	}
	for i := range out.Suites {
		s := &out.Suites[i]
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitBody is the finding as the text output prints it, without the source excerpt: a
// Kubernetes fix's patch without its object header (k8sSnippet).
func junitBody(m *parsers.Model, f rules.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: [%s] %s", f.Pos, f.Rule.ID, f.Message)
	if f.RenderedFrom != "" {
		fmt.Fprintf(&b, "\n= rendered from %s", f.RenderedFrom)
	}
	for _, rel := range f.Related {
		if rel.Pos.IsValid() && rel.RenderedFrom != "" {
			fmt.Fprintf(&b, "\n= %s (rendered from %s): %s", rel.Pos.Short(), rel.RenderedFrom, rel.Message)
		} else if rel.Pos.IsValid() {
			fmt.Fprintf(&b, "\n= %s: %s", rel.Pos.Short(), rel.Message)
		} else {
			fmt.Fprintf(&b, "\n= %s", rel.Message)
		}
	}
	if f.Fix != nil {
		fmt.Fprintf(&b, "\nfix: %s\n%s", f.Fix.Description, strings.TrimRight(k8sSnippet(m, f), "\n"))
	}
	return b.String()
}
