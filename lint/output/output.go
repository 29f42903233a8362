package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// Options are the knobs a format may honour.
type Options struct {
	Color       bool
	FailOn      rules.Severity // findings at or above it fail the run (Off: none do)
	ToolVersion string         // no502's version, for formats that name the tool (SARIF)
	// HideFixes leaves the fix snippets out of the text output (--no-show-fixes); the
	// fix's one-line description stays, so the reader knows one exists.
	HideFixes bool
	// UnsafeFixes (--unsafe-fixes) puts the unsafe fixes' edits into SARIF's fixes,
	// which tools apply without asking; without it only the safe ones are there, as
	// --fix writes only those.
	UnsafeFixes bool
	// ExitCode is the exit status the run ends with (ExitStatus), for formats that
	// record it (SARIF's invocation); nil when unknown.
	ExitCode *int
}

// ExitStatus is the exit status of a lint run with result r: 1 when a file could not be
// linted or a finding is at or above failOn (Off: none is), else 0; and why, in words.
func ExitStatus(r *lint.Result, failOn rules.Severity) (int, string) {
	if len(r.Errors) > 0 {
		return 1, fmt.Sprintf("a file was not linted (%s: it did not parse, or a limit kept it out)", plural(len(r.Errors), "error"))
	}
	if failOn != rules.Off {
		for _, f := range r.Findings {
			if f.Severity >= failOn {
				return 1, "findings at or above --fail-on " + failOn.String()
			}
		}
	}
	if failOn == rules.Off {
		return 0, "no file failed to parse (--fail-on never)"
	}
	return 0, "no findings at or above --fail-on " + failOn.String() + ", and no file failed to parse"
}

// Formatter writes a lint result in one format, as staticcheck's lintcmd formatters do.
type Formatter interface {
	Format(w io.Writer, r *lint.Result, o Options) error
}

// FormatterFunc makes a function a Formatter.
type FormatterFunc func(w io.Writer, r *lint.Result, o Options) error

// Format calls f.
func (f FormatterFunc) Format(w io.Writer, r *lint.Result, o Options) error { return f(w, r, o) }

type formatFunc = FormatterFunc

// formatters is the registry of --format values; each format lives in its own file.
var formatters = map[string]Formatter{
	"text":    formatFunc(writeText),
	"concise": formatFunc(writeConcise),
	"json":    formatFunc(writeJSON),
}

func register(name string, f func(w io.Writer, r *lint.Result, o Options) error) {
	formatters[name] = formatFunc(f)
}

// Lookup returns the format called name (a --format value).
func Lookup(name string) (Formatter, bool) {
	f, ok := formatters[name]
	return f, ok
}

// Names lists the formats, sorted.
func Names() []string {
	var names []string
	for n := range formatters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Write runs a formatter through a buffer: formatters write line by line, and
// unbuffered each line was a system call (15,000 findings took half a second to print).
func Write(w io.Writer, f Formatter, r *lint.Result, o Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := f.Format(bw, r, o); err != nil {
		return err
	}
	return bw.Flush()
}

// UseColor says whether to colour output for w: only on a terminal, never with
// --no-color (noColor) or NO_COLOR set.
func UseColor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// palette holds the colour functions; all are identity when colour is off.
type palette struct {
	err, warn, info, bold, dim, blue, green func(s string) string
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) func(s string) string {
		if !on {
			// Plain text: no formatting call per piece (thousands of findings).
			return func(s string) string { return s }
		}
		c := color.New(attrs...)
		c.EnableColor()
		return func(s string) string { return c.Sprint(s) }
	}
	return palette{
		err:   mk(color.FgRed, color.Bold),
		warn:  mk(color.FgYellow, color.Bold),
		info:  mk(color.FgCyan, color.Bold),
		bold:  mk(color.Bold),
		dim:   mk(color.Faint),
		blue:  mk(color.FgBlue, color.Bold),
		green: mk(color.FgGreen),
	}
}

func (p palette) severity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return p.err("error")
	case rules.Warning:
		return p.warn("warning")
	}
	return p.info("info")
}

