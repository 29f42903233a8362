package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
)

// caddyJSONProxyFix is caddyProxyFix for a reverse_proxy handler of Caddy's JSON config:
// the handler object with the settings changed, shown as a snippet and never written
// (docs/decisions.md, "Caddy JSON"). isJSON reports whether pos is in a JSON config at
// all; fix is nil when the change has no JSON form there.
func caddyJSONProxyFix(p *Pass, pos parsers.Pos, desc string, subs ...caddy.Subdirective) (fix *Fix, isJSON bool) {
	f := p.Model.File(pos.File)
	if f == nil || !caddyJSONFact.Of(p)[f] {
		return nil, false
	}
	snippet, ok := caddy.JSONProxySnippet(f.Src, int(pos.Offset), subs...)
	if !ok {
		return nil, true
	}
	fix = &Fix{Description: desc + "; in the JSON config the reverse_proxy handler would read", Snippet: snippet}
	fix.snippetOnly()
	return fix, true
}

// caddyJSONHop reports whether hop h was read from a Caddy JSON config.
func caddyJSONHop(p *Pass, h *parsers.Hop) bool {
	f := p.Model.File(h.Pos.File)
	return h.Kind == parsers.HopCaddy && f != nil && caddyJSONFact.Of(p)[f]
}

// caddyJSONIdleFix is caddyIdleFix for a JSON config: the server's idle_timeout, as a
// snippet.
func caddyJSONIdleFix(p *Pass, h *parsers.Hop, want time.Duration) (*Fix, bool) {
	if !caddyJSONHop(p, h) {
		return nil, false
	}
	v := parsers.FormatDuration(want)
	fix := &Fix{Description: "keep idle client connections open " + v + " in Caddy: idle_timeout of the server in apps.http.servers that serves " + h.Name,
		Snippet: fmt.Sprintf("\"idle_timeout\": %q\n", v)}
	fix.snippetOnly()
	return fix, true
}

// caddyJSONShutdownFix is caddyShutdownFix for a JSON config: grace_period and
// shutdown_delay at the top of apps.http, as a snippet.
func caddyJSONShutdownFix(p *Pass, h *parsers.Hop, plan caddyShutdownPlan) (*Fix, bool) {
	if !caddyJSONHop(p, h) {
		return nil, false
	}
	var lines []string
	if plan.writeGrace {
		lines = append(lines, fmt.Sprintf("\"grace_period\": %q", parsers.FormatDuration(plan.grace)))
	}
	if plan.writeDelay {
		lines = append(lines, fmt.Sprintf("\"shutdown_delay\": %q", parsers.FormatDuration(plan.delay)))
	}
	if len(lines) == 0 {
		return nil, true
	}
	fix := &Fix{Description: "Bound Caddy's shutdown: set these at the top of apps.http",
		Snippet: strings.Join(lines, ",\n") + "\n"}
	fix.snippetOnly()
	return fix, true
}
