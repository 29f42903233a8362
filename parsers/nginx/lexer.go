package nginx

import (
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// tokKind is the kind of a lexical token. nginx's grammar has only words, three kinds of
// punctuation and comments; everything else (if conditions, map entries, regexes) is words.
type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tSemi    // ;
	tOpen    // {
	tClose   // }
	tComment // # to end of line
)

func (k tokKind) String() string {
	switch k {
	case tWord:
		return "word"
	case tSemi:
		return `";"`
	case tOpen:
		return `"{"`
	case tClose:
		return `"}"`
	case tComment:
		return "comment"
	}
	return "end of file"
}

// token is one lexical token with its exact span.
type token struct {
	kind   tokKind
	raw    string // the text as written, quotes included
	val    string // words: the value nginx sees (quotes removed, escapes applied)
	quoted bool
	pos    parsers.Pos
}

// lexer scans nginx configuration text on demand (the parser pulls tokens), so memory
// stays proportional to the AST, not to a token slice as well. It follows the rules of
// nginx's own reader (ngx_conf_read_token): a token starts after whitespace; '#', quotes
// and '{' ';' '}' are special only at the start of a token, except that ';' and '{' also
// end a word ("${" keeps the brace as part of a variable name).
type lexer struct {
	file string
	src  string
	off  int
	line int
	col  int
	// limit ends the text this lexer reads: a token starting at or after it is not
	// read (chunks.go gives each part of a large file its own lexer).
	limit int

	// notUTF8 is set when the text is not valid UTF-8 (a Latin-1 config: nginx reads
	// bytes, so it is linted all the same); columns then count as utf8.RuneCount does,
	// one per byte that starts no valid sequence, so that they agree with the columns
	// computed from offsets (Config.lineCol, parsers.LineCol). runeEnd is where the
	// sequence being read ends.
	notUTF8 bool
	runeEnd int

	diags []parsers.Diag
	// fatal is set after an error that makes the rest of the file meaningless (an
	// unterminated quote swallows it), so the parser does not add follow-on errors.
	fatal bool
}

func newLexer(file string, src string) *lexer {
	l := &lexer{file: file, src: src, line: 1, col: 1, limit: len(src)}
	// A UTF-8 byte order mark is invisible in editors; skip it without counting a column.
	if len(src) >= 3 && src[:3] == "\xef\xbb\xbf" {
		l.off = 3
	}
	return l
}

// here is the position of the next unread byte.
func (l *lexer) here() parsers.Pos {
	return parsers.Pos{File: l.file, Line: int32(l.line), Col: int32(l.col), Offset: int32(l.off)}
}

// end completes p so that it ends at the current position (exclusive).
func (l *lexer) end(p parsers.Pos) parsers.Pos {
	p.EndLine, p.EndCol, p.EndOffset = int32(l.line), int32(l.col), int32(l.off)
	return p
}