// writeText prints findings as ruff and rustc do: a header line, the source line with a
// caret under the offending span, the related positions, and the fix.
func writeText(w io.Writer, r *lint.Result, o Options) error {
	pal := newPalette(o.Color)
	lines := lineStarts{}
	for _, d := range r.Errors {
		fmt.Fprintf(w, "%s: %s %s\n", pal.bold(d.Pos.String()), pal.err("error:"), d.Message)
		writeSource(w, r.Model, lines, d.Pos, pal)
		fmt.Fprintln(w)
	}
	// A finding about .no502.yaml itself (a suppress: entry that matches nothing) shows
	// the config's line: the config is not a linted file, so it is added to the model
	// the excerpts are read from, for them alone.
	sources := r.Model
	if c := r.Config; c != nil && c.Path != "" && len(c.Src) > 0 && r.Model != nil && r.Model.File(c.Path) == nil {
		for _, f := range r.Findings {
			if f.Pos.File == c.Path {
				sources = &parsers.Model{Files: append(r.Model.Files[:len(r.Model.Files):len(r.Model.Files)], &parsers.File{Path: c.Path, Src: c.Src})}
				break
			}
		}
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s: %s%s %s\n", pal.bold(f.Pos.String()), pal.severity(f.Severity), pal.bold("["+f.Rule.ID+"]"), f.Message)
		writeSource(w, sources, lines, f.Pos, pal)
		if f.RenderedFrom != "" {
			// The position is in the rendered stream the user linted; the file to
			// change is the template (or Kustomize resource) it came from.
			fmt.Fprintf(w, "   %s rendered from %s\n", pal.blue("="), f.RenderedFrom)
		}
		for _, rel := range f.Related {
			if rel.Pos.IsValid() && rel.RenderedFrom != "" {
				fmt.Fprintf(w, "   %s %s (rendered from %s): %s\n", pal.blue("="), rel.Pos.Short(), rel.RenderedFrom, rel.Message)
			} else if rel.Pos.IsValid() {
				fmt.Fprintf(w, "   %s %s: %s\n", pal.blue("="), rel.Pos.Short(), rel.Message)
			} else {
				fmt.Fprintf(w, "   %s %s\n", pal.blue("="), rel.Message)
			}
		}
		if f.Fix != nil {
			fmt.Fprintf(w, "   %s fix (%s): %s\n", pal.blue("="), f.Fix.Safety(), f.Fix.Description)
			if o.HideFixes {
				fmt.Fprintln(w)
				continue
			}
			if writeChangedLines(w, r.Model, f.Pos.File, f.Fix, pal) {
				fmt.Fprintln(w)
				continue
			}
			bar := pal.blue("|")
			for rest := strings.TrimRight(k8sSnippet(r.Model, f), "\n"); ; {
				line, more, found := strings.Cut(rest, "\n")
				// A CRLF file's snippet keeps its CRs; on the terminal they are noise.
				io.WriteString(w, "     "+bar+" "+pal.green(strings.TrimSuffix(line, "\r"))+"\n")
				if !found {
					break
				}
				rest = more
			}
		}
		fmt.Fprintln(w)
	}
	for _, d := range r.Notes {
		fmt.Fprintf(w, "%s: %s %s\n", pal.bold(d.Pos.String()), pal.info("note:"), d.Message)
	}
	fmt.Fprintln(w, SummaryLine(r))
	if line := UnbudgetedLine(r); line != "" {
		fmt.Fprintln(w, line)
	}
	return nil
}

// UnbudgetedLine follows the summary line of the text report when some routes have no
// known handler budget (lint.Result.Unbudgeted): their read timeouts were only checked
// against a floor and each other, not against how long their handlers take. Empty when
// every route has a budget, and for runs with no routes.
func UnbudgetedLine(r *lint.Result) string {
	if r.Unbudgeted == 0 {
		return ""
	}
	what, their := plural(r.Unbudgeted, "route")+" have", "their"
	if r.Unbudgeted == 1 {
		what, their = "1 route has", "its"
	}
	return fmt.Sprintf("%s no handler budget, so %s timeouts were not checked against how long the handlers take: run `no502 init` to list the routes with their timeout chains, or declare handler_timeout under routes: in .no502.yaml.", what, their)
}

