package caddy

import (
	"bytes"
	"strings"

	"github.com/no502/no502/parsers"
)

// Editing a Caddyfile: typed operations on its directive tree (File) that collect byte
// edits of its text and render the corrected block, indented with tabs as `caddy fmt`
// does, or with the block's own indentation where it has one (a Caddyfile held in YAML
// is indented with spaces).

// Editor collects edits to one Caddyfile's text.
type Editor struct {
	file  string
	src   []byte
	edits []parsers.Edit
}

// Edit starts collecting edits to f.
func (f *File) Edit() *Editor { return &Editor{file: f.Path, src: f.Src} }

// Edits returns the edits collected so far.
func (e *Editor) Edits() []parsers.Edit { return e.edits }

func (e *Editor) add(start, end int, s string) {
	e.edits = append(e.edits, parsers.Edit{File: e.file, Start: start, End: end, New: s})
}

func (e *Editor) lineStart(off int) int {
	return bytes.LastIndexByte(e.src[:off], '\n') + 1
}

func (e *Editor) lineEnd(off int) int {
	if i := bytes.IndexByte(e.src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(e.src)
}

func (e *Editor) indent(off int) string {
	ls := e.lineStart(off)
	i := ls
	for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
		i++
	}
	return string(e.src[ls:i])
}

// Snippet applies the edits to the lines of d and returns them dedented.
func (e *Editor) Snippet(d *Directive) string {
	return e.snippet(int(d.Pos.Offset), int(d.Pos.EndOffset))
}

// snippet applies the edits to the lines [start, end) and dedents them.
func (e *Editor) snippet(start, end int) string {
	start, end = e.lineStart(start), e.lineEnd(max(end-1, start))
	base := e.indent(start)
	var local []parsers.Edit
	for _, ed := range e.edits {
		if ed.Start >= start && ed.End <= end {
			ed.Start -= start
			ed.End -= start
			local = append(local, ed)
		}
	}
	out := string(parsers.ApplyEdits(e.src[start:end], local))
	lines := strings.SplitAfter(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, base)
	}
	out = strings.Join(lines, "")
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out
}

// Replace rewrites directive d's tokens as text (indentation and a trailing comment
// stay; but a trailing comment that is text's own note with other numbers, written by
// an earlier round of the same --fix and now stale, is replaced with it).
func (e *Editor) Replace(d *Directive, text string) {
	first, last := int(d.Tokens[0].Pos.Offset), int(d.Tokens[len(d.Tokens)-1].Pos.EndOffset)
	if _, note, ok := strings.Cut(text, " # "); ok && last <= len(e.src) {
		i := last
		for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
			i++
		}
		if i < len(e.src) && e.src[i] == '#' {
			end := e.lineEnd(i)
			old := strings.TrimRight(string(e.src[i:end]), "\r\n")
			if sameNote(old, "# "+note) {
				last = i + len(old)
			}
		}
	}
	e.add(first, last, keepEnvPlaceholders(d, text))
}

// keepEnvPlaceholders writes a new value of an argument written as an environment
// placeholder with a default ({$RHT:30s}) as that placeholder's default ({$RHT:100s}):
// the finding read the default, and a deployment that sets the variable keeps its own
// value, as it did before the fix. Replacing the placeholder would take that override
// away: a server started with RHT=300s would get the fix's shorter value.
func keepEnvPlaceholders(d *Directive, text string) string {
	line, note, hasNote := strings.Cut(text, " # ")
	fields := strings.Fields(line)
	if len(fields) != len(d.Tokens) || len(fields) < 2 || fields[0] != d.Tokens[0].Text {
		return text
	}
	changed := false
	for i := 1; i < len(fields); i++ {
		raw := d.Tokens[i].Raw
		if !strings.HasPrefix(raw, "{$") || !strings.HasSuffix(raw, "}") || strings.Count(raw, "{") != 1 {
			continue
		}
		name, def, ok := strings.Cut(raw[2:len(raw)-1], ":")
		if !ok || name == "" || fields[i] == def || strings.ContainsAny(fields[i], "{}") {
			continue
		}
		fields[i], changed = "{$"+name+":"+fields[i]+"}", true
	}
	if !changed {
		return text
	}
	out := strings.Join(fields, " ")
	if hasNote {
		out += " # " + note
	}
	return out
}

