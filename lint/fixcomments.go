package lint

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// KeptComment is a comment at the end of a line a fix changed, kept as the user wrote it:
// `proxy-read-timeout: "30" # half a minute` becomes `"100" # half a minute`. A fix
// never drops or rewrites it (it is the user's text, and may be another tool's directive:
// `# checkov:skip=…`, `#tfsec:ignore:…`, `# no502:ignore other-rule`), but it may
// describe the old value, so the summary names it for the user to read again.
type KeptComment struct {
	Path    string // the file as shown
	Line    int    // 1-based, in the fixed text
	Comment string // as written, from its '#' (or '//', '/*')
}

// KeptComments lists the comments that end a line whose content before the comment a
// fix changed, and that the fixed line still ends with, in file and line order.
func (fr *FixResult) KeptComments() []KeptComment {
	var out []KeptComment
	for _, c := range fr.Changes() {
		out = append(out, keptComments(c.Path, c.Before, c.Edits)...)
	}
	return out
}

// keptComments finds the kept comments of one file from its edits (in order, in
// before's offsets). Only a line whose edits all lie inside it (no line added or
// removed there) is compared: a line a fix inserts has no user comment to keep.
func keptComments(path string, before []byte, edits []parsers.Edit) []KeptComment {
	hcl := strings.EqualFold(filepath.Ext(path), ".tf")
	src := before
	type lineEdits struct {
		start, end int // the line's bytes, without its line break
		newLine    int // its 1-based number in the fixed text
		edits      []parsers.Edit
		mixed      bool // an edit there adds or removes a line break
	}
	var lines []*lineEdits
	delta := 0 // lines added so far by earlier edits
	// The line number of each edited line, counted on from the one before: counting
	// from the start of the file for each edit took 0.55s for the 10,000 edits of
	// 5,000 nginx servers (docs/benchmarks.md, session 15).
	counted, below := 0, 0 // src[:counted] holds below line breaks
	for _, e := range edits {
		if e.Start < 0 || e.End > len(src) || e.Start > e.End {
			return nil
		}
		ls := bytes.LastIndexByte(src[:e.Start], '\n') + 1
		le := bytes.IndexByte(src[ls:], '\n')
		if le < 0 {
			le = len(src)
		} else {
			le += ls
		}
		old := string(src[e.Start:e.End])
		multi := strings.Contains(old, "\n") || strings.Contains(e.New, "\n")
		var l *lineEdits
		if n := len(lines); n > 0 && lines[n-1].start == ls {
			l = lines[n-1]
		} else {
			if ls < counted {
				counted, below = 0, 0 // out of order: count again from the start
			}
			below += bytes.Count(src[counted:ls], newline)
			counted = ls
			l = &lineEdits{start: ls, end: le, newLine: below + 1 + delta}
			lines = append(lines, l)
		}
		l.edits = append(l.edits, e)
		l.mixed = l.mixed || multi
		delta += strings.Count(e.New, "\n") - strings.Count(old, "\n")
	}
	var out []KeptComment
	for _, l := range lines {
		if l.mixed {
			continue
		}
		oldLine := strings.TrimRight(string(src[l.start:l.end]), "\r")
		at := lineCommentAt(oldLine, hcl)
		if at < 0 {
			continue
		}
		local := make([]parsers.Edit, len(l.edits))
		for i, e := range l.edits {
			e.Start -= l.start
			e.End -= l.start
			local[i] = e
		}
		newLine := strings.TrimRight(string(parsers.ApplyEdits(src[l.start:l.end], local)), "\r")
		comment := strings.TrimRight(oldLine[at:], " \t")
		code := strings.TrimRight(oldLine[:at], " \t")
		if !strings.HasSuffix(strings.TrimRight(newLine, " \t"), comment) {
			continue // replaced (a stale note of no502's own) or dropped
		}
		if newCode := strings.TrimRight(strings.TrimSuffix(strings.TrimRight(newLine, " \t"), comment), " \t"); newCode == code {
			continue // only the comment's surroundings changed
		}
		out = append(out, KeptComment{Path: path, Line: l.newLine, Comment: comment})
	}
	return out
}

var newline = []byte("\n")

// lineCommentAt returns where the comment that ends line starts: a '#' at the start of
// the line or after a blank (or a ';', which ends an nginx directive), outside single
// and double quotes (in which a backslash escapes the next byte); in Terraform also
// "//" and "/*", and only double quotes delimit strings. -1 when there is none.
func lineCommentAt(line string, hcl bool) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		case c == '"' || c == '\'' && !hcl:
			quote = c
			continue
		}
		after := i == 0 || line[i-1] == ' ' || line[i-1] == '\t' || line[i-1] == ';'
		switch {
		case c == '#' && after:
			return i
		case hcl && c == '/' && i+1 < len(line) && (line[i+1] == '/' || line[i+1] == '*'):
			return i
		}
	}
	return -1
}

// keptCommentsNote is the summary's line about kept comments, or "".
func keptCommentsNote(kept []KeptComment) string {
	if len(kept) == 0 {
		return ""
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].Path != kept[j].Path {
			return kept[i].Path < kept[j].Path
		}
		return kept[i].Line < kept[j].Line
	})
	var where []string
	for _, k := range kept {
		where = append(where, fmt.Sprintf("%s:%d (%s)", k.Path, k.Line, k.Comment))
	}
	what := "a comment on a line a fix changed was kept as written; check that it still holds for the new value"
	if len(kept) > 1 {
		what = fmt.Sprintf("%d comments on lines the fixes changed were kept as written; check that each still holds for the new value", len(kept))
	}
	return "\n" + what + ": " + strings.Join(where, ", ")
}
