package rules

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
)

func init() { RegisterFixer(parsers.FormatCaddy, fixCaddy) }

// Values the Caddy fixes write. They are starting points a reviewer can tune, chosen so
// that a dead upstream costs little: retry on another upstream for up to 5s (Caddy tries
// every lb_try_interval, 250ms by default, CDY-RP:383-388), take a failing upstream out
// for 30s, drain shutdowns after a 5s delay.
const (
	caddyTryDuration  = 5 * time.Second
	caddyFailDuration = 30 * time.Second
	caddyShutdownWait = 5 * time.Second
)

// fixCaddy writes a rules.Change as a corrected Caddyfile block, indented with tabs as
// `caddy fmt` does, plus the byte edits that apply it.
func fixCaddy(m *parsers.Model, c Change) *Fix {
	switch c.Kind {
	case SetReadTimeout, LowerReadTimeout:
		return fixCaddyReadTimeout(m, c)
	case EnablePassiveHealth:
		return caddyProxyFix(m, backendPos(c), "Take a failing upstream out of rotation for "+parsers.FormatDuration(caddyFailDuration)+" (passive health checks)",
			caddySub{name: "fail_duration", value: parsers.FormatDuration(caddyFailDuration)})
	case EnableRetry:
		if c.Route == nil {
			return nil
		}
		return caddyProxyFix(m, c.Route.Pos, "Retry a failed request on another upstream for up to "+parsers.FormatDuration(caddyTryDuration),
			caddySub{name: "lb_try_duration", value: parsers.FormatDuration(caddyTryDuration)})
	case ProxyHealthCheck:
		return fixCaddyHealth(m, c)
	case AddTarget:
		return fixCaddyAddTarget(m, c)
	case BoundShutdown:
		return fixCaddyShutdown(m, c)
	}
	return nil
}

func backendPos(c Change) parsers.Pos {
	if c.Backend != nil {
		return c.Backend.Pos
	}
	if c.Route != nil {
		return c.Route.Pos
	}
	return parsers.Pos{}
}

// caddySub is one subdirective to set in a reverse_proxy block; transport ones go in
// its `transport http` block.
type caddySub struct {
	name, value string
	transport   bool
	comment     string
}

func (s caddySub) line() string {
	l := s.name + " " + s.value
	if s.comment != "" {
		l += " # " + s.comment
	}
	return l
}

func fixCaddyReadTimeout(m *parsers.Model, c Change) *Fix {
	r := c.Route
	if r == nil || r.Backend == nil {
		return nil
	}
	d := c.Duration
	desc := "Set response_header_timeout " + parsers.FormatDuration(d) + " in the reverse_proxy's transport http block"
	comment := ""
	if c.Kind == LowerReadTimeout {
		// Give up a little before the edge does, so Caddy's 504 (which the app can
		// log and the client can retry) arrives instead of the edge's 524.
		if d > 10*time.Second {
			d -= 5 * time.Second
		}
		desc = "Set response_header_timeout " + parsers.FormatDuration(d) + ", below the edge's " + parsers.Seconds(c.Duration) + " limit, and move longer work to a queue (answer 202 at once)"
		comment = "below the edge's " + parsers.Seconds(c.Duration) + "; queue longer work"
	}
	subs := []caddySub{{name: "response_header_timeout", value: parsers.FormatDuration(d), transport: true, comment: comment}}
	// read_timeout also bounds the wait; raise or lower it with the header timeout.
	if rt := r.ReadTimeout; rt.Explicit() && strings.HasPrefix(rt.Text, "read_timeout") &&
		(c.Kind == SetReadTimeout && rt.Value < d || c.Kind == LowerReadTimeout && rt.Value > d) {
		subs = append(subs, caddySub{name: "read_timeout", value: parsers.FormatDuration(d), transport: true})
	}
	fix := caddyProxyFix(m, r.Pos, desc, subs...)
	if fix != nil && c.Kind == LowerReadTimeout && !(r.ReadTimeout.Explicit() && r.ReadTimeout.Value > c.Duration) {
		// The handler budget itself is above the edge's limit: a shorter timeout alone
		// does not make the route work (the app must queue the work), so the block is
		// shown but not applied.
		fix.snippetOnly()
	}
	return fix
}

