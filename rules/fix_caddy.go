package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
)

// Values the Caddy fixes write. They are starting points a reviewer can tune, chosen so
// that a dead upstream costs little: retry on another upstream for up to 5s (Caddy tries
// every lb_try_interval, 250ms by default, CDY-RP:383-388), take a failing upstream out
// for 30s, drain shutdowns after a 5s delay.
const (
	caddyTryDuration  = 5 * time.Second
	caddyFailDuration = 30 * time.Second
	caddyShutdownWait = 5 * time.Second
)

// caddyPassiveHealthFix turns on passive health checks. It is unsafe: with Caddy's
// default max_fails 1, one failed round trip takes an upstream out for fail_duration, a
// request that ran past response_header_timeout included, so a few slow requests or a
// restart of each upstream within fail_duration leave none in rotation (caddy 2.6.2:
// six requests past a 2s timeout, 503 to every request for 30s; docs/decisions.md,
// "Generator review fixes (session 8)").
func caddyPassiveHealthFix(p *Pass, b *parsers.Backend) *Fix {
	fix := caddyProxyFix(p, b.Pos, "Take a failing upstream out of rotation for "+parsers.FormatDuration(caddyFailDuration)+" (passive health checks; with max_fails 1, Caddy's default, one failed or timed-out request takes an upstream out, and upstreams that each fail within "+parsers.FormatDuration(caddyFailDuration)+" leave none: an active check (health_uri) on the app's health endpoint does not mistake a slow request for a dead upstream)",
		caddy.Subdirective{Name: "fail_duration", Value: parsers.FormatDuration(caddyFailDuration)})
	if fix != nil {
		fix.markUnsafe()
	}
	return fix
}

func caddyRetryFix(p *Pass, r *parsers.Route) *Fix {
	if r == nil {
		return nil
	}
	fix := caddyProxyFix(p, r.Pos, "Retry a failed request on another upstream for up to "+parsers.FormatDuration(caddyTryDuration),
		caddy.Subdirective{Name: "lb_try_duration", Value: parsers.FormatDuration(caddyTryDuration)})
	if b := r.Backend; fix != nil && (b == nil || b.Health == nil || !b.Health.Enabled.Known() || !b.Health.Enabled.Value) {
		// Without an active health check, Caddy before the fix of caddy#7546 fails a
		// POST retried after a dial error, and passive health (fail_duration, the
		// dead-upstream fix) then takes the healthy upstream out too: on caddy 2.6.2
		// with one of two upstreams down, 0 of 20 POSTs passed with both fixes, 11
		// with neither (docs/decisions.md, "Corpus label audit (session 8)").
		fix.markUnsafe()
	}
	return fix
}

// caddyReadTimeoutFix sets the timeout that bounds how long the reverse_proxy waits
// (Hop.ReadTimeoutName: read_timeout where it is set and binds, else
// response_header_timeout) to d, or, with lower, to just below the edge's limit d. It
// changes only that setting: the message names no other.
func caddyReadTimeoutFix(p *Pass, h *parsers.Hop, r *parsers.Route, d time.Duration, lower bool) *Fix {
	fcgi := r != nil && r.Pass == "fastcgi"
	if r == nil || r.Backend == nil && !fcgi {
		return nil
	}
	name := h.ReadTimeoutName(r)
	edge := d
	where := "in the reverse_proxy's transport block"
	if name == "response_header_timeout" {
		where = "in the reverse_proxy's transport http block"
	}
	transport := true
	if fcgi {
		// A FastCGI pass: php_fastcgi takes read_timeout as its own subdirective (it
		// refuses a transport block: "transport already specified"); a reverse_proxy
		// with the fastcgi transport takes it in that block.
		where = "in the reverse_proxy's transport fastcgi block"
		if _, cf := p.caddyFile(r.Pos); cf != nil {
			if pd := cf.At(int(r.Pos.Offset)); pd != nil && pd.Name() == "php_fastcgi" {
				where, transport = "in the php_fastcgi block", false
			}
		}
	}
	desc := "Set " + name + " " + parsers.FormatDuration(d) + " " + where
	comment := ""
	if lower {
		// Give up a little before the edge does, so Caddy's 504 (which the app can
		// log and the client can retry) arrives instead of the edge's 524.
		if d > 10*time.Second {
			d -= 5 * time.Second
		}
		desc = "Set " + name + " " + parsers.FormatDuration(d) + ", below the edge's " + parsers.Seconds(edge) + " limit, and move longer work to a queue (answer 202 at once)"
		comment = "below the edge's " + parsers.Seconds(edge) + "; queue longer work"
	}
	fix := caddyProxyFix(p, r.Pos, desc, caddy.Subdirective{Name: name, Value: parsers.FormatDuration(d), Transport: transport, Comment: comment})
	if fix != nil && !lower && name == "read_timeout" {
		// Caddy waits for the shorter of the two: a response_header_timeout also set
		// below d still cuts the request off once read_timeout is raised.
		if rh := caddyTransportSetting(p, r, "response_header_timeout"); rh > 0 && rh < d {
			fix.guess("response_header_timeout " + parsers.FormatDuration(rh) + " is set too and is below " + parsers.FormatDuration(d) + ": raise it as well")
		}
	}
	if fix != nil && lower && !(r.ReadTimeout.Explicit() && r.ReadTimeout.Value > edge) {
		// The handler budget itself is above the edge's limit: a shorter timeout alone
		// does not make the route work (the app must queue the work), so the block is
		// shown but not applied.
		fix.snippetOnly()
	}
	return fix
}