// adv consumes one byte, keeping line and rune column. Columns advance on the first byte
// of each rune only, so they count runes; in a file that is not valid UTF-8, on every
// byte that starts no valid sequence too (notUTF8).
func (l *lexer) adv() {
	c := l.src[l.off]
	if l.notUTF8 && c >= utf8.RuneSelf {
		if l.off >= l.runeEnd {
			_, n := utf8.DecodeRuneInString(l.src[l.off:])
			l.runeEnd = l.off + n
			l.col++
		}
		l.off++
		return
	}
	l.off++
	switch {
	case c == '\n':
		l.line++
		l.col = 1
	case c&0xC0 != 0x80:
		l.col++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (l *lexer) errorf(p parsers.Pos, format string, args ...any) {
	l.diags = append(l.diags, parsers.Errorf(p, format, args...))
}

// next returns the next token; tEOF at the end (or after a fatal error).
func (l *lexer) next() token {
	for l.off < len(l.src) && isSpace(l.src[l.off]) {
		l.adv()
	}
	start := l.here()
	if l.off >= l.limit || l.fatal {
		return token{kind: tEOF, pos: l.end(start)}
	}
	switch c := l.src[l.off]; c {
	case ';', '{', '}':
		l.adv()
		k, raw := tSemi, ";"
		if c == '{' {
			k, raw = tOpen, "{"
		} else if c == '}' {
			k, raw = tClose, "}"
		}
		return token{kind: k, raw: raw, pos: l.end(start)}
	case '#':
		for l.off < len(l.src) && l.src[l.off] != '\n' {
			l.adv()
		}
		// A comment ends before a CR of a CRLF line ending.
		e := l.off
		if e > int(start.Offset) && l.src[e-1] == '\r' {
			e--
		}
		p := l.end(start)
		if e != l.off {
			p.EndCol--
			p.EndOffset = int32(e)
		}
		return token{kind: tComment, raw: l.src[start.Offset:e], pos: p}
	case '"', '\'':
		return l.quoted(start, c)
	}
	return l.word(start)
}

// word scans an unquoted word. A backslash protects the next byte from ending the word.
func (l *lexer) word(start parsers.Pos) token {
	variable := false
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == '{' && variable {
			// "${name}" is a variable, not a block start.
			l.adv()
			variable = false
			continue
		}
		if isSpace(c) || c == ';' || c == '{' {
			break
		}
		variable = c == '$'
		if c == '\\' && l.off+1 < len(l.src) {
			l.adv()
		}
		l.adv()
	}
	raw := l.src[start.Offset:l.off]
	return token{kind: tWord, raw: raw, val: unescape(raw), pos: l.end(start)}
}

// quoted scans a '…' or "…" string. nginx requires a separator after the closing quote.
func (l *lexer) quoted(start parsers.Pos, q byte) token {
	l.adv()
	for {
		if l.off >= len(l.src) {
			l.errorf(l.end(start), "unterminated quoted string (missing closing %c)", q)
			l.fatal = true
			return token{kind: tEOF, pos: l.end(l.here())}
		}
		c := l.src[l.off]
		if c == '\\' && l.off+1 < len(l.src) {
			l.adv()
			l.adv()
			continue
		}
		l.adv()
		if c == q {
			break
		}
	}
	raw := l.src[start.Offset:l.off]
	t := token{kind: tWord, raw: raw, val: unescape(raw[1 : len(raw)-1]), quoted: true, pos: l.end(start)}
	if l.off < len(l.src) {
		// ')' may follow a quote (if ($a = "x")); '}' is reported by the parser, which
		// knows the directive is unterminated.
		if c := l.src[l.off]; !isSpace(c) && c != ';' && c != '{' && c != '}' && c != ')' {
			p := l.here()
			r, _ := utf8.DecodeRuneInString(l.src[l.off:])
			l.adv()
			for l.off < len(l.src) && l.src[l.off]&0xC0 == 0x80 {
				l.adv()
			}
			l.errorf(l.end(p), "unexpected \"%c\" after quoted string (nginx needs a space, \";\" or \"{\" there)", r)
			// Back to where the stray character starts, and to counting its columns
			// again (in a file that is not UTF-8, adv skipped the bytes it had counted).
			l.off, l.line, l.col = int(p.Offset), int(p.Line), int(p.Col)
			l.runeEnd = l.off
		}
	}
	return t
}

// unescape applies the escapes nginx's reader applies to every token: \" \' \\ become the
// character, \t \r \n control characters; any other backslash is kept (regexes need it).
func unescape(s string) string {
	// Find the first backslash that changes something; regexes are full of others.
	i := 0
	for ; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"'\\trn`, s[i+1]) >= 0 {
			break
		}
		if s[i] == '\\' {
			i++ // \. and the like stay as written
		}
	}
	if i >= len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '"', '\'', '\\':
				b = append(b, s[i+1])
				i++
				continue
			case 't':
				b = append(b, '\t')
				i++
				continue
			case 'r':
				b = append(b, '\r')
				i++
				continue
			case 'n':
				b = append(b, '\n')
				i++
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// luaBlock consumes the body of a *_by_lua_block after its '{' as raw Lua text, up to the
// matching '}'. Braces inside Lua strings, long strings and comments do not count. It
// returns the text between the braces and the position of the closing brace.
func (l *lexer) luaBlock(open parsers.Pos) (string, parsers.Pos, bool) {
	begin := l.off
	depth := 1
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '-' && l.off+1 < len(l.src) && l.src[l.off+1] == '-':
			l.adv()
			l.adv()
			if lvl, ok := l.longOpen(); ok {
				l.longClose(lvl)
				continue
			}
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.adv()
			}
		case c == '"' || c == '\'':
			l.adv()
			for l.off < len(l.src) {
				d := l.src[l.off]
				if d == '\\' && l.off+1 < len(l.src) {
					l.adv()
					l.adv()
					continue
				}
				if d == '\n' { // an unterminated short string ends at the line end
					break
				}
				l.adv()
				if d == c {
					break
				}
			}
		case c == '[':
			if lvl, ok := l.longOpen(); ok {
				l.longClose(lvl)
				continue
			}
			l.adv()
		case c == '{':
			depth++
			l.adv()
		case c == '}':
			depth--
			if depth == 0 {
				body := l.src[begin:l.off]
				p := l.here()
				l.adv()
				return body, l.end(p), true
			}
			l.adv()
		default:
			l.adv()
		}
	}
	l.errorf(open, "unexpected end of file: Lua block opened here is not closed")
	l.fatal = true
	return l.src[begin:], l.end(l.here()), false
}

// longOpen consumes a Lua long bracket "[[" or "[==[" at the current position and returns
// its level; it consumes nothing when there is none.
func (l *lexer) longOpen() (int, bool) {
	if l.off >= len(l.src) || l.src[l.off] != '[' {
		return 0, false
	}
	i := l.off + 1
	for i < len(l.src) && l.src[i] == '=' {
		i++
	}
	if i >= len(l.src) || l.src[i] != '[' {
		return 0, false
	}
	lvl := i - l.off - 1
	for l.off <= i {
		l.adv()
	}
	return lvl, true
}

// longClose consumes up to and including the "]==]" of the given level (or to EOF).
func (l *lexer) longClose(lvl int) {
	for l.off < len(l.src) {
		if l.src[l.off] == ']' {
			i := l.off + 1
			for i < len(l.src) && l.src[i] == '=' {
				i++
			}
			if i < len(l.src) && l.src[i] == ']' && i-l.off-1 == lvl {
				for l.off <= i {
					l.adv()
				}
				return
			}
		}
		l.adv()
	}
}