// sameNote reports whether two comments are the same text but for their numbers.
func sameNote(a, b string) bool {
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '.' {
				return -1
			}
			return r
		}, strings.TrimSpace(s))
	}
	return a != "" && b != "" && strip(a) == strip(b)
}

// ReplaceWhole rewrites directive d, its block included, as text.
func (e *Editor) ReplaceWhole(d *Directive, text string) {
	e.add(int(d.Pos.Offset), int(d.Pos.EndOffset), text)
}

// ReplaceIndented rewrites directive d, its block included, as text, whose lines after
// the first take d's indentation ("reverse_proxy x {\n\ttransport http {\n\t\ttls\n\t}\n}").
func (e *Editor) ReplaceIndented(d *Directive, text string) {
	ind := e.indent(int(d.Pos.Offset))
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = ind + lines[i]
	}
	start, end := int(d.Tokens[0].Pos.Offset), int(d.Tokens[len(d.Tokens)-1].Pos.EndOffset)
	if d.HasBlock {
		end = int(d.Pos.EndOffset)
	} else if len(lines) > 1 {
		// A comment after the line stays on the first line, not after the new "}".
		i := end
		for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
			i++
		}
		if i < len(e.src) && e.src[i] == '#' {
			c := strings.TrimRight(string(e.src[i:e.lineEnd(i)]), "\r\n")
			lines[0] += " " + c
			end = i + len(c)
		}
	}
	e.add(start, end, strings.Join(lines, "\n"))
}

// Source returns directive d as written, its block included, the lines after the first
// without the indentation of d's line.
func (f *File) Source(d *Directive) string {
	start, end := int(d.Pos.Offset), int(d.Pos.EndOffset)
	if start < 0 || end > len(f.Src) || start > end {
		return ""
	}
	ls := bytes.LastIndexByte(f.Src[:start], '\n') + 1
	ind := string(f.Src[ls:start])
	if strings.TrimLeft(ind, " \t") != "" {
		ind = "" // d does not start its line
	}
	lines := strings.Split(string(f.Src[start:end]), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.TrimPrefix(lines[i], ind)
	}
	return strings.Join(lines, "\n")
}

// InsertAfter inserts text right after the span at (an argument: " second:8080").
func (e *Editor) InsertAfter(at parsers.Pos, text string) {
	e.add(int(at.EndOffset), int(at.EndOffset), text)
}

// Set sets subdirectives of block d, given as lines ("name value # comment"; a line may
// hold a nested block, "transport http {\n\tkeepalive 30s\n}", with a tab per level):
// the subdirective of the same name is replaced, a missing one goes before the closing
// brace (or d becomes a block).
func (e *Editor) Set(d *Directive, lines ...string) {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i], _, _ = strings.Cut(l, " ")
	}
	e.setInBlock(d, lines, names)
}

// Add adds lines to block d (see Set) without looking for one of the same name.
func (e *Editor) Add(d *Directive, lines ...string) {
	e.setInBlock(d, lines, make([]string, len(lines)))
}

