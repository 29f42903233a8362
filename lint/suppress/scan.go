package suppress

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

const (
	ignoreMarker  = parsers.SuppressMarker
	annotationKey = "no502.dev/ignore"
)

// span is one line of a file: bytes [start, end) without the newline (or \r\n).
type span struct{ start, end, next int }

func lineSpans(src []byte) []span {
	var out []span
	for start := 0; start < len(src); {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			out = append(out, span{start, len(src), len(src)})
			break
		}
		end := start + i
		if end > start && src[end-1] == '\r' {
			end--
		}
		out = append(out, span{start, end, start + i + 1})
		start += i + 1
	}
	return out
}

// scanSuppressions finds the suppressions in one real (not embedded) file. A quick byte
// search skips the many files that have none.
func scanSuppressions(f *parsers.File) []*directive {
	hasMarker := bytes.Contains(f.Src, []byte(ignoreMarker)) || mentionsNo502(f.Src)
	hasAnno := f.Format == parsers.FormatK8s && bytes.Contains(f.Src, []byte(annotationKey))
	if !hasMarker && !hasAnno {
		return nil
	}
	lines := lineSpans(f.Src)
	var out []*directive
	if hasMarker {
		out = scanComments(f, lines)
	}
	if hasAnno {
		out = append(out, scanAnnotations(f, lines)...)
	}
	return out
}

// commentStarts returns, for each line, the byte index in the line where its comment
// starts, or -1. nginx, Caddy and Terraform comments are the ones their parsers read
// (parsers.File.Comments); YAML comments are found by k8s.CommentStart, since yaml.v3
// keeps comment text but not where it is. A comment in a block scalar (nginx.conf held in
// a ConfigMap) counts: it is a comment of the manifest's lines for suppression.
func commentStarts(f *parsers.File, lines []span) []int {
	starts := make([]int, len(lines))
	if f.Format == parsers.FormatK8s || f.Format == parsers.FormatCompose {
		for i, ln := range lines {
			starts[i] = k8s.CommentStart(f.Src[ln.start:ln.end])
		}
		return starts
	}
	for i := range starts {
		starts[i] = -1
	}
	for _, c := range f.Comments {
		i := int(c.Line) - 1
		if i < 0 || i >= len(lines) || starts[i] >= 0 {
			continue
		}
		if off := int(c.Offset) - lines[i].start; off >= 0 && off <= lines[i].end-lines[i].start {
			starts[i] = off
		}
	}
	return starts
}

