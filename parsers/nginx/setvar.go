package nginx

import "strings"

// setURL is the URL proxy_pass forwards to when it names a variable that one `set` gives
// a literal value: `set $backend http://app:8000; proxy_pass $backend;` (or
// `set $upstream app; proxy_pass http://$upstream:8000$request_uri;`) forwards to
// app:8000, and nginx looks the host up among the upstream{} blocks first, then through
// the resolver, per request, as for any proxy_pass with variables. Otherwise it is
// proxy_pass's own argument.
//
// The value is the variable's only when exactly one `set` of it is in scope: the rewrite
// module runs the server level's directives, then those of the location that serves the
// request (not of the locations around it), in order, so every `set $backend` at server
// level or in the location, in an if{} or not, counts. The one set must stand directly
// at one of those levels (one in an if{} holds only for the requests the if selects),
// with a value that holds no variable. Left as it is (nothing known) when the variable
// is also a map{}'s, when an include of those levels was not read (other than the nginx
// package's stock files: proxy_params, fastcgi_params...), when proxy_pass itself
// sits in an if{} or limit_except{}, and when the variable is referred to more than
// once.
func setURL(pass *Directive, sc scope, maps map[string]*Directive) string {
	url := pass.Arg(0)
	name, ok := soleVariable(url)
	if !ok || maps[strings.ToLower(name)] != nil || len(sc) == 0 || pass.templated() {
		return url
	}
	inner := len(sc) - 1
	if sc[inner].kind != "location" {
		return url // in if{} or limit_except{}
	}
	server := -1
	for i := inner - 1; i >= 0; i-- {
		if sc[i].kind == "server" {
			server = i
			break
		}
	}
	var sets []*Directive
	direct := 0
	var walk func(ds []*Directive, top bool) bool
	walk = func(ds []*Directive, top bool) bool {
		for _, d := range ds {
			switch {
			case d.Name == "include" && d.Unread() && stockName(d.Arg(0)) == "":
				return false // may set it (the nginx package's stock files set none of a user's variables)
			case d.Name == "set" && strings.EqualFold(strings.TrimPrefix(d.Arg(0), "$"), name) && strings.HasPrefix(d.Arg(0), "$"):
				sets = append(sets, d)
				if top {
					direct++
				}
			case d.Name == "if" && d.Block != nil:
				if !walk(Expand(d.Block), false) {
					return false
				}
			}
		}
		return true
	}
	if !walk(sc[inner].ds, true) || server >= 0 && !walk(sc[server].ds, true) {
		return url
	}
	if len(sets) != 1 || direct != 1 || len(sets[0].Args) != 2 {
		return url
	}
	v := sets[0].Arg(1)
	if v == "" || strings.ContainsAny(v, "$\\") {
		return url
	}
	return substitute(url, name, v)
}

// soleVariable returns the name of the one variable url refers to ($backend, ${backend})
// before its path, when the only other one is the request's URI in the path
// ($request_uri, $uri, $is_args$args come after the authority); ok is false for none,
// or for two in the scheme and authority.
func soleVariable(url string) (string, bool) {
	i := strings.IndexByte(url, '$')
	if i < 0 {
		return "", false
	}
	j := i + 1
	braced := j < len(url) && url[j] == '{'
	if braced {
		j++
	}
	k := j
	for k < len(url) && isVarChar(url[k]) {
		k++
	}
	if k == j || braced && (k >= len(url) || url[k] != '}') {
		return "", false
	}
	name := url[j:k]
	if braced {
		k++
	}
	// The rest may hold variables only in the URI part, which the value does not
	// change: after the first '/' that follows the variable's value.
	rest := url[k:]
	if p := strings.IndexAny(rest, "/?"); p >= 0 {
		rest = rest[:p]
	}
	if d := strings.IndexByte(rest, '$'); d >= 0 && !uriVariable(rest[d:]) {
		return "", false
	}
	if strings.Contains(url[:i], "$") {
		return "", false
	}
	return name, true
}

// uriVariable reports whether s, what follows the variable, starts with a variable that
// holds the request's URI (proxy_pass $backend$request_uri).
func uriVariable(s string) bool {
	for _, v := range []string{"$request_uri", "$uri", "${request_uri}", "${uri}"} {
		if strings.HasPrefix(s, v) && (len(s) == len(v) || !isVarChar(s[len(v)])) {
			return true
		}
	}
	return false
}

// substitute replaces the first reference to variable name in url by v.
func substitute(url, name, v string) string {
	for _, ref := range []string{"${" + name + "}", "$" + name} {
		if i := strings.Index(url, ref); i >= 0 {
			return url[:i] + v + url[i+len(ref):]
		}
	}
	return url
}
