// Package parsers holds the model every format parser produces and every rule reads:
// positions, settings that remember where they came from, and the layers of a request path
// (hops, routes, backends, workloads). It imports no format package; the format packages
// under parsers/ import it.
package parsers

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Pos is a span in a source file, the one position type of the model: a setting's
// place, a block's extent, a fix's target. Line and Col are 1-based; Col counts runes, as editors
// and SARIF (for ASCII) do. Offset is the 0-based byte offset of the start. End* describe
// the end of the span (EndCol points one rune past the last rune, like an exclusive
// end); they may be zero when only a start is known. The fields are 32 bits: every
// setting of the model carries a Pos, large models hold hundreds of thousands, and files
// are limited far below 2 GiB (--max-file-size; the nginx parser refuses larger ones).
type Pos struct {
	File      string
	Line      int32
	Col       int32
	Offset    int32
	EndLine   int32
	EndCol    int32
	EndOffset int32
}

// IsValid reports whether p names a real place in a file.
func (p Pos) IsValid() bool { return p.File != "" && p.Line > 0 }

// String formats p as file:line:col, the form every message uses.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	if p.Col > 0 {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Short formats p as file:line, for naming the other side of a cross-layer finding.
func (p Pos) Short() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Start is the byte offset where p begins.
func (p Pos) Start() int { return int(p.Offset) }

// End is the byte offset just past p's last byte.
func (p Pos) End() int { return int(p.EndOffset) }

// Contains reports whether the byte at offset off of file lies inside p.
func (p Pos) Contains(file string, off int) bool {
	return file == p.File && off >= int(p.Offset) && off < int(p.EndOffset)
}

// ByteRange is the span [start, end) of file when only its offsets are known (Line is
// zero: it is no position to print). Fix code cuts blocks out with it.
func ByteRange(file string, start, end int) Pos {
	return Pos{File: file, Offset: int32(start), EndOffset: int32(end)}
}

// Diag is a problem with the input itself, not a finding: a syntax error, a missing
// include, a skipped file. Severity is Error (the file did not parse; exit code 1) or
// Info (a note: something was skipped on purpose).
type Diag struct {
	Pos      Pos
	Severity Severity
	Message  string
}

// Errorf makes a positioned error diagnostic.
func Errorf(pos Pos, format string, args ...any) Diag {
	return Diag{Pos: pos, Severity: Error, Message: fmt.Sprintf(format, args...)}
}

// Notef makes a positioned info diagnostic.
func Notef(pos Pos, format string, args ...any) Diag {
	return Diag{Pos: pos, Severity: Info, Message: fmt.Sprintf(format, args...)}
}

func (d Diag) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
}

// CharAt is the position of the one byte at off in src (a bad byte, say).
func CharAt(file string, src []byte, off int) Pos {
	line, col := LineCol(src, off)
	return Pos{File: file, Line: int32(line), Col: int32(col), Offset: int32(off), EndLine: int32(line), EndCol: int32(col + 1), EndOffset: int32(off + 1)}
}

// LineCol computes the 1-based line and rune column of byte offset off in src.
// Parsers that track positions while scanning do not need it; it serves fix and
// snippet code that only has offsets.
func LineCol(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	col = 1 + utf8.RuneCount(src[start:off])
	return line, col
}

// InvalidUTF8 returns the offset of the first byte of src that is not part of valid
// UTF-8, or -1. Decoders that stop at such a byte report it at the start of the file
// (go-yaml), so the parsers point at it themselves.
func InvalidUTF8(src []byte) int {
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
