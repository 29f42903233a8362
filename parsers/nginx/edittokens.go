package nginx

import (
	"unsafe"

	"github.com/no502/no502/parsers"
)

// blockTokens is what the lexer reads in one block's text that a block edit needs: its
// punctuation (';', '{', '}') and its comments, as byte offsets in the file. The edit
// asks it where the block's '{' is, whether a line holds a comment or other directives,
// instead of scanning bytes for braces, quotes and '#' itself.
type blockTokens struct {
	toks []editToken
}

type editToken struct {
	kind       tokKind
	start, end int
}

// lexBlock lexes the block spanning blk in src. The lexer reads the bytes in place (as
// ParseFile does; src is not changed while it runs): a fix is built per finding, and a
// copy of each block was most of what this cost.
func lexBlock(src []byte, blk parsers.Pos) blockTokens {
	base := blk.Start()
	block := src[base:blk.End()]
	l := newLexer(blk.File, unsafe.String(unsafe.SliceData(block), len(block)))
	bt := blockTokens{toks: make([]editToken, 0, 8)}
	for {
		t := l.next()
		switch t.kind {
		case tEOF:
			return bt
		case tSemi, tOpen, tClose, tComment:
			bt.toks = append(bt.toks, editToken{t.kind, base + int(t.pos.Offset), base + int(t.pos.EndOffset)})
		}
	}
}

// open returns the offset of the block's opening '{', or -1.
func (bt blockTokens) open() int {
	for _, t := range bt.toks {
		if t.kind == tOpen {
			return t.start
		}
	}
	return -1
}

// comment returns the comment that starts in [from, to), or false.
func (bt blockTokens) comment(from, to int) (editToken, bool) {
	for _, t := range bt.toks {
		if t.kind == tComment && t.start >= from && t.start < to {
			return t, true
		}
	}
	return editToken{}, false
}

// crowded reports whether [from, to) holds more than one ';' or a brace outside comments
// and strings: more than one directive, or a block's edge.
func (bt blockTokens) crowded(from, to int) bool {
	semis := 0
	for _, t := range bt.toks {
		if t.start < from || t.start >= to {
			continue
		}
		switch t.kind {
		case tSemi:
			semis++
		case tOpen, tClose:
			return true
		}
	}
	return semis > 1
}
