package terraform

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/no502/no502/parsers"
)

// Editing HCL: attributes set or added in blocks and object constructors, written as the
// smallest byte edits that leave the file as terraform fmt would format it.

// Set is one attribute to write: the existing attribute At is rewritten, or, when At is
// not valid, a new line goes into the block or object constructor In (a span whose
// first '{' opens it).
type Set struct {
	At    parsers.Pos
	In    parsers.Pos
	Name  string
	Value string // an HCL expression: 120, "ELB", true
	// Raw, when set, is inserted into In as written (a nested block) instead of
	// "Name = Value".
	Raw string
	// Shared says At is an attribute that every call of its module shares while the
	// value to change is one call's: a fix with such a set is a snippet, not an edit.
	Shared bool
	// Drops names the variables the expression at At reads, which the constant written
	// over it stops reading: the values other environments give them no longer apply
	// there (the rules make such a fix unsafe).
	Drops []string
}

// Nested returns sets as they are when the nested block they belong to exists (block is
// its span), else one insertion of that block, holding them, into parent.
func Nested(parent, block parsers.Pos, name string, sets []Set) []Set {
	if block.File != "" {
		return sets
	}
	for _, s := range sets {
		if s.At.IsValid() {
			// The block exists (it holds a written setting) but has no span: JSON
			// syntax, whose fixes are snippets. The settings to add go with it.
			out := append([]Set(nil), sets...)
			for i := range out {
				if !out[i].At.IsValid() {
					out[i].In = parsers.Pos{File: s.At.File}
				}
			}
			return out
		}
	}
	var b strings.Builder
	b.WriteString(name + " {\n")
	for _, s := range sets {
		b.WriteString(s.Name + " = " + s.Value + "\n")
	}
	b.WriteString("}")
	return []Set{{In: parent, Name: name, Raw: b.String()}}
}

// Edits writes sets into the model's files: byte edits of the original files that change
// only the touched lines (plus the neighbours whose `=` terraform fmt re-aligns), and the
// corrected top-level blocks as the snippet. Files in JSON syntax get the snippet only.
func Edits(m *parsers.Model, sets ...Set) (edits []parsers.Edit, snippet string) {
	return (*EditCache)(nil).Edits(m, sets...)
}

// EditCache keeps the edits written for each top-level block's text and changes, so
// that the rounds of a fix run (and the check of each) format again only the blocks a
// round changed: formatting a block before and after and parsing the result is a third
// of a Terraform lint. The key is the block, not the file, since a round usually edits
// every file: on the benchmark's target groups the first round fixes a matcher in each
// file and the second must still write the unsafe fixes of the services next to them.
// The zero value is ready; it is safe for concurrent use (rules run side by side). A nil
// cache computes every time.
type EditCache struct {
	mu      sync.Mutex
	windows map[windowKey]*windowResult
}

// windowKey is what windowEdits reads: the file's name, the text of the lines it
// formats and the changes spliced into them (offsets in that text).
type windowKey struct {
	path, part, splices string
}

// windowResult is windowEdits' outcome.
type windowResult struct {
	edits   []parsers.Edit
	snippet string
	ok      bool
}