// caddyTransportSetting is the duration set by subdirective name of the transport
// block of the reverse_proxy of route r, 0 when it is not set or cannot be found.
func caddyTransportSetting(p *Pass, r *parsers.Route, name string) time.Duration {
	_, cf := p.caddyFile(r.Pos)
	if cf == nil {
		return 0
	}
	d := cf.At(int(r.Pos.Offset))
	if d == nil || d.Name() != "reverse_proxy" {
		return 0
	}
	_, t, why := caddyTransport(p, cf, d)
	if t == nil || why != "" {
		return 0
	}
	var v time.Duration
	for _, x := range t.Block {
		if x.Name() == name {
			v, _ = caddy.ParseDuration(x.Arg(0))
		}
	}
	return v
}

// names lists the subdirectives' names.
func names(subs []caddy.Subdirective) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.Name
	}
	return out
}

// caddyProxyFix sets subdirectives of the reverse_proxy at pos. Transport ones go in the
// transport block the reverse_proxy uses, where it is written: Caddy keeps only the last
// `transport` of a reverse_proxy, so a second block added beside one a snippet imports
// would drop that one's settings (tls, dial_timeout).
func caddyProxyFix(p *Pass, pos parsers.Pos, desc string, subs ...caddy.Subdirective) *Fix {
	if fix, isJSON := caddyJSONProxyFix(p, pos, desc, subs...); isJSON {
		return fix // Caddy's JSON config: a snippet, no edits (fix_caddyjson.go)
	}
	_, cf := p.caddyFile(pos)
	if cf == nil {
		return nil
	}
	d := cf.At(int(pos.Offset))
	if d == nil || d.Name() != "reverse_proxy" && !(d.Name() == "php_fastcgi" && !transportSubs(subs)) {
		return nil
	}
	var top, tr []caddy.Subdirective
	for _, s := range subs {
		if s.Transport {
			tr = append(tr, s)
		} else {
			top = append(top, s)
		}
	}
	e := cf.Edit()
	var te *caddy.Editor // the editor of a transport block written in another file
	var shown, shared string
	rest := subs // what SetProxy writes in d's own block
	if len(tr) > 0 {
		tf, t, why := caddyTransport(p, cf, d)
		switch {
		case why != "":
			return (&Fix{Description: desc, Snippet: d.Text() + "\n"}).guess(why)
		case t != nil && !caddy.TransportAccepts(t.Arg(0), names(tr)...):
			return (&Fix{Description: desc, Snippet: d.Text() + "\n"}).guess("its transport is " + t.Arg(0) + ", which has no such setting")
		case t != nil && !isChild(d, t):
			ed := e
			if tf != cf {
				te = tf.Edit()
				ed = te
			}
			ed.SetIn(t, tr...)
			shown = ed.Snippet(t)
			if name := tf.SnippetOf(t); name != "" {
				shown = fmt.Sprintf("# in the snippet (%s), %s:%d\n", name, tf.Path, t.Pos.Line) + shown
				if n := caddyImportCount(p, tf, name); n > 1 {
					shared = fmt.Sprintf("its transport http block is in the snippet (%s), imported %d times; changing it changes every site that imports it", name, n)
				}
			}
			rest = top
		}
	}
	if len(rest) > 0 && !e.SetProxy(d, rest...) {
		return (&Fix{Description: desc, Snippet: d.Text() + "\n"}).guess("its transport is " + d.Find("transport").Arg(0) + ", which has no such setting")
	}
	edits := e.Edits()
	if te != nil {
		edits = append(edits, te.Edits()...)
	}
	if len(edits) == 0 {
		return nil
	}
	snippet := shown
	if len(rest) > 0 || shown == "" {
		snippet = e.Snippet(d) + shown
	}
	fix := &Fix{Description: desc, Snippet: snippet, Edits: edits}
	for _, s := range subs {
		fix.sets = append(fix.sets, s.Name)
	}
	for _, ed := range edits {
		// A value that is a snippet's argument ({args[1]}) is given where the snippet
		// is imported (where the finding points): written over, the import's argument
		// would be left dead, and every importer would get this value.
		if f := p.Model.File(ed.File); f != nil && ed.End <= len(f.Src) && strings.Contains(string(f.Src[ed.Start:ed.End]), "{args") {
			return fix.guess("the value it replaces is the snippet's " + argsPlaceholder(string(f.Src[ed.Start:ed.End])) + ", given where the snippet is imported: change it there")
		}
	}
	if name := cf.SnippetOf(d); name != "" {
		if n := caddyImportCount(p, cf, name); n > 1 {
			// A snippet used by several sites: changing it changes them all, and a
			// reverse_proxy cannot be overridden at one import. Imported several times
			// by one site (mastodon's dist/Caddyfile: one snippet in four handle
			// blocks), it changes each of those routes.
			routes, sites := caddyImports(p, d.NameTok().Pos)
			if shared == "" && te == nil && routes == n {
				fix.shareAmong(n, "the snippet ("+name+")")
			}
			if len(sites) == 1 {
				return fix.guess(fmt.Sprintf("this "+d.Name()+" is in the snippet (%s), imported %d times by %s; changing it changes every route that imports it", name, n, sites[0]))
			} else if len(sites) > 1 {
				return fix.guess(fmt.Sprintf("this "+d.Name()+" is in the snippet (%s), imported %d times (by %s); changing it changes every site that imports it", name, n, strings.Join(sites, ", ")))
			}
			return fix.guess(fmt.Sprintf("this "+d.Name()+" is in a snippet imported %d times; changing it changes every site that imports it", n))
		}
	}
	if shared != "" {
		return fix.guess(shared)
	}
	if n, sites := caddyImports(p, d.NameTok().Pos); n > 1 {
		// A file of directives imported by several sites (import common/*.caddy) is
		// spliced into each: an edit there changes them all, as a shared snippet's does.
		if shared == "" && te == nil {
			fix.shareAmong(n, d.Pos.File)
		}
		return fix.guess(fmt.Sprintf("this "+d.Name()+" is in %s, imported %d times (by %s); changing it changes every site that imports it", d.Pos.File, n, strings.Join(sites, ", ")))
	}
	return fix
}