// scanComments reads the no502:ignore and no502:ignore-file comments of a file.
func scanComments(f *parsers.File, lines []span) []*directive {
	var out []*directive
	starts := commentStarts(f, lines)
	isCommentOnly := func(i int) bool {
		text := f.Src[lines[i].start:lines[i].end]
		return starts[i] >= 0 && len(bytes.TrimSpace(text[:starts[i]])) == 0
	}
	top := true // still inside the comment block at the top of the file
	for i, ln := range lines {
		text := f.Src[ln.start:ln.end]
		cstart := starts[i]
		commentOnly := isCommentOnly(i)
		trimmed := bytes.TrimSpace(text)
		if top && len(trimmed) > 0 && !commentOnly && !((f.Format == parsers.FormatK8s || f.Format == parsers.FormatCompose) && string(trimmed) == "---") {
			top = false
		}
		if cstart < 0 || !bytes.Contains(text[cstart:], []byte(ignoreMarker)) && !mentionsNo502(text[cstart:]) {
			continue
		}
		d := parseDirective(f, text, cstart, ln)
		if d == nil {
			if m := malformedDirective(f, text, cstart, ln); m != nil {
				m.pos.Line, m.pos.EndLine = int32(i+1), int32(i+1)
				out = append(out, m)
			}
			continue
		}
		d.pos.Line, d.pos.EndLine = int32(i+1), int32(i+1)
		switch d.kind {
		case dirFile:
			d.misplaced = !top
		case dirLine:
			d.target = i + 1
			if len(bytes.TrimSpace(f.Src[ln.start:d.open])) == 0 {
				// A comment on a line of its own applies to the next line that is not
				// a comment, so several directives can stack above one line.
				j := i + 1
				for j < len(lines) && isCommentOnly(j) {
					j++
				}
				d.target = j + 1
				if j >= len(lines) {
					d.target = 0
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// parseDirective reads the directive in the comment part of one line: the marker must
// open a comment (only blanks between the # or // and it). It returns nil when there is
// none (a marker inside other comment text, "no502:ignored").
func parseDirective(f *parsers.File, text []byte, cstart int, ln span) *directive {
	for from := cstart; ; {
		k := bytes.Index(text[from:], []byte(ignoreMarker))
		if k < 0 {
			return nil
		}
		mi := from + k
		from = mi + len(ignoreMarker)
		// The comment opener right before the marker.
		j := mi
		for j > cstart && (text[j-1] == ' ' || text[j-1] == '\t') {
			j--
		}
		open := -1
		switch {
		case j > 0 && text[j-1] == '#':
			open = j - 1
		case f.Format == parsers.FormatTerraform && j > 1 && text[j-1] == '/' && text[j-2] == '/':
			open = j - 2
		}
		if open < cstart {
			continue
		}
		after := text[mi+len(ignoreMarker):]
		d := &directive{kind: dirLine, file: f.Path, used: map[string]bool{}}
		if bytes.HasPrefix(after, []byte("-file")) {
			d.kind = dirFile
			after = after[len("-file"):]
		}
		if len(after) > 0 && after[0] != ' ' && after[0] != '\t' {
			continue
		}
		// The rule list ends at "--" (the reason) or, in HCL, at a block comment's end.
		listText := after
		if i := bytes.Index(listText, []byte("--")); i >= 0 {
			listText = listText[:i]
		}
		if i := bytes.Index(listText, []byte("*/")); i >= 0 && f.Format == parsers.FormatTerraform {
			listText = listText[:i]
		}
		base := ln.start + (len(text) - len(after))
		first, last := -1, -1
		for i := 0; i < len(listText); {
			if c := listText[i]; c == ' ' || c == '\t' || c == ',' {
				i++
				continue
			}
			s := i
			for i < len(listText) && listText[i] != ' ' && listText[i] != '\t' && listText[i] != ',' {
				i++
			}
			d.ids = append(d.ids, string(listText[s:i]))
			if first < 0 {
				first = s
			}
			last = i
		}
		d.all = len(d.ids) == 0
		if first >= 0 {
			d.list = parsers.ByteRange(f.Path, base+first, base+last)
		}
		d.open = ln.start + open
		end := bytes.TrimRight(text, " \t")
		d.pos = parsers.Pos{
			File: f.Path, Col: int32(1 + utf8.RuneCount(text[:open])), Offset: int32(ln.start + open),
			EndCol: int32(1 + utf8.RuneCount(end)), EndOffset: int32(ln.start + len(end)),
		}
		return d // the caller sets Line and EndLine
	}
}

// mentionsNo502 is the quick test for a comment that may be a suppression in another
// case than no502's own lower case.
func mentionsNo502(b []byte) bool {
	return bytes.Contains(b, []byte("NO502")) || bytes.Contains(b, []byte("No502")) ||
		bytes.Contains(b, []byte("no502"))
}

// almostDirective is what a suppression written another way looks like: another case, a
// space around the colon or none, any suffix (ignore-files, ignored, ignore=ID).
var almostDirective = regexp.MustCompile(`(?i)no502\s*:?\s*ignore`)

// malformedDirective returns, for a comment that opens with something like a
// suppression that parseDirective did not read, a directive marked malformed (it covers
// nothing; the unused-suppression report says it is not read). A comment that mentions
// the marker further on is prose, not a directive.
func malformedDirective(f *parsers.File, text []byte, cstart int, ln span) *directive {
	body := text[cstart:]
	loc := almostDirective.FindIndex(body)
	if loc == nil || len(bytes.Trim(body[:loc[0]], "#/* \t")) > 0 {
		return nil
	}
	end := bytes.TrimRight(text, " \t")
	return &directive{
		kind: dirLine, malformed: true, file: f.Path, used: map[string]bool{}, open: ln.start + cstart,
		pos: parsers.Pos{
			File: f.Path, Col: int32(1 + utf8.RuneCount(text[:cstart])), Offset: int32(ln.start + cstart),
			EndCol: int32(1 + utf8.RuneCount(end)), EndOffset: int32(ln.start + len(end)),
		},
	}
}

// scanAnnotations finds no502.dev/ignore annotations: each YAML document (documents are
// separated by ---) holding one is parsed, and the annotation applies to its lines.
func scanAnnotations(f *parsers.File, lines []span) []*directive {
	var out []*directive
	first := 0 // index of the document's first line
	flush := func(end int) {
		if end <= first {
			return
		}
		doc := f.Src[lines[first].start:lines[end-1].next]
		if !bytes.Contains(doc, []byte(annotationKey)) {
			return
		}
		if d := annotationDirective(f, doc, first+1, end); d != nil {
			out = append(out, d)
		}
	}
	for i, ln := range lines {
		t := f.Src[ln.start:ln.end]
		if bytes.HasPrefix(t, []byte("---")) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
			flush(i)
			first = i + 1
		}
	}
	flush(len(lines))
	return out
}

// annotationDirective reads metadata.annotations["no502.dev/ignore"] of one document
// whose first line is line firstLine (1-based) and last line lastLine.
func annotationDirective(f *parsers.File, doc []byte, firstLine, lastLine int) *directive {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	key, val := mapEntry(mapEntry2(root.Content[0], "metadata", "annotations"), annotationKey)
	if val == nil || val.Kind != yaml.ScalarNode {
		return nil
	}
	d := &directive{kind: dirAnnotation, file: f.Path, first: firstLine, last: lastLine, used: map[string]bool{}}
	d.ids = strings.FieldsFunc(val.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	d.all = len(d.ids) == 0
	line := firstLine + key.Line - 1
	d.pos = parsers.Pos{File: f.Path, Line: int32(line), Col: int32(key.Column)}
	return d
}

// mapEntry2 walks two mapping keys down from n.
func mapEntry2(n *yaml.Node, a, b string) *yaml.Node {
	_, v := mapEntry(n, a)
	_, v = mapEntry(v, b)
	return v
}

func mapEntry(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
