// Package caddy reads Caddyfiles into the shared model. It has its own lexer and parser
// instead of Caddy's: Caddy's parser pulls in the whole Caddy core, has no columns, drops
// comments and substitutes {$ENV} from the linter's own environment
// (../shared/reference/libraries.md §2). Here every token keeps file, line, column and
// byte offsets, comments are kept (suppressions are read from them), {$VAR:default} stays
// as written, and imports and snippets are expanded with their chain recorded.
package caddy

import (
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// Token is one Caddyfile token.
type Token struct {
	// Text is what Caddy sees: quotes removed, \" unescaped, a heredoc's body.
	Text string
	// Raw is the token as written, quotes and heredoc markers included.
	Raw string
	Pos parsers.Pos
	// Quoted is set for "double", `backtick` and <<heredoc tokens: they are never
	// braces, matchers or directives.
	Quoted bool
	// Line is the logical line: the first physical line of a line continued with a
	// trailing backslash. Tokens on one logical line form one directive.
	Line int
	// Arg is set on a token of an imported snippet or file whose text came from the
	// import's arguments ({args[0]}, {args.1}): where that argument is written, the one
	// place a user changes this import's value (Pos stays the snippet's token).
	Arg parsers.Pos
}

// IsOpen reports whether t is an unquoted "{".
func (t Token) IsOpen() bool { return !t.Quoted && t.Text == "{" }

// IsClose reports whether t is an unquoted "}".
func (t Token) IsClose() bool { return !t.Quoted && t.Text == "}" }

// Comment is one '#' comment, to the end of its line.
type Comment struct {
	Text string // after '#', surrounding spaces trimmed
	Raw  string // as written, '#' included
	Pos  parsers.Pos
}

// lexer splits one file's text into tokens and comments.
type lexer struct {
	file string
	src  string
	off  int
	line int
	col  int
	// logical is the logical line the next token belongs to; it differs from line after
	// a backslash-newline continuation.
	logical  int
	toks     []Token
	comments []Comment
	diags    []parsers.Diag
}

// Lex tokenizes src. Problems (an unterminated quote or heredoc) are returned as
// positioned errors; the tokens read so far are still returned.
func Lex(file string, src []byte) ([]Token, []Comment, []parsers.Diag) {
	l := &lexer{file: file, src: string(src), line: 1, col: 1, logical: 1}
	// Caddyfiles average about ten bytes per token. Reserving room for that up front
	// spares a large file the repeated doubling and copying of the token slice.
	l.toks = make([]Token, 0, len(src)/8+16)
	l.run()
	return l.toks, l.comments, l.diags
}

func (l *lexer) pos() parsers.Pos {
	return parsers.Pos{File: l.file, Line: int32(l.line), Col: int32(l.col), Offset: int32(l.off)}
}

// advance moves past one rune, keeping line and column.
func (l *lexer) advance() rune {
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) peek() byte {
	if l.off < len(l.src) {
		return l.src[l.off]
	}
	return 0
}

func (l *lexer) end(p parsers.Pos) parsers.Pos {
	p.EndLine, p.EndCol, p.EndOffset = int32(l.line), int32(l.col), int32(l.off)
	return p
}

func (l *lexer) run() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n':
			l.advance()
			l.logical = l.line
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.advance()
		case c == '\\' && l.continuation():
			// A backslash ending a line joins the next line to this one.
			l.advance()
			if l.peek() == '\r' {
				l.advance()
			}
			l.advance()
		case c == '#':
			l.comment()
		case c == '"':
			l.quoted()
		case c == '`':
			l.backtick()
		case c == '<' && strings.HasPrefix(l.src[l.off:], "<<") && l.heredocMarker() != "":
			l.heredoc()
		default:
			l.word()
		}
	}
}

// continuation reports whether the backslash at off is followed by a newline.
func (l *lexer) continuation() bool {
	rest := l.src[l.off+1:]
	return strings.HasPrefix(rest, "\n") || strings.HasPrefix(rest, "\r\n")
}