// transportSubs reports whether any of subs goes in a transport block.
func transportSubs(subs []caddy.Subdirective) bool {
	return slices.ContainsFunc(subs, func(s caddy.Subdirective) bool { return s.Transport })
}

// caddyImports counts the routes the directive (reverse_proxy, respond) whose name is at
// pos makes (one per import of the file or snippet it is written in) and names their
// sites (caddyRoutesByPosFact).
func caddyImports(p *Pass, pos parsers.Pos) (n int, sites []string) {
	u := caddyRoutesByPosFact.Of(p)[caddyRouteKey{pos.File, pos.Offset}]
	return u.n, u.sites
}

type caddyRouteKey struct {
	file   string
	offset int32
}

type caddyRouteUses struct {
	n     int
	sites []string
}

// caddyRoutesByPosFact: the Caddy routes by the position of the directive that makes
// them, with their sites. Indexed once per run: every Caddy fix asks, and a scan of
// every route for each made 1,000 sites quadratic.
var caddyRoutesByPosFact = &Fact[map[caddyRouteKey]caddyRouteUses]{
	Name: "the Caddy routes each directive makes",
	Compute: func(p *Pass) map[caddyRouteKey]caddyRouteUses {
		out := map[caddyRouteKey]caddyRouteUses{}
		for _, h := range p.Model.Hops {
			if h.Kind != parsers.HopCaddy {
				continue
			}
			for _, r := range h.Routes {
				k := caddyRouteKey{r.Pos.File, r.Pos.Offset}
				u := out[k]
				u.n++
				if !slices.Contains(u.sites, h.Name) {
					u.sites = append(u.sites, h.Name)
				}
				out[k] = u
			}
		}
		return out
	},
}