// setInBlock sets subdirectives of block d: an existing line is replaced, a missing one
// goes before the closing brace (or the line becomes a block). An empty name is never
// found: its line is always added.
func (e *Editor) setInBlock(d *Directive, lines []string, names []string) {
	var add []string
	for i, l := range lines {
		if names[i] != "" {
			if sub := d.Find(names[i]); sub != nil && len(sub.Tokens) > 0 {
				e.Replace(sub, l)
				continue
			}
		}
		add = append(add, l)
	}
	if len(add) == 0 {
		return
	}
	ind := e.indent(int(d.Pos.Offset))
	var b strings.Builder
	if !d.HasBlock {
		// Open the block after the last argument; a trailing comment stays on the
		// directive's line, and the body and "}" follow that line.
		e.add(int(d.Pos.EndOffset), int(d.Pos.EndOffset), " {")
		for _, l := range add {
			b.WriteString(indentLines(l, ind+"\t"))
		}
		b.WriteString(ind + "}\n")
		le := e.lineEnd(int(d.Pos.EndOffset))
		if le == len(e.src) && (le == 0 || e.src[le-1] != '\n') {
			e.add(le, le, "\n"+b.String())
			return
		}
		e.add(le, le, b.String())
		return
	}
	if !d.Close.IsValid() {
		return
	}
	// New lines take the indentation of the block's own lines, and nested ones the same
	// step: a Caddyfile indented with spaces (as one held in YAML must be) stays so.
	body, unit := ind+"\t", "\t"
	if len(d.Block) > 0 {
		if bi := e.indent(int(d.Block[0].Pos.Offset)); len(bi) > len(ind) && strings.HasPrefix(bi, ind) {
			body, unit = bi, bi[len(ind):]
		}
	}
	for _, l := range add {
		b.WriteString(indentLines(retab(l, unit), body))
	}
	at := e.lineStart(int(d.Close.Offset))
	if strings.TrimSpace(string(e.src[at:d.Close.Offset])) != "" {
		// "}" shares its line with a directive: open a new line before it.
		e.add(int(d.Close.Offset), int(d.Close.Offset), "\n"+b.String()+ind)
		return
	}
	e.add(at, at, b.String())
}

// Subdirective is one setting of a reverse_proxy: Transport ones go in its
// `transport http` block.
type Subdirective struct {
	Name, Value string
	Transport   bool
	Comment     string
}

func (s Subdirective) line() string {
	l := s.Name + " " + s.Value
	if s.Comment != "" {
		l += " # " + s.Comment
	}
	return l
}

// TransportAccepts reports whether a `transport kind` block takes every subdirective
// of names: http takes them all (of those the fixes write); fastcgi only its dial, read
// and write timeouts (caddy adapt 2.6.2 rejects "unrecognized subdirective
// response_header_timeout" in it, and it has no keepalive).
func TransportAccepts(kind string, names ...string) bool {
	switch kind {
	case "http":
		return true
	case "fastcgi":
		for _, n := range names {
			if n != "read_timeout" && n != "write_timeout" && n != "dial_timeout" {
				return false
			}
		}
		return true
	}
	return false
}

// SetProxy sets subdirectives of the reverse_proxy d, creating its block and its
// `transport http` block as needed. It writes nothing and returns false when a transport
// subdirective is asked of a reverse_proxy whose transport does not take it
// (TransportAccepts).
func (e *Editor) SetProxy(d *Directive, subs ...Subdirective) bool {
	var top, topNames, tr, trNames []string
	for _, s := range subs {
		if s.Transport {
			tr, trNames = append(tr, s.line()), append(trNames, s.Name)
		} else {
			top, topNames = append(top, s.line()), append(topNames, s.Name)
		}
	}
	transport := d.Find("transport")
	if len(tr) > 0 && transport != nil && !TransportAccepts(transport.Arg(0), trNames...) {
		return false
	}
	if len(tr) > 0 {
		if transport != nil {
			// A `transport http` line without a block gets one.
			e.setInBlock(transport, tr, trNames)
		} else {
			top = append(top, "transport http {\n\t"+strings.Join(tr, "\n\t")+"\n}")
			topNames = append(topNames, "") // never found: always added
		}
	}
	if len(top) > 0 {
		e.setInBlock(d, top, topNames)
	}
	return true
}

// SnippetOf names the snippet ("(name) { ... }") d is written in, "" when d is outside
// any snippet.
func (f *File) SnippetOf(d *Directive) string {
	anc := f.Ancestors(d)
	if len(anc) == 0 {
		return ""
	}
	top := anc[len(anc)-1].Name()
	if len(anc[len(anc)-1].Tokens) != 1 || !isSnippetName(top) {
		return ""
	}
	return top[1 : len(top)-1]
}

