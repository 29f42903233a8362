package nginx

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/no502/no502/parsers"
)

// collectMaps records the map{} and split_clients{} blocks of an http level by the
// variable they set (lower-cased, without '$'; nginx variable names are
// case-insensitive). The first definition wins, as nginx rejects a second one. A
// split_clients entry (`50% app_a;`, `* app_b;`) has a map entry's shape, a key and one
// value, so mapUpstreams reads its values alike (nginx 1.22.1 on loopback: proxy_pass
// http://$variant with split_clients values naming two upstream{} blocks sent 4 of 8
// requests to each); connectionHeader evaluates only a map whose source it knows, which
// a split_clients string never is.
func collectMaps(http []*Directive, into map[string]*Directive) {
	for _, d := range http {
		if (d.Name == "map" || d.Name == "split_clients") && d.Block != nil && len(d.Args) == 2 {
			name := strings.ToLower(strings.TrimPrefix(d.Arg(1), "$"))
			if into[name] == nil {
				into[name] = d
			}
		}
	}
}

// ordinaryValue is what a variable holds for an ordinary request (a plain GET, no
// WebSocket upgrade), for the variables whose value that is known: $http_upgrade is
// the Upgrade request header, which only an upgrade request sends.
var ordinaryValue = map[string]string{
	"http_upgrade": "",
}

// connectionHeader reads "proxy_set_header Connection value". A literal value is what
// the upstream gets. A variable set by a map{} the model can evaluate is replaced by
// what the map gives for an ordinary request: the common
//
//	map $http_upgrade $connection_upgrade { default upgrade; '' close; }
//
// sends "close" to the upstream for every request that is not a WebSocket upgrade, so
// upstream keep-alive is never used. Any other variable leaves the value unknown: a
// guess would be a finding about a header nobody knows.
func (b *builder) connectionHeader(d *Directive, via string) parsers.Setting[string] {
	v := d.Arg(1)
	if d.templated() {
		return parsers.Setting[string]{Value: v, Pos: d.Pos(), Text: d.Text(), Unknown: true}
	}
	if !strings.Contains(v, "$") {
		return inherited(parsers.Set(v, d.Pos(), d.Text()), via)
	}
	unknown := parsers.Setting[string]{Value: v, Pos: d.Pos(), Text: d.Text(), Unknown: true}
	name := strings.TrimPrefix(v, "$")
	name = strings.TrimSuffix(strings.TrimPrefix(name, "{"), "}")
	if strings.ContainsAny(name, "$ {}") {
		return unknown // several variables or text around one
	}
	m := b.maps[strings.ToLower(name)]
	if m == nil {
		return unknown
	}
	src := strings.ToLower(strings.TrimPrefix(m.Arg(0), "$"))
	in, ok := ordinaryValue[src]
	if !ok {
		return unknown
	}
	out, entry, ok := evalMap(m, in)
	if !ok || strings.Contains(out, "$") {
		return unknown
	}
	shown := `"` + out + `"`
	if out == "" {
		shown = "an empty value (no Connection header)"
	}
	set := inherited(parsers.Set(out, d.Pos(), d.Text()), via)
	note := "map " + m.Arg(0) + " " + m.Arg(1) + " gives " + shown + " for requests without an Upgrade header"
	if set.ViaNote() != "" {
		note = set.ViaNote() + "; " + note
	}
	set.Origin = &parsers.Origin{Via: []parsers.Pos{entry}, Note: note}
	return set
}

