package rules

import (
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
)

// caddyJSONProxyFix is caddyProxyFix for a reverse_proxy handler of Caddy's JSON config:
// the handler object with the settings changed, shown as a snippet and never written
// (docs/decisions.md, "Caddy JSON"). isJSON reports whether pos is in a JSON config at
// all; fix is nil when the change has no JSON form there.
func caddyJSONProxyFix(p *Pass, pos parsers.Pos, desc string, subs ...caddy.Subdirective) (fix *Fix, isJSON bool) {
	f := p.Model.File(pos.File)
	if f == nil || f.Format != parsers.FormatCaddy || !caddy.IsJSONConfig(f.Src) {
		return nil, false
	}
	snippet, ok := caddy.JSONProxySnippet(f.Src, int(pos.Offset), subs...)
	if !ok {
		return nil, true
	}
	fix = &Fix{Description: desc + " (the reverse_proxy handler of the JSON config, as it would read)", Snippet: snippet}
	fix.snippetOnly()
	return fix, true
}