// Snippet returns the definition of the snippet name in f, nil when f defines none.
func (f *File) Snippet(name string) *Directive {
	for _, d := range f.Directives {
		if len(d.Tokens) == 1 && d.HasBlock && d.Name() == "("+name+")" {
			return d
		}
	}
	return nil
}

// ImportsOf counts the `import name` directives of f, at any depth (a snippet imported
// by sites in other files is counted by adding up every file's count).
func (f *File) ImportsOf(name string) int {
	n := 0
	var walk func([]*Directive)
	walk = func(ds []*Directive) {
		for _, x := range ds {
			if x.Name() == "import" && x.Arg(0) == name {
				n++
			}
			walk(x.Block)
		}
	}
	walk(f.Directives)
	return n
}

// SetIn sets subs in block d (a `transport http` block written away from its
// reverse_proxy, in a snippet), replacing the lines of the same names.
func (e *Editor) SetIn(d *Directive, subs ...Subdirective) {
	lines, names := make([]string, len(subs)), make([]string, len(subs))
	for i, s := range subs {
		lines[i], names[i] = s.line(), s.Name
	}
	e.setInBlock(d, lines, names)
}

// Ancestors returns the blocks that enclose d, innermost first (nil when d is at the top
// level or not in f). Only the blocks whose span holds d are searched.
func (f *File) Ancestors(d *Directive) []*Directive {
	var path []*Directive
	ds := f.Directives
	for depth := 0; depth < 1000; depth++ {
		var next *Directive
		for _, x := range ds {
			if x == d {
				out := make([]*Directive, len(path))
				for i, p := range path {
					out[len(path)-1-i] = p
				}
				return out
			}
			if x.Pos.File == d.Pos.File && x.Pos.Offset <= d.Pos.Offset && d.Pos.EndOffset <= x.Pos.EndOffset && len(x.Block) > 0 {
				next = x
			}
		}
		if next == nil {
			return nil
		}
		path = append(path, next)
		ds = next.Block
	}
	return nil
}

// SetServerTimeout sets a client timeout of every server (servers > timeouts > name) in
// the global options block global, as line ("idle 2m # why"), creating the servers and
// timeouts blocks it needs.
func (e *Editor) SetServerTimeout(global *Directive, name, line string) {
	var servers *Directive
	for _, d := range global.Block {
		if d.Name() == "servers" && len(d.Args()) == 0 && d.HasBlock {
			servers = d
		}
	}
	if servers == nil {
		e.Add(global, "servers {\n\ttimeouts {\n\t\t"+line+"\n\t}\n}")
		return
	}
	if timeouts := servers.Find("timeouts"); timeouts != nil && timeouts.HasBlock {
		e.setInBlock(timeouts, []string{line}, []string{name})
		return
	}
	e.Add(servers, "timeouts {\n\t"+line+"\n}")
}

// GlobalOptions returns the file's global options block (the first, unnamed block), nil
// when it has none.
func (f *File) GlobalOptions() *Directive {
	if len(f.Directives) > 0 && len(f.Directives[0].Tokens) == 0 && f.Directives[0].HasBlock {
		return f.Directives[0]
	}
	return nil
}

// retab rewrites the leading tabs of each line of s (one per nesting level) as unit.
func retab(s, unit string) string {
	if unit == "\t" {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		lines[i] = strings.Repeat(unit, n) + l[n:]
	}
	return strings.Join(lines, "\n")
}

// indentLines prefixes every line of a (possibly multi-line) text.
func indentLines(s, ind string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(ind + l + "\n")
	}
	return b.String()
}

// IndentLines prefixes every line of s (text a fix inserts as a whole new block) with a
// tab.
func IndentLines(s string) string { return indentLines(s, "\t") }
