package nginx

import (
	"strings"
	"sync"
)

// A large nginx.conf (an ingress controller's, with thousands of server{} blocks) is one
// file, and parsing it alone would leave every other CPU idle. parseChunks cuts the text
// at line starts into one part per CPU, parses the parts at the same time, and joins the
// trees. A part cannot know what encloses it, so it is parsed as a list of directives at
// its own outermost level, recording each '}' that closes a block opened earlier; the
// merge replays those against the blocks still open where the previous part ended.
//
// The guess can be wrong: a cut may fall inside a quoted string, a Lua block or a
// directive whose arguments span lines. The merge checks that every part ended exactly
// between two directives and that nothing in the file is an error, and otherwise gives
// up, and ParseFile parses the file in one piece: the result is always the tree a
// sequential parse makes (FuzzParse compares the two), and any error is reported
// by the sequential parser.

// chunkedFrom is the file size from which ParseFile tries parsing in parts.
const chunkedFrom = 1 << 20

// chunkOp is what happened at a part's outermost level: dir was added, or a '}' at
// [at, end) closed the innermost block still open from earlier parts.
type chunkOp struct {
	dir     *Directive
	close   bool
	at, end int32
}

// parseChunks parses cfg.text in up to n parts at once and fills cfg. It reports false,
// leaving cfg's tree empty, when the parts do not join into a clean parse.
func parseChunks(cfg *Config, maxDepth, maxDirectives, n int) bool {
	cuts := chunkCuts(cfg.text, n)
	if len(cuts) < 3 {
		return false
	}
	parts := make([]*parser, len(cuts)-1)
	var wg sync.WaitGroup
	for i := range parts {
		start, end := cuts[i], cuts[i+1]
		lx := newLexer(cfg.Path, cfg.text)
		lx.notUTF8 = cfg.notUTF8
		if i > 0 {
			// A part starts at a line start, column 1.
			lx.off = start
			line, _ := cfg.lineCol(int32(start))
			lx.line = int(line)
		}
		lx.limit = end
		parts[i] = &parser{lx: lx, cfg: cfg, maxDepth: maxDepth, maxDirectives: maxDirectives, chunked: true}
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i].run()
		}()
	}
	wg.Wait()
	return joinChunks(cfg, parts, cuts, maxDepth)
}

// chunkCuts returns the offsets where the parts start, with len(text) last. Each cut is
// a line start after a line ending in ';', '{' or '}' when one is near the even split,
// which is where a cut is most likely to fall between directives.
func chunkCuts(text string, n int) []int {
	cuts := []int{0}
	for i := 1; i < n; i++ {
		at := i * len(text) / n
		cut := -1
		for tries := 0; tries < 1000 && at < len(text); tries++ {
			j := strings.IndexByte(text[at:], '\n')
			if j < 0 {
				break
			}
			at += j + 1
			if cut < 0 {
				cut = at
			}
			if k := strings.TrimRight(text[:at-1], " \t\r"); k != "" && strings.IndexByte(";{}", k[len(k)-1]) >= 0 {
				cut = at
				break
			}
		}
		if cut > cuts[len(cuts)-1] && cut < len(text) {
			cuts = append(cuts, cut)
		}
	}
	return append(cuts, len(text))
}

// joinChunks checks the parts and joins their trees into cfg, in order.
func joinChunks(cfg *Config, parts []*parser, cuts []int, maxDepth int) bool {
	type openBlock struct {
		dir  *Directive
		kids []*Directive
	}
	var open []openBlock
	var top []*Directive
	count := 0
	var values map[int32]string
	for i, p := range parts {
		if len(p.diags) > 0 || len(p.lx.diags) > 0 || p.lx.fatal || p.pending != nil || p.tokEnd > cuts[i+1] {
			return false
		}
		if count += p.count; count > p.maxDirectives || len(open)+p.deepest > maxDepth {
			return false
		}
		for _, op := range p.ops {
			switch {
			case op.close && len(open) == 0:
				return false
			case op.close:
				b := open[len(open)-1]
				open = open[:len(open)-1]
				b.dir.Block, b.dir.end = b.kids, op.end
				if b.dir.Block == nil {
					b.dir.Block = []*Directive{}
				}
			case len(open) == 0:
				top = append(top, op.dir)
			default:
				open[len(open)-1].kids = append(open[len(open)-1].kids, op.dir)
			}
		}
		// Blocks this part opened and did not close continue into the next part.
		for j, f := range p.stack {
			to := len(p.kids)
			if j+1 < len(p.stack) {
				to = p.stack[j+1].from
			}
			open = append(open, openBlock{dir: f.dir, kids: append([]*Directive(nil), p.kids[f.from:to]...)})
		}
		for off, v := range p.values {
			if values == nil {
				values = map[int32]string{}
			}
			values[off] = v
		}
	}
	if len(open) > 0 {
		return false // unclosed at the end of the file: the sequential parse says so
	}
	cfg.Directives = top
	for _, p := range parts {
		cfg.Comments = append(cfg.Comments, p.comments...)
	}
	cfg.values = values
	return true
}