// argsPlaceholder returns the first {args...} placeholder in s.
func argsPlaceholder(s string) string {
	i := strings.Index(s, "{args")
	j := strings.IndexByte(s[i:], '}')
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j+1]
}

// isChild reports whether c is written directly in d's block.
func isChild(d, c *caddy.Directive) bool {
	for _, x := range d.Block {
		if x == c {
			return true
		}
	}
	return false
}

// caddyTransport finds the `transport` directive the reverse_proxy d of cf uses, following
// its imports of snippets: the last one in the order Caddy reads them (Caddy keeps only
// the last), and the file it is written in; t is nil when there is none. why says why it
// cannot be known (an import of a file, or of a snippet no file of the config defines,
// or one that imports another): a fix must then not add a transport block.
func caddyTransport(p *Pass, cf *caddy.File, d *caddy.Directive) (tf *caddy.File, t *caddy.Directive, why string) {
	for _, x := range d.Block {
		switch x.Name() {
		case "transport":
			tf, t = cf, x
		case "import":
			sf, snip := caddySnippet(p, cf, x.Arg(0))
			if snip == nil {
				return nil, nil, fmt.Sprintf("the reverse_proxy imports %s, which may set its transport, and a second transport block would replace that one", x.Arg(0))
			}
			for _, y := range snip.Block {
				switch y.Name() {
				case "transport":
					tf, t = sf, y
				case "import", "{block}":
					return nil, nil, fmt.Sprintf("the snippet (%s) the reverse_proxy imports imports more, which may set its transport, and a second transport block would replace that one", x.Arg(0))
				}
			}
		}
	}
	return tf, t, ""
}

// caddyConfigFiles returns the trees of the Caddyfiles of the config the file at path
// belongs to: its root Caddyfile and every file imported into it.
func caddyConfigFiles(p *Pass, path string) []*caddy.File {
	root := rootFile(p.Model, path)
	var out []*caddy.File
	for _, f := range p.Model.Files {
		if f.Format != parsers.FormatCaddy || rootFile(p.Model, f.Path) != root {
			continue
		}
		if _, cf := p.caddyFile(parsers.Pos{File: f.Path}); cf != nil {
			out = append(out, cf)
		}
	}
	return out
}

// caddySnippet finds the definition of snippet name in the config cf belongs to.
func caddySnippet(p *Pass, cf *caddy.File, name string) (*caddy.File, *caddy.Directive) {
	if d := cf.Snippet(name); d != nil {
		return cf, d
	}
	for _, f := range caddyConfigFiles(p, cf.Path) {
		if d := f.Snippet(name); d != nil {
			return f, d
		}
	}
	return nil, nil
}

// caddyImportCount counts the imports of snippet name in every file of the config cf
// belongs to (sites in separate files importing one snippet share it as much as sites
// in one file do).
func caddyImportCount(p *Pass, cf *caddy.File, name string) int {
	n := 0
	for _, f := range caddyConfigFiles(p, cf.Path) {
		n += f.ImportsOf(name)
	}
	return n
}

// caddyPoolIdleFix sets how long the reverse_proxy of be keeps idle connections.
func caddyPoolIdleFix(p *Pass, be *parsers.Backend, want time.Duration, note string) *Fix {
	desc := "set keepalive " + parsers.FormatDuration(want) + " in the reverse_proxy's transport http block"
	if fix := caddyProxyFix(p, be.Pos, desc, caddy.Subdirective{Name: "keepalive", Value: parsers.FormatDuration(want), Transport: true, Comment: note}); fix != nil {
		return fix
	}
	return &Fix{Description: desc,
		Snippet: fmt.Sprintf("reverse_proxy %s {\n\ttransport http {\n\t\tkeepalive %s # %s\n\t}\n}\n", be.Name, parsers.FormatDuration(want), note)}
}