// SummaryLine is the last line of the text report: how many findings of each severity
// in how many files, config errors (a file no502 cannot read as the tool would: a
// syntax error, an include not found, a directive nginx rejects), and what the baseline hid.
func SummaryLine(r *lint.Result) string {
	counts := map[rules.Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range []rules.Severity{rules.Error, rules.Warning, rules.Info} {
		if n := counts[s]; n > 0 {
			parts = append(parts, plural(n, s.String()))
		}
	}
	files := plural(r.Files, "file")
	s := fmt.Sprintf("%s in %s", plural(len(r.Findings), "finding"), files)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if len(r.Errors) > 0 {
		s += fmt.Sprintf("; %s", plural(len(r.Errors), "config error"))
	}
	if r.Known > 0 {
		s += fmt.Sprintf("; %s recorded in %s not shown", plural(r.Known, "known finding"), r.Baseline)
	}
	return s + "."
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// writeSource prints the source line of pos with a caret under the span.
func writeSource(w io.Writer, m *parsers.Model, lineIndex lineStarts, pos parsers.Pos, pal palette) {
	line := sourceLine(m, lineIndex, pos)
	if line == "" || pos.Line <= 0 {
		return
	}
	num := strconv.Itoa(int(pos.Line))
	gutter := strings.Repeat(" ", len(num))
	col := max(int(pos.Col), 1)
	end := 0 // rune column the underline stops before; 0: the end of the line's text
	if pos.EndLine == pos.Line && pos.EndCol > pos.Col {
		end = int(pos.EndCol)
	}
	var expanded string
	var lead, width int
	if isPlainASCII(line) {
		// The common case: columns are byte offsets.
		expanded = line
		col = min(col, len(line)+1)
		lead = col - 1
		if end > 0 {
			width = min(end, len(line)+1) - col
		} else {
			width = len(strings.TrimRight(line[col-1:], " "))
		}
	} else {
		// Tabs are shown as four spaces, and the caret is placed on the expanded text,
		// counting terminal cells: a CJK character takes two, a combining mark none.
		// A byte order mark is not a column (editors do not count it): it is dropped.
		line = strings.TrimPrefix(line, "\uFEFF")
		expanded = strings.ReplaceAll(line, "\t", "    ")
		prefix := []rune(line)
		col = min(col, len(prefix)+1)
		lead = cells(strings.ReplaceAll(string(prefix[:col-1]), "\t", "    "))
		if end > 0 {
			width = cells(strings.ReplaceAll(string(prefix[col-1:min(max(end-1, col-1), len(prefix))]), "\t", "    "))
		} else {
			// No end on this line: underline to the end of the line's text.
			width = cells(strings.TrimRight(strings.ReplaceAll(string(prefix[col-1:]), "\t", "    "), " "))
		}
	}
	width = max(width, 1)
	bar := pal.blue("|")
	io.WriteString(w, " "+gutter+" "+bar+"\n")
	io.WriteString(w, " "+pal.blue(num)+" "+bar+" "+expanded+"\n")
	io.WriteString(w, " "+gutter+" "+bar+" "+strings.Repeat(" ", lead)+pal.warn(strings.Repeat("^", width))+"\n")
}

// cells is how many terminal cells s takes: East Asian wide and fullwidth characters
// (CJK, Hangul, fullwidth forms, most emoji) two, combining marks and zero-width
// characters none, the rest one (Unicode's East Asian Width, the ranges terminals use).
func cells(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x0300 && r <= 0x036F, r >= 0x200B && r <= 0x200F, r == 0xFEFF, r >= 0xFE00 && r <= 0xFE0F:
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0x303E, r >= 0x3041 && r <= 0x33FF,
			r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xA000 && r <= 0xA4CF,
			r >= 0xAC00 && r <= 0xD7A3, r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F,
			r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6, r >= 0x1F300 && r <= 0x1F64F,
			r >= 0x1F900 && r <= 0x1F9FF, r >= 0x20000 && r <= 0x3FFFD:
			n += 2
		default:
			n++
		}
	}
	return n
}

// isPlainASCII reports whether s is ASCII without tabs, where a rune column is a byte
// offset.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == '\t' {
			return false
		}
	}
	return true
}

// lineStarts caches, per file, the offset where each line starts, so printing thousands
// of findings of one big file does not rescan it for each. One per report: a package
// variable would keep every model printed alive, and race when two reports print at once.
type lineStarts map[*parsers.File][]int