// Edits is the package's Edits with the results of earlier calls reused where a file's
// text and sets are the same.
func (c *EditCache) Edits(m *parsers.Model, sets ...Set) (edits []parsers.Edit, snippet string) {
	byFile := map[string][]Set{}
	var order []string
	var nowhere []string
	for _, s := range sets {
		file := s.At.File
		if !s.At.IsValid() {
			file = s.In.File
		}
		if file == "" {
			// A block with no span to write into (JSON syntax): said as a snippet, never
			// dropped from it.
			if s.Raw != "" {
				nowhere = append(nowhere, s.Raw)
			} else {
				nowhere = append(nowhere, s.Name+" = "+s.Value)
			}
			continue
		}
		if _, ok := byFile[file]; !ok {
			order = append(order, file)
		}
		byFile[file] = append(byFile[file], s)
	}
	var snippets []string
	for _, file := range order {
		f := m.File(file)
		if f == nil {
			continue
		}
		if strings.HasSuffix(file, ".json") {
			for _, s := range byFile[file] {
				// The key the value is written under there: a variable's in a
				// .tfvars.json file, not the attribute's.
				name := s.Name
				if k := jsonKeyBefore(f.Src, s.At); k != "" {
					name = k
				}
				snippets = append(snippets, "\""+name+"\": "+jsonValue(s.Value))
			}
			continue
		}
		fe, fs, ok := c.fileEdits(f, byFile[file])
		if !ok {
			for _, s := range byFile[file] {
				snippets = append(snippets, s.Name+" = "+s.Value)
			}
			continue
		}
		edits = append(edits, fe...)
		snippets = append(snippets, fs)
	}
	snippet = strings.Join(append(snippets, nowhere...), "\n")
	if snippet != "" && !strings.HasSuffix(snippet, "\n") {
		snippet += "\n"
	}
	return edits, snippet
}

// jsonKeyBefore returns the key of the JSON member at pos in src ("hc_interval" for
// `"hc_interval": 60`, pos at the member or at its value), "" when pos is at neither.
func jsonKeyBefore(src []byte, pos parsers.Pos) string {
	if !pos.IsValid() || int(pos.Offset) >= len(src) {
		return ""
	}
	i := int(pos.Offset)
	if src[i] == '"' {
		// The member itself: its key, when a colon follows it.
		end := bytes.IndexByte(src[i+1:], '"')
		if end < 0 {
			return ""
		}
		key := src[i+1 : i+1+end]
		rest := bytes.TrimLeft(src[i+2+end:], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' || bytes.IndexByte(key, '\\') >= 0 {
			return ""
		}
		return string(key)
	}
	space := func() {
		for i > 0 && strings.IndexByte(" \t\r\n", src[i-1]) >= 0 {
			i--
		}
	}
	space()
	if i == 0 || src[i-1] != ':' {
		return ""
	}
	i--
	space()
	if i == 0 || src[i-1] != '"' {
		return ""
	}
	end := i - 1
	start := bytes.LastIndexByte(src[:end], '"')
	if start < 0 || bytes.IndexByte(src[start+1:end], '\\') >= 0 {
		return ""
	}
	return string(src[start+1 : end])
}

func jsonValue(v string) string {
	if v == "true" || v == "false" || strings.HasPrefix(v, "\"") {
		return v
	}
	if strings.Trim(v, "0123456789") == "" {
		return v
	}
	return `"` + v + `"`
}