// caddyHealthProxyFix replaces a `respond` on a health path by a reverse_proxy to the app
// the site already proxies to.
func caddyHealthProxyFix(p *Pass, r *parsers.Route) *Fix {
	if r == nil || r.Respond == nil {
		return nil
	}
	_, cf := p.caddyFile(r.Pos)
	if cf == nil {
		return nil
	}
	d := cf.At(int(r.Pos.Offset))
	if d == nil || d.Name() != "respond" {
		return nil
	}
	for _, a := range cf.Ancestors(d) {
		if a.Name() == "handle_path" {
			// handle_path strips its prefix: the app would be asked for "/", not the
			// health path.
			e := cf.Edit()
			e.Replace(d, "reverse_proxy APP_ADDRESS")
			return (&Fix{Description: "Let the app answer the health check", Snippet: e.Snippet(d)}).
				guess("handle_path strips " + a.Arg(0) + " from the path: use handle and reverse_proxy to the app's health endpoint")
		}
	}
	if n, sites := caddyImports(p, r.Pos); n > 1 {
		// The respond is in a snippet or file several sites import: this site's upstreams
		// written there would also answer the others' health path (their apps unchecked).
		e := cf.Edit()
		e.Replace(d, "reverse_proxy APP_ADDRESS")
		return (&Fix{Description: "Let the app answer the health check", Snippet: e.Snippet(d)}).
			guess(fmt.Sprintf("the respond is in %s, imported %d times (by %s), and each site's health path must go to its own app: forward it to the app in each site", d.Pos.File, n, strings.Join(sites, ", ")))
	}
	upstreams, guessed := "app:8080", true
	from, several := caddyHealthTarget(r) // the route whose upstreams the health path goes to
	if from != nil {
		upstreams, guessed = from.Backend.Name, false
	} else if several != "" {
		e := cf.Edit()
		e.Replace(d, "reverse_proxy APP_ADDRESS")
		return (&Fix{Description: "Let the app answer the health check", Snippet: e.Snippet(d)}).
			guess("the site proxies to several apps (" + several + ") and none serves " + r.Path + " by itself: which one the health check should ask is yours to pick")
	}
	// The new reverse_proxy reaches the upstreams as the site's does: with its transport
	// (tls to an HTTPS backend), copied as written.
	transport, why := "", ""
	if from != nil {
		if _, scf := p.caddyFile(from.Pos); scf != nil {
			if sd := scf.At(int(from.Pos.Offset)); sd != nil && sd.Name() == "reverse_proxy" {
				tf, t, w := caddyTransport(p, scf, sd)
				why = w
				if t != nil && why == "" {
					transport = tf.Source(t)
					if strings.Contains(transport, "{args") || strings.Contains(transport, "{block}") {
						why = "the upstream's transport takes the arguments of the snippet it is in"
					}
				}
			} else {
				why = "the upstream's reverse_proxy could not be read"
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
	if transport != "" {
		line += " {\n\t" + strings.ReplaceAll(transport, "\n", "\n\t") + "\n}"
		desc += ", with its transport"
	}
	e := cf.Edit()
	e.ReplaceIndented(d, line)
	fix := &Fix{Description: desc, Snippet: e.Snippet(d), sets: []string{"reverse_proxy"}}
	if guessed {
		fix.Description = "Let the app answer the health check: replace app:8080 with the app's address"
		return fix
	}
	if why != "" {
		return fix.guess(why)
	}
	fix.Edits = e.Edits()
	return fix.markUnsafe() // the health check starts to depend on the app
}

// caddyHealthTarget picks the route of r's site whose upstreams the health path r answers
// should be forwarded to: the one the site proxies by, or, when it proxies to several
// apps, the prefix route that would serve r's path without r (the longest covering it),
// when no regex route could take it. Else it is nil and several lists the apps.
func caddyHealthTarget(r *parsers.Route) (from *parsers.Route, several string) {
	if r.Hop == nil {
		return nil, ""
	}
	return servingTarget(r.Hop, r, func(o *parsers.Route) (string, bool) {
		return o.Backend.Name, o.Backend.Name != ""
	})
}

// caddyAddTargetFix shows the reverse_proxy with a second upstream. The address of a
// second instance cannot be known, so the fix is a snippet without edits.
func caddyAddTargetFix(p *Pass, be *parsers.Backend) *Fix {
	if be == nil || len(be.Targets) == 0 {
		return nil
	}
	_, cf := p.caddyFile(be.Pos)
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
	e := cf.Edit()
	e.InsertAfter(t.Pos, " "+second)
	if t.Pos.File != d.Pos.File || t.Pos.Offset < d.Pos.Offset || t.Pos.EndOffset > d.Pos.EndOffset {
		// The upstream is written elsewhere: an import's argument, a `to` line of
		// another snippet. No edit here can add the second one.
		return &Fix{Description: fmt.Sprintf("Run a second instance and list it as another upstream where %s is written (%s)", t.Address, t.Pos.Short())}
	}
	return &Fix{
		Description: fmt.Sprintf("Run a second instance and list it as another upstream (replace %s with its address)", second),
		Snippet:     e.Snippet(d),
	}
}

// caddyGlobal returns the Caddyfile hop h belongs to (the importing file of an imported
// one: only it can hold global options), its tree, and its global options block (nil
// when it has none).
func caddyGlobal(p *Pass, h *parsers.Hop) (*caddy.File, *caddy.Directive) {
	f := p.Model.File(h.Pos.File)
	for seen := 0; f != nil && f.IncludedBy != nil && seen < 100; seen++ {
		f = p.Model.File(f.IncludedBy.File)
	}
	if f == nil {
		return nil, nil
	}
	_, cf := p.caddyFile(parsers.Pos{File: f.Path})
	if cf == nil {
		return nil, nil
	}
	return cf, cf.GlobalOptions()
}

// caddyShutdownFix sets grace_period and shutdown_delay, as plan says, in the global
// options block of the Caddyfile the hop belongs to (imported files cannot hold global
// options).
func caddyShutdownFix(p *Pass, h *parsers.Hop, plan caddyShutdownPlan) *Fix {
	if h == nil {
		return nil
	}
	if fix, isJSON := caddyJSONShutdownFix(p, h, plan); isJSON {
		return fix // Caddy's JSON config: a snippet, no edits (fix_caddyjson.go)
	}
	cf, global := caddyGlobal(p, h)
	if cf == nil {
		return nil
	}
	var lines []string
	desc := []string{}
	if plan.writeGrace {
		lines = append(lines, "grace_period "+parsers.FormatDuration(plan.grace))
		desc = append(desc, "stop waiting for in-flight requests after "+parsers.Seconds(plan.grace))
	}
	if plan.writeDelay {
		lines = append(lines, "shutdown_delay "+parsers.FormatDuration(plan.delay))
		desc = append(desc, "keep serving for "+parsers.Seconds(plan.delay)+" after the stop signal while the load balancer takes Caddy out")
	}
	if len(lines) == 0 {
		return nil
	}
	description := "Bound Caddy's shutdown: " + strings.Join(desc, "; ")
	if global == nil {
		text := "{\n" + caddy.IndentLines(strings.Join(lines, "\n")) + "}\n\n"
		e := cf.Edit()
		e.InsertGlobalOptions(text)
		return &Fix{Description: description, Snippet: text, Edits: e.Edits(), sets: []string{"grace_period", "shutdown_delay"}}
	}
	e := cf.Edit()
	e.Set(global, lines...)
	return &Fix{Description: description, Snippet: e.Snippet(global), Edits: e.Edits(), sets: []string{"grace_period", "shutdown_delay"}}
}

// caddyIdleFix sets how long Caddy keeps idle client connections (servers > timeouts >
// idle in the global options): the idle line where one is written, else in the global
// options block, creating the blocks it needs.
func caddyIdleFix(p *Pass, h *parsers.Hop, want time.Duration, note string) *Fix {
	if fix, isJSON := caddyJSONIdleFix(p, h, want); isJSON {
		return fix // Caddy's JSON config: a snippet, no edits (fix_caddyjson.go)
	}
	v := parsers.FormatDuration(want)
	desc := "keep idle client connections open " + v + " in Caddy (servers > timeouts > idle)"
	line := "idle " + v + " # " + note
	if idle := h.ClientIdleTimeout; idle.Explicit() {
		if _, cf := p.caddyFile(idle.Pos); cf != nil {
			if d := cf.At(int(idle.Pos.Offset)); d != nil && d.Name() == "idle" {
				e := cf.Edit()
				e.Replace(d, line)
				return &Fix{Description: desc, Snippet: e.Snippet(d), Edits: e.Edits(), sets: []string{"idle"}}
			}
		}
	}
	snippet := "{\n\tservers {\n\t\ttimeouts {\n\t\t\t" + line + "\n\t\t}\n\t}\n}\n"
	cf, global := caddyGlobal(p, h)
	if cf == nil {
		return &Fix{Description: desc, Snippet: snippet}
	}
	if global == nil {
		e := cf.Edit()
		e.InsertGlobalOptions(snippet + "\n")
		return &Fix{Description: desc, Snippet: snippet, Edits: e.Edits(), sets: []string{"idle"}}
	}
	e := cf.Edit()
	e.SetServerTimeout(global, "idle", line)
	if len(e.Edits()) == 0 {
		return &Fix{Description: desc, Snippet: snippet}
	}
	return &Fix{Description: desc, Snippet: e.Snippet(global), Edits: e.Edits(), sets: []string{"idle"}}
}
