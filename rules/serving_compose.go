package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/compose"
)

// Helpers of the Docker Compose checks (rules/*_compose.go). A Compose check that has
// the same concern as a Kubernetes rule runs under that rule's ID (alsoCompose); the
// concerns Kubernetes does not have (stop_signal, depends_on) are rules of their own.

// alsoCompose extends rule r with its Compose check: run (if any) runs after the rule's
// own, summary is added to its one-line summary, doc is the Compose section of its page
// (inserted before "## Sources"), and sources are appended to its sources. The rule
// files of the other formats stay as they are.
func alsoCompose(r *Rule, run func(*Pass), summary, doc, sources string) {
	alsoFormat(r, parsers.FormatCompose, "Compose", "Docker Compose", run, summary, doc, sources)
}

// alsoFormat extends rule r with its check of another format, as alsoCompose does:
// short names the format in the summary, title heads its section of the page.
func alsoFormat(r *Rule, format, short, title string, run func(*Pass), summary, doc, sources string) {
	if run != nil {
		prev := r.Run
		r.Run = func(p *Pass) {
			prev(p)
			run(p)
		}
	}
	if summary != "" {
		r.Summary += "; " + short + ": " + summary
	}
	if !contains(r.Formats, format) {
		r.Formats = append(r.Formats, format)
	}
	section := "\n## " + title + "\n\n" + strings.TrimSpace(doc) + "\n"
	if i := strings.Index(r.Doc, "\n## Sources"); i >= 0 {
		r.Doc = r.Doc[:i] + section + r.Doc[i:]
	} else {
		r.Doc += section
	}
	r.Doc = strings.TrimRight(r.Doc, "\n") + "\n" + strings.TrimLeft(sources, "\n")
}

func init() {
	// The cross-layer rules compare a proxy with the app servers behind it, whatever runs
	// them: a Compose service linked as an upstream is compared as it is, with the app
	// server detected from its command, entrypoint and environment.
	const crossLayer = `
A Compose service that an nginx or Caddy config names as its upstream (the config
bind-mounted into another service of the same project, the upstream written as the
service name, ` + "`app:8000`" + `) is compared the same way: its app server is detected from its
` + "`command`" + `, ` + "`entrypoint`" + ` and ` + "`environment`" + ` (` + "`GUNICORN_CMD_ARGS`" + `...) as for a Kubernetes container.
A service built from a local context (` + "`build: ./app`" + `) may be configured by what the image
copies from it, which no502 does not read: a ` + "`gunicorn.conf.py`" + ` (gunicorn reads it from its
working directory without ` + "`-c`" + `), Puma's ` + "`config/puma.rb`" + `, the Dockerfile's ` + "`ENV`" + `
(` + "`GUNICORN_CMD_ARGS`" + `, ` + "`UVICORN_*`" + `), a Node app on Fastify (keepAliveTimeout 72s) or one
whose code sets ` + "`keepAliveTimeout`" + `. Then the values those may set are unknown, and nothing
is reported about them; a value on the command line still counts. A variable among the
server's arguments (` + "`$${GUNICORN_EXTRA}`" + `, ` + "`\"$@\"`" + `) may hold any flag: only the flags after
it count.
`
	for _, r := range []*Rule{keepaliveRace, appTimeoutExceedsProxy} {
		alsoCompose(r, nil, "", crossLayer, "")
	}
}

// composeSources are the sources every Compose section cites.
const composeSources = `- Docker Compose defaults (stop_grace_period 10s, stop_signal SIGTERM or the image's
  STOPSIGNAL, 1 replica, healthcheck 30s/30s/3): Compose specification,
  https://github.com/compose-spec/compose-spec/blob/main/spec.md;
  https://docs.docker.com/reference/compose-file/services/;
  https://docs.docker.com/reference/cli/docker/container/stop/;
  https://docs.docker.com/reference/dockerfile/#healthcheck
`