// fileEdits applies sets to one native-syntax file. It splices the raw changes, formats
// the whole file before and after with hclwrite (what terraform fmt runs), and keeps only
// the lines that differ between the two formatted versions: untouched lines keep their
// bytes even where the file was not fmt-clean.
func (c *EditCache) fileEdits(f *parsers.File, sets []Set) ([]parsers.Edit, string, bool) {
	src := f.Src
	var sp []splice
	for _, s := range sets {
		if s.At.IsValid() {
			start, end := s.At.Offset, s.At.EndOffset
			if start < 0 || int(end) > len(src) || start >= end {
				return nil, "", false
			}
			attr := string(src[start:end])
			eq := strings.IndexAny(attr, "=:")
			if eq < 0 {
				return nil, "", false
			}
			sp = append(sp, splice{start: int(start), end: int(end), text: attr[:eq] + "= " + s.Value})
			continue
		}
		open := -1
		if s.In.Start() >= 0 && s.In.End() <= len(src) && s.In.Start() < s.In.End() {
			open = bytes.IndexByte(src[s.In.Start():s.In.End()], '{')
		}
		if open < 0 || src[s.In.End()-1] != '}' {
			return nil, "", false
		}
		open += s.In.Start()
		line := s.Name + " = " + s.Value
		if s.Raw != "" {
			line = s.Raw
		}
		closeAt := s.In.End() - 1
		ls := bytes.LastIndexByte(src[:closeAt], '\n') + 1
		if s.Raw != "" && ls > open && strings.TrimSpace(string(src[ls:closeAt])) == "" {
			// A nested block goes last, after a blank line, as terraform style has it.
			sp = append(sp, splice{start: ls, end: ls, text: "\n" + s.Raw + "\n"})
			continue
		}
		rest := string(src[open+1:])
		nl := strings.IndexByte(rest, '\n')
		if nl >= 0 && blankOrComment(rest[:nl]) && open+1+nl < s.In.End()-1 {
			at := open + 1 + nl + 1
			if s.Raw == "" {
				at = afterModuleSource(src, at, s.In.End()-1)
			}
			sp = append(sp, splice{start: at, end: at, text: line + "\n"})
		} else {
			// A one-line block ({} or { a = b }): open it up.
			inner := strings.TrimSpace(string(src[open+1 : s.In.End()-1]))
			text := "{\n" + line + "\n"
			if inner != "" {
				text += inner + "\n"
			}
			sp = append(sp, splice{start: open, end: s.In.End(), text: text + "}"})
		}
	}
	// Apply from the end of the file; insertions at the same place keep their order.
	for i := range sp {
		sp[i].order = i
	}
	sort.Slice(sp, func(i, j int) bool {
		if sp[i].start != sp[j].start {
			return sp[i].start > sp[j].start
		}
		return sp[i].order > sp[j].order
	})
	// Work on the top-level blocks the changes fall in, not the whole file: a module
	// with hundreds of target groups gets a fix for each, and formatting and re-parsing
	// the whole file for every one made the run quadratic. A block formats the same on
	// its own as in its file; top-level attributes (a .tfvars file) are aligned with
	// their neighbours, so for those the window is the whole file.
	offs := make([]int, 0, 2*len(sp))
	for _, s := range sp {
		offs = append(offs, s.start, s.end)
	}
	lo, hi := blockWindow(f, offs)
	for i := range sp {
		sp[i].start -= lo
		sp[i].end -= lo
	}
	edits, snippet, ok := c.windowEdits(f.Path, src[lo:hi], sp)
	if !ok {
		return nil, "", false
	}
	for i := range edits {
		edits[i].Start += lo
		edits[i].End += lo
	}
	return edits, snippet, true
}

// splice is one raw change of a file's text.
type splice struct {
	start, end int
	text       string
	order      int
}

// windowEdits is fileEdits on the lines part of file path, with the changes sp (offsets
// in part, from the last): it formats part before and after and returns the edits of
// part's lines (offsets in part) and the snippet. It reuses the result of an earlier call
// with the same arguments.
func (c *EditCache) windowEdits(path string, part []byte, sp []splice) ([]parsers.Edit, string, bool) {
	if c == nil {
		return formatWindow(path, part, sp)
	}
	var b []byte
	for _, s := range sp {
		b = strconv.AppendInt(b, int64(s.start), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s.end), 10)
		b = append(b, ',')
		b = strconv.AppendQuote(b, s.text)
	}
	key := windowKey{path: path, part: string(part), splices: string(b)}
	c.mu.Lock()
	r := c.windows[key]
	c.mu.Unlock()
	if r == nil {
		r = &windowResult{}
		r.edits, r.snippet, r.ok = formatWindow(path, part, sp)
		c.mu.Lock()
		if c.windows == nil {
			c.windows = map[windowKey]*windowResult{}
		}
		c.windows[key] = r
		c.mu.Unlock()
	}
	// A copy: the caller moves the edits to file offsets, and fixes' edits are rewritten
	// later (line endings).
	return append([]parsers.Edit(nil), r.edits...), r.snippet, r.ok
}

