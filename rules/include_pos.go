package rules

import (
	"bytes"
	"path"
	"strings"

	"github.com/no502/no502/parsers"
)

// Where a finding about a value that came from an include or a snippet points (issue
// 17): at the include or import line inside the block, the line that brings the value
// in, with the definition as related. Only an inherited or default value points at the
// block itself.

// atInclude returns the include (nginx) or import (Caddy) line inside blk through which
// the explicit setting s reached the block, or pos unchanged when s is written in the
// block itself, inherited from an outer block, a default, or not from an include.
func atInclude[T any](m *parsers.Model, pos parsers.Pos, s parsers.Setting[T], blk parsers.Pos) parsers.Pos {
	if inc, ok := includeLine(m, s, blk); ok {
		return inc
	}
	return pos
}

// includeLine finds the include or import line inside blk that brought s in.
func includeLine[T any](m *parsers.Model, s parsers.Setting[T], blk parsers.Pos) (parsers.Pos, bool) {
	if !s.Explicit() || blk.File == "" || inBlock(s.Pos, blk) {
		return parsers.Pos{}, false
	}
	// Caddy: the import chain of a snippet's directive, innermost first.
	for _, v := range s.Via() {
		if inBlock(v, blk) {
			return v, true
		}
	}
	// nginx: the files the setting's file was included through. A file records the
	// first include that pulled it in; one included from several blocks is looked up
	// by name among the block's own include lines.
	var files []string
	f := s.Pos.File
	for i := 0; i < 100 && f != "" && f != blk.File; i++ {
		files = append(files, f)
		fl := m.File(f)
		if fl == nil || fl.IncludedBy == nil {
			break
		}
		if inBlock(*fl.IncludedBy, blk) {
			return *fl.IncludedBy, true
		}
		f = fl.IncludedBy.File
	}
	if len(files) == 0 {
		return parsers.Pos{}, false
	}
	return includeNaming(m, blk, files)
}

func inBlock(p parsers.Pos, blk parsers.Pos) bool {
	return p.IsValid() && p.File == blk.File && int(p.Offset) >= blk.Start() && int(p.Offset) < blk.End()
}

// includeNaming returns the first `include PATTERN;` line directly in blk's text whose
// pattern names one of files (compared by their trailing path elements: nginx resolves
// a relative pattern against its prefix, which the linted tree does not know).
func includeNaming(m *parsers.Model, blk parsers.Pos, files []string) (parsers.Pos, bool) {
	bf := m.File(blk.File)
	if bf == nil || bf.Host != "" || bf.Format != parsers.FormatNginx || blk.End() > len(bf.Src) || blk.Start() < 0 {
		return parsers.Pos{}, false
	}
	off := blk.Start()
	for _, line := range bytes.SplitAfter(bf.Src[blk.Start():blk.End()], []byte("\n")) {
		start := off
		off += len(line)
		text := strings.TrimSpace(string(line))
		rest, ok := strings.CutPrefix(text, "include")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		pattern, _, _ := strings.Cut(strings.TrimSpace(rest), ";")
		pattern = strings.Trim(strings.TrimSpace(pattern), `"'`)
		for _, f := range files {
			if tailMatch(pattern, f) {
				at := start + strings.Index(string(line), "include")
				p := parsers.CharAt(blk.File, bf.Src, at)
				p.EndCol, p.EndOffset = p.Col+int32(len("include")), p.Offset+int32(len("include"))
				return p, true
			}
		}
	}
	return parsers.Pos{}, false
}

// tailMatch reports whether the include pattern names file: their last path elements
// match, element by element (a glob in the pattern matches as nginx's would).
func tailMatch(pattern, file string) bool {
	ps := strings.Split(path.Clean(strings.ReplaceAll(pattern, `\`, "/")), "/")
	fs := strings.Split(path.Clean(strings.ReplaceAll(file, `\`, "/")), "/")
	n := min(len(ps), len(fs))
	if n == 0 {
		return false
	}
	for i := 1; i <= n; i++ {
		ok, err := path.Match(ps[len(ps)-i], fs[len(fs)-i])
		if err != nil || !ok {
			return false
		}
	}
	return true
}