// composeWorkloads returns the Compose services that a proxy of the linted configs
// forwards requests to (the link step marks them Served). Nothing else can make a proxy
// answer 502: a database, a worker or a one-shot job that nothing forwards to gets no
// finding, and neither does a datastore image (redis, postgres...) unless a proxy does
// forward to it.
func composeWorkloads(m *parsers.Model) []*parsers.Workload {
	var proxied map[*parsers.Workload]bool
	var out []*parsers.Workload
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatCompose || w.Compose == nil || !w.Served || len(w.Containers) == 0 {
			continue
		}
		if isDatastore(w) {
			if proxied == nil {
				proxied = proxiedWorkloads(m)
			}
			if !proxied[w] {
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

// composeRoutes returns the routes whose backend reaches w.
func composeRoutes(m *parsers.Model, w *parsers.Workload) []*parsers.Route {
	var out []*parsers.Route
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Respond == nil && routeBackendTo(r, w) != nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// routeBackendTo is the backend through which route r forwards to w: its Backend, or
// else the first upstream{} of its map (Route.Alternatives) whose servers are w; nil when
// r does not reach w.
func routeBackendTo(r *parsers.Route, w *parsers.Workload) *parsers.Backend {
	for _, be := range append([]*parsers.Backend{r.Backend}, r.Alternatives...) {
		if be != nil && slices.Contains(be.Workloads, w) {
			return be
		}
	}
	return nil
}

// proxyName names the proxy of route r in a message about w: "nginx (listen 80)", and
// for a route that reaches w only through its map's upstream, which requests those are:
// "nginx (listen 80; the requests proxy_pass http://$backend's map sends to upstream app1)".
func proxyName(r *parsers.Route, w *parsers.Workload) string {
	n := fmt.Sprintf("%s (%s)", product(r.Hop), r.Hop.Name)
	if be := routeBackendTo(r, w); be != nil && be != r.Backend {
		n = fmt.Sprintf("%s (%s; the requests the map of %s sends to upstream %s)", product(r.Hop), r.Hop.Name, mapPass(r), be.Name)
	}
	return n
}

// mapPass is how a message names the proxy_pass of a route that forwards through a map's
// variable: "proxy_pass http://$backend".
func mapPass(r *parsers.Route) string {
	if r.ProxyPass.Known() {
		return "proxy_pass " + r.ProxyPass.Value
	}
	return "its proxy_pass"
}

// composeProxies names the proxies that forward to w: "nginx (server hooks.example.com)".
func composeProxies(m *parsers.Model, w *parsers.Workload) string {
	seen := map[*parsers.Hop]bool{}
	var names []string
	add := func(r *parsers.Route) {
		if r.Hop != nil && !seen[r.Hop] {
			seen[r.Hop] = true
			names = append(names, fmt.Sprintf("%s (%s)", product(r.Hop), r.Hop.Name))
		}
	}
	// A proxy that reaches w directly is named plainly; one that reaches it only through
	// a map's upstream says which of its requests do.
	var viaMap []*parsers.Route
	for _, r := range composeRoutes(m, w) {
		if routeBackendTo(r, w) == r.Backend {
			add(r)
		} else {
			viaMap = append(viaMap, r)
		}
	}
	for _, r := range viaMap {
		if r.Hop != nil && !seen[r.Hop] {
			seen[r.Hop] = true
			names = append(names, proxyName(r, w))
		}
	}
	// The nginx that reaches w by fastcgi_pass (php-fpm) names it too.
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.PassBackend != nil && slices.Contains(r.PassBackend.Workloads, w) {
				add(r)
			}
		}
	}
	return proxyList(names)
}

// proxyList joins proxy names for a message: sorted, at most three and a count of the
// rest, after "each of" when there are several; "the proxy" when there are none.
func proxyList(names []string) string {
	if len(names) == 0 {
		return "the proxy"
	}
	sort.Strings(names)
	switch {
	case len(names) == 1:
		return names[0]
	case len(names) > 3:
		names = append(names[:3], fmt.Sprintf("%d more", len(names)-3))
	}
	// Every message goes on with a verb in the singular ("forwards to it", "answers 502"):
	// "each of" keeps it right for several proxies.
	return "each of " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// composeAuthGuards returns the locations whose nginx auth_request checks are all that
// reaches w (Route.AuthFor), nil when any other route forwards to it (or an nginx
// reaches it by fastcgi_pass). When w cannot answer, such a check fails and nginx answers
// 500, not 502, to the request it guards (nginx 1.22.1 on loopback, the auth service
// refusing or cut off in the middle of a check: "auth request unexpected status: 502",
// the client got 500).
func composeAuthGuards(m *parsers.Model, w *parsers.Workload) []string {
	var guards []string
	for _, r := range composeRoutes(m, w) {
		if r.AuthFor == "" {
			return nil
		}
		if !slices.Contains(guards, r.AuthFor) {
			guards = append(guards, r.AuthFor)
		}
	}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.PassBackend != nil && slices.Contains(r.PassBackend.Workloads, w) {
				return nil
			}
		}
	}
	return guards
}

// composeAnswers says what the proxies in front of w answer for the requests w does not
// answer (them: "them", "the requests in that window"): "nginx (...) answers 502 for them",
// or, for a service only auth_request checks reach, the 500 nginx answers to the requests
// those checks guard.
func composeAnswers(m *parsers.Model, w *parsers.Workload, them string) string {
	if guards := composeAuthGuards(m, w); guards != nil {
		return "the auth checks sent to it fail: " + authFailure("the requests they guard", guards)
	}
	return composeProxies(m, w) + " answers 502 for " + them
}

// composeBudget is the largest handler budget (.no502.yaml routes:) among the routes
// that forward to w.
func composeBudget(p *Pass, w *parsers.Workload) (RouteBudget, bool) {
	var best RouteBudget
	found := false
	for _, r := range composeRoutes(p.Model, w) {
		if rb, ok := p.Config.Budget(r); ok && (!found || rb.HandlerTimeout.Value > best.HandlerTimeout.Value) {
			best, found = rb, true
		}
	}
	return best, found
}

// composeService names a service in messages: "service app".
func composeService(w *parsers.Workload) string { return "service " + w.Name }

// composeFix is a Compose fix shown as a snippet: the service's attributes to set, under
// services: so that it pastes into the compose file (or an override file). Fixes that
// add a service, a healthcheck command or a deploy block need a choice no502 cannot make
// (docs/decisions.md); composeSetFix writes single scalars as edits.
func composeFix(desc string, w *parsers.Workload, attrs string) *Fix {
	var b strings.Builder
	b.WriteString("services:\n  " + w.Name + ":\n")
	for _, line := range strings.Split(strings.TrimRight(attrs, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	f := &Fix{Description: desc, Snippet: b.String()}
	f.snippetOnly()
	return f
}

// composeSetFix sets one scalar attribute of a service, as an edit where it is written
// (or as the first line of the service's mapping when it is not), with the snippet for
// the text output; when the edit cannot be shown to read back right it stays a snippet.
func composeSetFix(p *Pass, desc string, w *parsers.Workload, attr string, written parsers.Pos, v string) *Fix {
	f := composeFix(desc, w, attr+": "+v)
	source := func(path string) []byte {
		if file := p.Model.File(path); file != nil {
			return file.Src
		}
		return nil
	}
	if edits := compose.SetScalar(source, w.Name, w.Pos, attr, written, v); len(edits) > 0 {
		// The attribute is the setting it writes (fixsafety.go): lint --fix lets the
		// model change there only.
		f = (&Fix{Description: desc, Snippet: f.Snippet, Edits: edits}).Declare(attr)
		return f
	}
	f.Description += " (not written: no502 cannot write " + attr + " into service " + w.Name + " and check that only it changes, as when the service's mapping is flow style, its line holds an anchor or merge key, or the value spans lines; apply it by hand)"
	return f
}

// writtenOr returns the setting's position when it was written, else fallback.
func writtenOr[T any](s parsers.Setting[T], fallback parsers.Pos) parsers.Pos {
	if s.Explicit() {
		return s.Pos
	}
	return fallback
}

// composeOrigin says where a value came from, for a parenthesis after it: its position (and
// what it was evaluated from), or the default's source.
func composeOrigin[T any](s parsers.Setting[T]) string {
	switch {
	case s.Explicit() && s.ViaNote() != "":
		return s.Pos.Short() + ", " + s.ViaNote()
	case s.Explicit():
		return s.Pos.Short()
	case s.IsDefault():
		return s.Default
	}
	return "unknown"
}