// evalMap returns the value map{} m gives when its source is in, following nginx's
// order: an exact string (compared case-insensitively), then the regular expressions in
// the order written, then default (the empty string when there is none). ok is false
// when the map uses what the model does not evaluate: hostnames masks, included
// entries, or a regular expression Go's regexp does not accept (PCRE syntax).
// https://nginx.org/en/docs/http/ngx_http_map_module.html#map
func evalMap(m *Directive, in string) (value string, entry parsers.Pos, ok bool) {
	def, defPos := "", m.NamePos()
	var exact *Directive
	type re struct {
		expr string
		e    *Directive
	}
	var res []re
	for _, e := range m.Block {
		if len(e.Args) != 1 && e.Name != "hostnames" && e.Name != "volatile" {
			return "", parsers.Pos{}, false
		}
		switch e.Name {
		case "default":
			def, defPos = e.Arg(0), e.Pos()
			continue
		case "hostnames", "include":
			return "", parsers.Pos{}, false
		case "volatile":
			continue
		}
		key := e.Name
		switch {
		case strings.HasPrefix(key, "~*"):
			res = append(res, re{"(?i)" + key[2:], e})
		case strings.HasPrefix(key, "~"):
			res = append(res, re{key[1:], e})
		default:
			key = strings.TrimPrefix(key, `\`) // \default, \~ escape a key
			if exact == nil && strings.EqualFold(key, in) {
				exact = e
			}
		}
	}
	if exact != nil {
		return exact.Arg(0), exact.Pos(), true
	}
	for _, r := range res {
		x, err := mapRegexp(r.expr)
		if err != nil {
			return "", parsers.Pos{}, false
		}
		if x.MatchString(in) {
			return r.e.Arg(0), r.e.Pos(), true
		}
	}
	return def, defPos, true
}

// mapRegexps holds the compiled expressions of map entries: a map is evaluated for each
// route that uses its variable, and the same pattern need not be compiled again for each.
// At most maxMapRegexps are kept (hostile configs, a long fuzzing run).
var (
	mapRegexps     sync.Map // expression → regexpResult
	mapRegexpCount atomic.Int64
)

const maxMapRegexps = 4096

type regexpResult struct {
	re  *regexp.Regexp
	err error
}

// mapRegexp compiles expr, once while the cache has room.
func mapRegexp(expr string) (*regexp.Regexp, error) {
	if v, ok := mapRegexps.Load(expr); ok {
		r := v.(regexpResult)
		return r.re, r.err
	}
	re, err := regexp.Compile(expr)
	if mapRegexpCount.Load() < maxMapRegexps {
		if _, loaded := mapRegexps.LoadOrStore(expr, regexpResult{re, err}); !loaded {
			mapRegexpCount.Add(1)
		}
	}
	return re, err
}

// mapUpstreams returns the upstream{} blocks a proxy_pass to a map{}'s variable may
// reach: for proxy_pass http://$backend (a literal scheme, the whole host the variable,
// any URI after it) and map ... $backend { default app1; api.example.com app2; }, the
// upstreams named by the map's values, default included. nginx evaluates the URL per
// request and looks the name up among the upstream{} blocks first (proxy_pass's
// documentation: "the server name is searched among the described server groups"); on
// nginx 1.22.1, on loopback, with no resolver, such a route reached each upstream by
// its Host. A value holding a variable or a port, or naming no upstream{} (a host
// resolved per request), is left out. Nil when the map is not known, or includes
// entries the model does not read (include).
func (b *builder) mapUpstreams(pass *Directive) []*parsers.Backend {
	if pass.templated() {
		return nil
	}
	url := pass.Arg(0)
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || strings.Contains(scheme, "$") || !strings.HasPrefix(rest, "$") {
		return nil
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority = rest[:i]
	}
	name := strings.TrimPrefix(authority, "$")
	if strings.HasPrefix(name, "{") && strings.HasSuffix(name, "}") {
		name = name[1 : len(name)-1]
	}
	if name == "" || strings.IndexFunc(name, func(c rune) bool { return c > 127 || !isVarChar(byte(c)) }) >= 0 {
		return nil // $a$b, $backend:8080, ...
	}
	m := b.maps[strings.ToLower(name)]
	if m == nil {
		return nil
	}
	var out []*parsers.Backend
	for _, e := range m.Block {
		switch {
		case e.Name == "include":
			return nil
		case e.Name == "hostnames" || e.Name == "volatile" || len(e.Args) != 1:
			continue
		}
		v := strings.ToLower(e.Arg(0))
		if v == "" || strings.ContainsAny(v, "$:/") {
			continue
		}
		up := b.upstreams[v]
		if up == nil {
			up = b.allUpstreams[v]
		}
		if up == nil {
			continue
		}
		if be := b.upstream(up); !slices.Contains(out, be) {
			out = append(out, be)
		}
	}
	return out
}
