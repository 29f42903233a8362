package nginx

import (
	"regexp/syntax"
	"strings"
)

// locationAnswersAll returns the directive of a location's own rewrite-phase directives
// that ends every request the location matches before its content handler (proxy_pass,
// fastcgi_pass, ...) runs, or nil:
//
//   - a return outside if (the rewrite phase runs before the content phase, and return
//     stops it: https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return);
//   - a rewrite outside if whose regex matches every URI the location serves, with the
//     flag last, redirect, permanent or none: last (and none, once the rewrite directives
//     are done) searches the locations again with the new URI, redirect and permanent
//     answer 302/301 (nginx 1.22.1 on loopback: `rewrite ^/legacy/(.*)$ /api/$1 last;`
//     before proxy_pass in location /legacy/ served every request from location /api/).
//
// A rewrite ... break or a break before them (at the top or in an if) leaves some
// requests to the content handler, so the location still forwards: nil. prefix is
// what every URI the location serves starts with ("" when not known: a regex or named
// location, where only a rewrite matching every URI counts).
func locationAnswersAll(own []*Directive, prefix string) *Directive {
	for _, d := range own {
		switch d.Name {
		case "return":
			return d
		case "break":
			return nil
		case "rewrite":
			flag := ""
			if len(d.Args) >= 3 {
				flag = d.Arg(len(d.Args) - 1)
			}
			switch flag {
			case "break":
				return nil
			case "", "last", "redirect", "permanent":
				if len(d.Args) >= 2 && matchesEveryURIUnder(d.Arg(0), prefix) {
					return d
				}
			default:
				return nil // not a flag nginx knows: not understood, so not dead
			}
		case "if":
			for _, x := range Expand(d.Block) {
				if x.Name == "break" || x.Name == "rewrite" && x.Arg(len(x.Args)-1) == "break" {
					return nil
				}
			}
		}
	}
	return nil
}

// matchesEveryURIUnder reports whether the regex re matches every URI that starts with
// prefix: its syntax tree, read as nginx's PCRE would for these simple forms, is an
// optional ^, a literal that prefix starts with (or that prefix holds, when not anchored),
// then only .* (captured or not) and an optional $ after one. `^/legacy/(.*)$` under
// /legacy/, `^`, `^(.*)$`, `^/` qualify; `^/legacy/(.+)$` does not (the URI /legacy/
// itself is not matched), nor does any class, alternation or repetition of something
// else. A regex Go cannot parse is not known to match: false.
func matchesEveryURIUnder(re, prefix string) bool {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return false
	}
	parts := []*syntax.Regexp{t}
	if t.Op == syntax.OpConcat {
		parts = t.Sub
	}
	anchored := false
	if len(parts) > 0 && (parts[0].Op == syntax.OpBeginText || parts[0].Op == syntax.OpBeginLine) {
		anchored, parts = true, parts[1:]
	}
	if len(parts) > 0 && parts[0].Op == syntax.OpLiteral {
		lit := string(parts[0].Rune)
		fold := parts[0].Flags&syntax.FoldCase != 0
		switch {
		case anchored && fold && !strings.HasPrefix(strings.ToLower(prefix), strings.ToLower(lit)):
			return false
		case anchored && !fold && !strings.HasPrefix(prefix, lit):
			return false
		case !anchored && !strings.Contains(prefix, lit):
			return false // unanchored, case-folded: the plain test is the stricter one
		}
		parts = parts[1:]
	}
	rest := false
	for i, p := range parts {
		if p.Op == syntax.OpCapture && len(p.Sub) == 1 {
			p = p.Sub[0]
		}
		switch {
		case p.Op == syntax.OpStar && len(p.Sub) == 1 && (p.Sub[0].Op == syntax.OpAnyChar || p.Sub[0].Op == syntax.OpAnyCharNotNL):
			rest = true
		case (p.Op == syntax.OpEndText || p.Op == syntax.OpEndLine) && i == len(parts)-1 && rest:
		case p.Op == syntax.OpEmptyMatch:
		default:
			return false
		}
	}
	return true
}