// caddyFile re-parses the file holding pos (the model keeps the text, not the tree).
func caddyFile(m *parsers.Model, pos parsers.Pos) (*parsers.File, *caddy.File) {
	f := caddySource(m, pos)
	if f == nil {
		return nil, nil
	}
	caddyCache.Lock()
	defer caddyCache.Unlock()
	if cf, ok := caddyCache.files[f]; ok {
		return f, cf
	}
	// Every fix of a run reads the same few files: parse each once, not once per fix
	// (a 1,000-site Caddyfile otherwise takes minutes). The cache is small and reset when
	// full, so a long-lived process does not keep old runs' files.
	if len(caddyCache.files) >= 16 {
		caddyCache.files = map[*parsers.File]*caddy.File{}
	}
	cf, _ := caddy.ParseFile(f.Path, f.Src)
	caddyCache.files[f] = cf
	return f, cf
}

// caddySource returns the Caddyfile pos is in. A Caddyfile held in a ConfigMap has its
// positions' lines in the YAML file but their offsets in its own text: it is the embedded
// file whose block in that YAML file covers the line. Its fixes edit that text, and
// ResolveEdits moves them into the YAML when a run writes them.
func caddySource(m *parsers.Model, pos parsers.Pos) *parsers.File {
	f := m.File(pos.File)
	if f != nil && f.Format == parsers.FormatCaddy {
		return f
	}
	for _, e := range m.Files {
		emb := e.Embedding
		if emb == nil || e.Format != parsers.FormatCaddy || emb.Host != pos.File {
			continue
		}
		if lines := bytes.Count(e.Src, []byte("\n")) + 1; int(pos.Line) >= emb.Line && int(pos.Line) < emb.Line+lines {
			return e
		}
	}
	return nil
}

var caddyCache = struct {
	sync.Mutex
	files map[*parsers.File]*caddy.File
}{files: map[*parsers.File]*caddy.File{}}

// caddyEdits collects edits to one file and renders the corrected block.
type caddyEdits struct {
	file  string
	src   []byte
	edits []Edit
}

func (e *caddyEdits) add(start, end int, s string) {
	e.edits = append(e.edits, Edit{File: e.file, Start: start, End: end, New: s})
}

func (e *caddyEdits) lineStart(off int) int {
	return bytes.LastIndexByte(e.src[:off], '\n') + 1
}

func (e *caddyEdits) lineEnd(off int) int {
	if i := bytes.IndexByte(e.src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(e.src)
}

func (e *caddyEdits) indent(off int) string {
	ls := e.lineStart(off)
	i := ls
	for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
		i++
	}
	return string(e.src[ls:i])
}