// sourceLine finds the text of pos's line.
func sourceLine(m *parsers.Model, lineIndex lineStarts, pos parsers.Pos) string {
	if m == nil {
		return ""
	}
	f := m.File(pos.File)
	if f == nil {
		return ""
	}
	starts, ok := lineIndex[f]
	if !ok {
		starts = make([]int, 1, 1+bytes.Count(f.Src, []byte{'\n'}))
		for i := 0; ; {
			j := bytes.IndexByte(f.Src[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			starts = append(starts, i)
		}
		lineIndex[f] = starts
	}
	line := int(pos.Line)
	if line < 1 || line > len(starts) {
		return ""
	}
	start := starts[line-1]
	end := len(f.Src)
	if line < len(starts) {
		end = starts[line] - 1
	}
	return strings.TrimRight(string(f.Src[start:end]), "\r")
}

// The JSON output is the contract in DESIGN.md; field names and order are stable. The
// document ({"version", "findings", "errors", "summary"}) is streamed by writeJSON.
type jsonFinding struct {
	Rule      string        `json:"rule"`
	Category  string        `json:"category"`
	Severity  string        `json:"severity"`
	File      string        `json:"file"`
	Line      int           `json:"line"`
	Column    int           `json:"column"`
	EndLine   int           `json:"end_line"`
	EndColumn int           `json:"end_column"`
	Message   string        `json:"message"`
	Related   []jsonRelated `json:"related"`
	Fix       *jsonFix      `json:"fix,omitempty"`
	// RenderedFrom: the Helm template or Kustomize resource the document was rendered
	// from (docs/json.md).
	RenderedFrom string `json:"rendered_from,omitempty"`
}

type jsonRelated struct {
	File         string `json:"file"`
	Line         int    `json:"line"`
	Message      string `json:"message"`
	RenderedFrom string `json:"rendered_from,omitempty"`
}

type jsonFix struct {
	Description string        `json:"description"`
	Snippet     string        `json:"snippet"`
	Safety      string        `json:"safety"`
	Edits       []jsonFixEdit `json:"edits"`
}

// jsonFixEdit is one edit of a fix: what lint --fix writes (the same edits as SARIF's
// fixes; --diff shows their result).
// It is --diff --format json's edit (jsonEdit) with the file it edits.
type jsonFixEdit struct {
	File string `json:"file"`
	jsonEdit
}

type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type jsonSummary struct {
	Files    int `json:"files"`
	Findings int `json:"findings"`
	Errors   int `json:"errors"`
	// UnbudgetedRoutes is lint.Result.Unbudgeted: always present, 0 when every route has
	// a budget.
	UnbudgetedRoutes int `json:"unbudgeted_routes"`
}

// endOf returns a span's end, falling back to its start.
func endOf(p parsers.Pos) (int, int) {
	if p.EndLine > 0 {
		return int(p.EndLine), int(p.EndCol)
	}
	return int(p.Line), int(p.Col)
}

func writeJSON(w io.Writer, r *lint.Result, _ Options) error {
	// Streamed one finding per line, each compact: the output stays diffable and
	// greppable, and a run with thousands of findings does not build and re-indent one
	// huge document in memory.
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // one buffer for every finding, not an allocation each
	put := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	placer := newEditPlacer(r.Model)
	bw.WriteString("{\"version\": 1,\n\"findings\": [")
	for i, f := range r.Findings {
		el, ec := endOf(f.Pos)
		jf := jsonFinding{
			Rule: f.Rule.ID, Category: string(f.Rule.Category), Severity: f.Severity.String(),
			File: f.Pos.File, Line: int(f.Pos.Line), Column: int(f.Pos.Col), EndLine: el, EndColumn: ec,
			Message: f.Message, Related: []jsonRelated{}, RenderedFrom: f.RenderedFrom,
		}
		for _, rel := range f.Related {
			jf.Related = append(jf.Related, jsonRelated{File: rel.Pos.File, Line: int(rel.Pos.Line), Message: rel.Message, RenderedFrom: rel.RenderedFrom})
		}
		if f.Fix != nil {
			jf.Fix = &jsonFix{Description: f.Fix.Description, Snippet: f.Fix.Snippet, Safety: string(f.Fix.Safety()), Edits: []jsonFixEdit{}}
			edits, _ := placer.place(f.Fix)
			for _, e := range edits {
				jf.Fix.Edits = append(jf.Fix.Edits, jsonFixEdit{File: e.file, jsonEdit: jsonEdit{Line: e.line, Column: e.col, EndLine: e.endLine, EndColumn: e.endCol, StartOffset: e.startOffset, EndOffset: e.endOffset, NewText: e.newText}})
			}
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n  ")
		if err := put(jf); err != nil {
			return err
		}
	}
	bw.WriteString("],\n\"errors\": [")
	for i, d := range r.Errors {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n  ")
		if err := put(jsonError{File: d.Pos.File, Line: int(d.Pos.Line), Column: int(d.Pos.Col), Message: d.Message}); err != nil {
			return err
		}
	}
	bw.WriteString("],\n\"summary\": ")
	if err := put(jsonSummary{Files: r.Files, Findings: len(r.Findings), Errors: len(r.Errors), UnbudgetedRoutes: r.Unbudgeted}); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