// formatWindow is windowEdits without the cache.
func formatWindow(path string, part []byte, sp []splice) ([]parsers.Edit, string, bool) {
	changed := append([]byte(nil), part...)
	last := len(part) + 1
	for _, s := range sp {
		if s.end > last {
			return nil, "", false // overlapping changes
		}
		changed = append(changed[:s.start:s.start], append([]byte(s.text), changed[s.end:]...)...)
		last = s.start
	}

	before := splitLines(string(part))
	fmtBefore := splitLines(string(hclwrite.Format(part)))
	after := splitLines(string(hclwrite.Format(changed)))
	if len(fmtBefore) != len(before) {
		// Formatting changed the line structure; compare with the raw original instead.
		fmtBefore = before
	}
	edits := lineEdits(path, before, fmtBefore, after)
	result := parsers.ApplyEdits(part, edits)
	file, diags := hclsyntax.ParseConfig(result, path, hcl.InitialPos)
	if diags.HasErrors() || len(edits) == 0 {
		return nil, "", false
	}
	return edits, topBlockSnippet(file, result, edits), true
}

// afterModuleSource moves an insertion point at the start of a block's body past the
// lines that open a module call, `source = ...` and `version = ...`, which Terraform
// style keeps first: a new input goes after them.
func afterModuleSource(src []byte, at, end int) int {
	for at < end {
		nl := bytes.IndexByte(src[at:end], '\n')
		if nl < 0 {
			return at
		}
		name, _, ok := strings.Cut(strings.TrimSpace(string(src[at:at+nl])), "=")
		if !ok {
			return at
		}
		if name = strings.TrimSpace(name); name != "source" && name != "version" {
			return at
		}
		at += nl + 1
	}
	return at
}

// blockWindow returns the byte range of whole lines holding the top-level blocks that
// contain every offset, or the whole file when some offset is in no top-level block.
func blockWindow(f *parsers.File, offs []int) (int, int) {
	src := f.Src
	blocks := f.Blocks // from the Terraform parser; none: the whole file
	lo, hi := len(src), 0
	for _, off := range offs {
		// An offset at a block's closing brace end still belongs to it.
		i := sort.Search(len(blocks), func(i int) bool { return blocks[i].End() >= off })
		if i == len(blocks) || off < blocks[i].Start() || blocks[i].End() > len(src) {
			return 0, len(src)
		}
		lo, hi = min(lo, blocks[i].Start()), max(hi, blocks[i].End())
	}
	if lo >= hi {
		return 0, len(src)
	}
	lo = bytes.LastIndexByte(src[:lo], '\n') + 1
	if i := bytes.IndexByte(src[hi:], '\n'); i >= 0 {
		hi += i + 1
	} else {
		hi = len(src)
	}
	return lo, hi
}

func splitLines(s string) []string {
	return strings.SplitAfter(s, "\n")
}

// lineEdits diffs fmtBefore against after (longest common subsequence of lines) and
// turns each differing run into an edit of the original lines (before and fmtBefore
// correspond line by line).
func lineEdits(file string, before, fmtBefore, after []string) []parsers.Edit {
	offsets := make([]int, len(before)+1)
	for i, l := range before {
		offsets[i+1] = offsets[i] + len(l)
	}
	// Trim the common prefix and suffix; the LCS then runs on the small middle.
	p := 0
	for p < len(fmtBefore) && p < len(after) && fmtBefore[p] == after[p] {
		p++
	}
	s := 0
	for s < len(fmtBefore)-p && s < len(after)-p && fmtBefore[len(fmtBefore)-1-s] == after[len(after)-1-s] {
		s++
	}
	a, b := fmtBefore[p:len(fmtBefore)-s], after[p:len(after)-s]
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var edits []parsers.Edit
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if i < len(a) && j < len(b) && a[i] == b[j] {
			i, j = i+1, j+1
			continue
		}
		i0, j0 := i, j
		for i < len(a) || j < len(b) {
			if i < len(a) && j < len(b) && a[i] == b[j] {
				break
			}
			if j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]) {
				j++
			} else {
				i++
			}
		}
		edits = append(edits, parsers.Edit{File: file, Start: offsets[p+i0], End: offsets[p+i], New: strings.Join(b[j0:j], "")})
	}
	return edits
}