// snippet applies the edits to the lines [start, end) and dedents them.
func (e *caddyEdits) snippet(start, end int) string {
	start, end = e.lineStart(start), e.lineEnd(max(end-1, start))
	base := e.indent(start)
	var local []Edit
	for _, ed := range e.edits {
		if ed.Start >= start && ed.End <= end {
			ed.Start -= start
			ed.End -= start
			local = append(local, ed)
		}
	}
	out := string(ApplyEdits(e.src[start:end], local))
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

// replaceLine rewrites directive d's tokens (indentation and a trailing comment stay).
func (e *caddyEdits) replaceLine(d *caddy.Directive, text string) {
	first, last := d.Tokens[0].Pos.Offset, d.Tokens[len(d.Tokens)-1].Pos.EndOffset
	e.add(int(first), int(last), text)
}

// setInBlock sets subdirectives of block d: an existing line is replaced, a missing one
// goes before the closing brace (or the line becomes a block).
func (e *caddyEdits) setInBlock(d *caddy.Directive, lines []string, find func(string) *caddy.Directive, names []string) {
	var add []string
	for i, l := range lines {
		if sub := find(names[i]); sub != nil && len(sub.Tokens) > 0 {
			e.replaceLine(sub, l)
			continue
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
		// reverse_proxy line, and the body and "}" follow that line.
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

// caddyProxyFix sets subdirectives of the reverse_proxy at pos.
func caddyProxyFix(m *parsers.Model, pos parsers.Pos, desc string, subs ...caddySub) *Fix {
	f, cf := caddyFile(m, pos)
	if cf == nil {
		return nil
	}
	d := cf.At(int(pos.Offset))
	if d == nil || d.Name() != "reverse_proxy" {
		return nil
	}
	e := &caddyEdits{file: f.Path, src: f.Src}
	var top, topNames, tr, trNames []string
	for _, s := range subs {
		if s.transport {
			tr, trNames = append(tr, s.line()), append(trNames, s.name)
		} else {
			top, topNames = append(top, s.line()), append(topNames, s.name)
		}
	}
	transport := d.Find("transport")
	if len(tr) > 0 {
		if transport != nil && transport.HasBlock {
			e.setInBlock(transport, tr, transport.Find, trNames)
		} else if transport == nil {
			top = append(top, "transport http {\n\t"+strings.Join(tr, "\n\t")+"\n}")
			topNames = append(topNames, "\x00transport") // never found: always added
		}
	}
	if len(top) > 0 {
		e.setInBlock(d, top, d.Find, topNames)
	}
	if len(e.edits) == 0 {
		return nil
	}
	end := d.Pos.EndOffset
	return &Fix{Description: desc, Snippet: e.snippet(int(d.Pos.Offset), int(end)), Edits: e.edits}
}

// fixCaddyHealth replaces a `respond` on a health path by a reverse_proxy to the app
// the site already proxies to.
func fixCaddyHealth(m *parsers.Model, c Change) *Fix {
	r := c.Route
	if r == nil || r.Respond == nil {
		return nil
	}
	f, cf := caddyFile(m, r.Pos)
	if cf == nil {
		return nil
	}
	d := cf.At(int(r.Pos.Offset))
	if d == nil || d.Name() != "respond" {
		return nil
	}
	upstreams, guessed := "app:8080", true
	if r.Hop != nil {
		for _, o := range r.Hop.Routes {
			if o.Backend != nil && o.Backend.Name != "" && (upstreams == "app:8080" || o.Path == "/") {
				upstreams, guessed = o.Backend.Name, false
			}
		}
	}
	line := "reverse_proxy "
	if len(d.Tokens) > 1 {
		if t := d.Tokens[1]; !t.Quoted && (strings.HasPrefix(t.Text, "/") || strings.HasPrefix(t.Text, "@") || t.Text == "*") {
			line += t.Raw + " "
		}
	}
	line += upstreams
	desc := "Let the app answer the health check, so it fails when the app cannot serve (" + upstreams + " is the upstream this site already proxies to)"
	e := &caddyEdits{file: f.Path, src: f.Src}
	if d.HasBlock {
		e.add(int(d.Pos.Offset), int(d.Pos.EndOffset), line)
	} else {
		e.replaceLine(d, line)
	}
	fix := &Fix{Description: desc, Snippet: e.snippet(int(d.Pos.Offset), int(d.Pos.EndOffset))}
	if guessed {
		fix.Description = "Let the app answer the health check: replace app:8080 with the app's address"
		return fix
	}
	fix.Edits = e.edits
	return fix
}

// fixCaddyAddTarget shows the reverse_proxy with a second upstream. The address of a
// second instance cannot be known, so the fix is a snippet without edits.
func fixCaddyAddTarget(m *parsers.Model, c Change) *Fix {
	be := c.Backend
	if be == nil || len(be.Targets) == 0 {
		return nil
	}
	f, cf := caddyFile(m, be.Pos)
	if cf == nil {
		return nil
	}
	d := cf.At(int(be.Pos.Offset))
	if d == nil || d.Name() != "reverse_proxy" {
		return nil
	}
	t := be.Targets[len(be.Targets)-1]
	second := "second-instance"
	if !t.IP && !t.Local && t.Host != "" {
		second = t.Host + "-2"
	}
	if t.Port != "" {
		second += ":" + t.Port
	}
	e := &caddyEdits{file: f.Path, src: f.Src}
	e.add(int(t.Pos.EndOffset), int(t.Pos.EndOffset), " "+second)
	if t.Pos.File != d.Pos.File || t.Pos.Offset < d.Pos.Offset || t.Pos.EndOffset > d.Pos.EndOffset {
		return &Fix{Description: "Run a second instance and list it as another upstream"}
	}
	return &Fix{
		Description: fmt.Sprintf("Run a second instance and list it as another upstream (replace %s with its address)", second),
		Snippet:     e.snippet(int(d.Pos.Offset), int(d.Pos.EndOffset)),
	}
}

// caddyGlobal returns the Caddyfile hop h belongs to (the importing file of an imported
// one: only it can hold global options) and its global options block, nil when it has
// none.
func caddyGlobal(m *parsers.Model, h *parsers.Hop) (*parsers.File, *caddy.Directive) {
	f := caddySource(m, h.Pos)
	for seen := 0; f != nil && f.IncludedBy != nil && seen < 100; seen++ {
		f = m.File(f.IncludedBy.File)
	}
	if f == nil {
		return nil, nil
	}
	f, cf := caddyFile(m, parsers.Pos{File: f.Path})
	if cf == nil {
		return nil, nil
	}
	if len(cf.Directives) > 0 && len(cf.Directives[0].Tokens) == 0 && cf.Directives[0].HasBlock {
		return f, cf.Directives[0]
	}
	return f, nil
}

// fixCaddyShutdown sets grace_period and shutdown_delay in the global options block of
// the Caddyfile the hop belongs to (imported files cannot hold global options).
func fixCaddyShutdown(m *parsers.Model, c Change) *Fix {
	h := c.Hop
	if h == nil {
		return nil
	}
	f, global := caddyGlobal(m, h)
	if f == nil {
		return nil
	}
	var lines, names []string
	desc := []string{}
	if !h.ShutdownTimeout.Explicit() || h.ShutdownTimeout.Value == 0 {
		lines, names = append(lines, "grace_period "+parsers.FormatDuration(c.Duration)), append(names, "grace_period")
		desc = append(desc, "stop waiting for in-flight requests after "+parsers.Seconds(c.Duration))
	}
	if !h.ShutdownDelay.Explicit() || h.ShutdownDelay.Value == 0 {
		lines, names = append(lines, "shutdown_delay "+parsers.FormatDuration(caddyShutdownWait)), append(names, "shutdown_delay")
		desc = append(desc, "keep serving for "+parsers.Seconds(caddyShutdownWait)+" after the stop signal while the load balancer takes Caddy out")
	}
	if len(lines) == 0 {
		return nil
	}
	e := &caddyEdits{file: f.Path, src: f.Src}
	description := "Bound Caddy's shutdown: " + strings.Join(desc, "; ")
	if global == nil {
		text := "{\n" + indentLines(strings.Join(lines, "\n"), "\t") + "}\n\n"
		return &Fix{Description: description, Snippet: text, Edits: []Edit{{File: f.Path, Start: 0, End: 0, New: text}}}
	}
	e.setInBlock(global, lines, global.Find, names)
	return &Fix{Description: description, Snippet: e.snippet(int(global.Pos.Offset), int(global.Pos.EndOffset)), Edits: e.edits}
}

// caddyIdleFix sets how long Caddy keeps idle client connections (servers > timeouts >
// idle in the global options): the idle line where one is written, else in the global
// options block, creating the blocks it needs.
func caddyIdleFix(m *parsers.Model, h *parsers.Hop, want time.Duration, note string) *Fix {
	v := parsers.FormatDuration(want)
	desc := "keep idle client connections open " + v + " in Caddy (servers > timeouts > idle)"
	line := "idle " + v + " # " + note
	if idle := h.ClientIdleTimeout; idle.Explicit() {
		if f, cf := caddyFile(m, idle.Pos); cf != nil {
			if d := cf.At(int(idle.Pos.Offset)); d != nil && d.Name() == "idle" {
				e := &caddyEdits{file: f.Path, src: f.Src}
				e.replaceLine(d, line)
				return &Fix{Description: desc, Snippet: e.snippet(int(d.Pos.Offset), int(d.Pos.EndOffset)), Edits: e.edits}
			}
		}
	}
	snippet := "{\n\tservers {\n\t\ttimeouts {\n\t\t\t" + line + "\n\t\t}\n\t}\n}\n"
	f, global := caddyGlobal(m, h)
	if f == nil {
		return &Fix{Description: desc, Snippet: snippet}
	}
	if global == nil {
		text := snippet + "\n"
		return &Fix{Description: desc, Snippet: snippet, Edits: []Edit{{File: f.Path, Start: 0, End: 0, New: text}}}
	}
	e := &caddyEdits{file: f.Path, src: f.Src}
	var servers *caddy.Directive
	for _, d := range global.Block {
		if d.Name() == "servers" && len(d.Args()) == 0 && d.HasBlock {
			servers = d
		}
	}
	if servers == nil {
		e.setInBlock(global, []string{"servers {\n\ttimeouts {\n\t\t" + line + "\n\t}\n}"}, global.Find, []string{"\x00servers"})
	} else if timeouts := servers.Find("timeouts"); timeouts != nil && timeouts.HasBlock {
		e.setInBlock(timeouts, []string{line}, timeouts.Find, []string{"idle"})
	} else {
		e.setInBlock(servers, []string{"timeouts {\n\t" + line + "\n}"}, servers.Find, []string{"\x00timeouts"})
	}
	if len(e.edits) == 0 {
		return &Fix{Description: desc, Snippet: snippet}
	}
	return &Fix{Description: desc, Snippet: e.snippet(int(global.Pos.Offset), int(global.Pos.EndOffset)), Edits: e.edits}
}