func (l *lexer) comment() {
	p := l.pos()
	start := l.off
	for l.off < len(l.src) && l.src[l.off] != '\n' {
		l.advance()
	}
	raw := strings.TrimRight(l.src[start:l.off], "\r")
	l.comments = append(l.comments, Comment{Raw: raw, Text: strings.TrimSpace(raw[1:]), Pos: l.end(p)})
}

func (l *lexer) emit(p parsers.Pos, start int, text string, quoted bool) {
	l.toks = append(l.toks, Token{Text: text, Raw: l.src[start:l.off], Pos: l.end(p), Quoted: quoted, Line: l.logical})
}

// word reads an unquoted token up to the next whitespace. A backslash stays in the text
// (Caddy keeps it, e.g. for \{ in placeholders) unless it ends the line.
func (l *lexer) word() {
	p, start := l.pos(), l.off
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			break
		}
		if c == '\\' && l.continuation() {
			break
		}
		l.advance()
	}
	l.emit(p, start, l.src[start:l.off], false)
}

// quoted reads a "double-quoted" token; only \" is an escape, as in Caddy.
func (l *lexer) quoted() {
	p, start := l.pos(), l.off
	l.advance()
	var b strings.Builder
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == '\\' && l.off+1 < len(l.src) && l.src[l.off+1] == '"' {
			l.advance()
			l.advance()
			b.WriteByte('"')
			continue
		}
		if c == '"' {
			l.advance()
			l.emit(p, start, b.String(), true)
			return
		}
		b.WriteRune(l.advance())
	}
	l.diags = append(l.diags, parsers.Errorf(l.end(p), "unterminated quoted string"))
	l.emit(p, start, b.String(), true)
}

// backtick reads a `raw` token: no escapes.
func (l *lexer) backtick() {
	p, start := l.pos(), l.off
	l.advance()
	for l.off < len(l.src) {
		if l.src[l.off] == '`' {
			l.advance()
			l.emit(p, start, l.src[start+1:l.off-1], true)
			return
		}
		l.advance()
	}
	l.diags = append(l.diags, parsers.Errorf(l.end(p), "unterminated backtick string"))
	l.emit(p, start, l.src[start+1:], true)
}

// heredocMarker returns the marker of a heredoc opening at off ("<<EOF" followed by a
// newline), or "" when the text is not one.
func (l *lexer) heredocMarker() string {
	rest := l.src[l.off+2:]
	i := 0
	for i < len(rest) {
		c := rest[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return ""
	}
	after := rest[i:]
	if strings.HasPrefix(after, "\n") || strings.HasPrefix(after, "\r\n") {
		return rest[:i]
	}
	return ""
}

// heredoc reads <<MARKER ... MARKER. The closing marker's indentation is removed from
// every body line, as Caddy does.
func (l *lexer) heredoc() {
	p, start := l.pos(), l.off
	marker := l.heredocMarker()
	for l.off < len(l.src) && l.src[l.off] != '\n' {
		l.advance()
	}
	l.advance() // the newline
	var lines []string
	for l.off < len(l.src) {
		ls := l.off
		le := strings.IndexByte(l.src[ls:], '\n')
		if le < 0 {
			le = len(l.src)
		} else {
			le += ls
		}
		line := strings.TrimRight(l.src[ls:le], "\r")
		trimmed := strings.TrimLeft(line, " \t")
		// The closing marker may be followed by more arguments ("EOF 200").
		if rest, ok := strings.CutPrefix(trimmed, marker); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			indent := line[:len(line)-len(trimmed)]
			for i, b := range lines {
				lines[i] = strings.TrimPrefix(b, indent)
			}
			for l.off < ls+len(indent)+len(marker) {
				l.advance()
			}
			l.emit(p, start, strings.Join(lines, "\n"), true)
			return
		}
		lines = append(lines, line)
		for l.off < le {
			l.advance()
		}
		if l.off < len(l.src) {
			l.advance()
		}
	}
	l.diags = append(l.diags, parsers.Errorf(l.end(p), "heredoc <<%s is never closed by a line holding %s", marker, marker))
	l.emit(p, start, strings.Join(lines, "\n"), true)
}