// topBlockSnippet returns the top-level block of the fixed file that holds the first
// edit, dedented; for a file of bare attributes (tfvars) the changed lines.
func topBlockSnippet(file *hcl.File, result []byte, edits []parsers.Edit) string {
	if len(edits) == 0 {
		return ""
	}
	// The first edit's start is the same offset in the result (edits are in order).
	at := edits[0].Start
	if body, ok := file.Body.(*hclsyntax.Body); ok {
		for _, b := range body.Blocks {
			r := b.Range()
			if at >= r.Start.Byte && at < r.End.Byte {
				start := strings.LastIndexByte(string(result[:r.Start.Byte]), '\n') + 1
				return string(result[start:r.End.Byte]) + "\n"
			}
		}
	}
	var out []string
	for _, e := range edits {
		out = append(out, e.New)
	}
	return strings.Join(out, "")
}

// blankOrComment reports whether the rest of a line holds nothing but a comment.
func blankOrComment(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "//")
}

// BareVariable reports whether the attribute at attr (its span in src: "name = expr") is
// exactly a variable reference, var.NAME, and returns "var.NAME": changing the value
// where it is decided (the variable's default or a tfvars line) keeps the variable in use.
func BareVariable(src []byte, attr parsers.Pos) (string, bool) {
	s, e := int(attr.Offset), int(attr.EndOffset)
	if s < 0 || e > len(src) || s >= e {
		return "", false
	}
	eq := bytes.IndexAny(src[s:e], "=:")
	if eq < 0 {
		return "", false
	}
	expr, diags := hclsyntax.ParseExpression(src[s+eq+1:e], "", hcl.InitialPos)
	if diags.HasErrors() {
		return "", false
	}
	if w, ok := expr.(*hclsyntax.TemplateWrapExpr); ok {
		// "${var.x}": a template that is one interpolation yields the value itself
		// (terraform fmt rewrites it to var.x).
		expr = w.Wrapped
	}
	tr, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(tr.Traversal) != 2 || tr.Traversal.RootName() != "var" {
		return "", false
	}
	attrName, ok := tr.Traversal[1].(hcl.TraverseAttr)
	if !ok {
		return "", false
	}
	return "var." + attrName.Name, true
}

// ConstantAttribute reports whether the attribute at attr (native syntax) is a constant:
// its expression reads no variable, local, resource or iterator.
func ConstantAttribute(src []byte, attr parsers.Pos) bool {
	s, e := int(attr.Offset), int(attr.EndOffset)
	if s < 0 || e > len(src) || s >= e {
		return false
	}
	eq := bytes.IndexAny(src[s:e], "=:")
	if eq < 0 {
		return false
	}
	expr, diags := hclsyntax.ParseExpression(src[s+eq+1:e], "", hcl.InitialPos)
	return !diags.HasErrors() && len(expr.Variables()) == 0
}

// VariableUses counts the references to variable name ("var.x" is name "x") in the
// expressions of a native-syntax HCL file, read from its syntax tree. A fix changes a
// variable's default only when the attribute it fixes is its one use.
func VariableUses(src []byte, name string) int {
	f, diags := hclsyntax.ParseConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() || f == nil {
		return 0
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return 0
	}
	n := 0
	_ = hclsyntax.VisitAll(body, func(node hclsyntax.Node) hcl.Diagnostics {
		if tr, ok := node.(*hclsyntax.ScopeTraversalExpr); ok && len(tr.Traversal) >= 2 && tr.Traversal.RootName() == "var" {
			if a, ok := tr.Traversal[1].(hcl.TraverseAttr); ok && a.Name == name {
				n++
			}
		}
		return nil
	})
	return n
}

// HasValidation reports whether the file declares variable name with a validation block:
// a new default might fail its condition, which no502 does not evaluate.
func HasValidation(src []byte, name string) bool {
	f, diags := hclsyntax.ParseConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() || f == nil {
		return false
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return false
	}
	for _, b := range body.Blocks {
		if b.Type != "variable" || len(b.Labels) != 1 || b.Labels[0] != name {
			continue
		}
		for _, nb := range b.Body.Blocks {
			if nb.Type == "validation" {
				return true
			}
		}
	}
	return false
}
