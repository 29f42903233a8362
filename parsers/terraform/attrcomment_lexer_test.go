package terraform

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/no502/no502/parsers"
)

// lexedComments is AttrComment by the HCL lexer's tokens: the comments alone on their
// lines (a block comment by the line it ends on, the walk going on above the line it
// starts on), walked up from the attribute's line.
func lexedComments(src []byte) func(line int) string {
	own := map[int]string{}
	startOf := map[int]int{} // a block comment's end line -> its start line
	toks, _ := hclsyntax.LexConfig(src, "x.tf", hcl.InitialPos)
	for _, t := range toks {
		if t.Type != hclsyntax.TokenComment {
			continue
		}
		text := strings.TrimSpace(string(t.Bytes))
		block := strings.HasPrefix(text, "/*")
		text = strings.TrimSpace(strings.TrimSuffix(strings.TrimLeft(strings.TrimPrefix(text, "/*"), "#/"), "*/"))
		ls := bytes.LastIndexByte(src[:t.Range.Start.Byte], '\n') + 1
		if len(bytes.TrimSpace(src[ls:t.Range.Start.Byte])) != 0 {
			continue
		}
		if block {
			own[t.Range.End.Line] = text
			startOf[t.Range.End.Line] = t.Range.Start.Line
		} else {
			own[t.Range.Start.Line] = text
		}
	}
	return func(line int) string {
		var parts []string
		for l := line - 1; l > 0; l-- {
			c, ok := own[l]
			if !ok {
				break
			}
			if c != "" {
				parts = append([]string{c}, parts...)
			}
			if s, ok := startOf[l]; ok {
				l = s
			}
		}
		return strings.Join(parts, " ")
	}
}

// TestAttrCommentMatchesLexer holds AttrComment, which reads lines, to the lexer's reading
// for every attribute of every .tf file in the repository's testdata and, when it is
// there, the corpus (heredocs, block comments, '#' in strings).
func TestAttrCommentMatchesLexer(t *testing.T) {
	roots := []string{"testdata", "../../rules/testdata", "../../../shared/corpus/terraform"}
	crafted := []byte("resource \"a\" \"b\" {\n  x = <<EOT\n# not a comment\nEOT\n  # one\n  /* two\n  three */\n  y = 1\n  z = \"# no\"\n  // four\n\n  w = 2\n  v = 3 /* x */\n  u = 4\n}\n")
	files := map[string][]byte{"crafted.tf": crafted}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tf") {
				if src, err := os.ReadFile(p); err == nil {
					files[p] = src
				}
			}
			return nil
		})
	}
	checked := 0
	for name, src := range files {
		file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		f := &parsers.File{Path: name, Src: src}
		lexed := lexedComments(src)
		var walk func(b *hclsyntax.Body)
		walk = func(b *hclsyntax.Body) {
			for _, a := range b.Attributes {
				r := a.SrcRange
				pos := parsers.Pos{File: name, Line: int32(r.Start.Line), Col: int32(r.Start.Column), Offset: int32(r.Start.Byte)}
				if got, want := AttrComment(f, pos), lexed(r.Start.Line); got != want {
					t.Errorf("%s:%d: AttrComment %q, the lexer %q", name, r.Start.Line, got, want)
				}
				checked++
			}
			for _, blk := range b.Blocks {
				walk(blk.Body)
			}
		}
		walk(file.Body.(*hclsyntax.Body))
	}
	if checked < 100 {
		t.Fatalf("only %d attributes checked", checked)
	}
	t.Logf("%d attributes in %d files", checked, len(files))
}
