package caddy

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func jsonCorpus(t *testing.T) []string {
	corpusFiles(t) // skips (or fails under CI=true) without the corpus
	files, _ := filepath.Glob(filepath.Join(corpusDir, "caddy-json", "*.json"))
	if len(files) == 0 {
		t.Fatal("no caddy-json files in the corpus")
	}
	return files
}

func parseJSONFile(t *testing.T, path string) *parsers.Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse([]parsers.Input{{Path: filepath.Base(path), Abs: path, Src: src}}, parsers.Options{})
}

// TestJSONCorpus parses every Caddy JSON config of the corpus (the adapter's expected
// outputs): none may fail, and every route's position must cut its handler out of the
// file.
func TestJSONCorpus(t *testing.T) {
	configs, others, routes := 0, 0, 0
	for _, path := range jsonCorpus(t) {
		src, _ := os.ReadFile(path)
		if !IsJSONConfig(src) {
			others++ // layer4-only, logging-only or empty configs: no HTTP app
			continue
		}
		configs++
		m := parseJSONFile(t, path)
		for _, d := range m.Diags {
			if d.Severity == parsers.Error {
				t.Errorf("%s", d)
			}
		}
		for _, h := range m.Hops {
			for _, r := range h.Routes {
				routes++
				if got := string(src[r.Pos.Offset:r.Pos.EndOffset]); !strings.HasPrefix(got, `"handler"`) {
					t.Errorf("%s: route position cuts %q", r.Pos, got)
				}
				if r.Backend == nil {
					continue
				}
				for _, s := range []parsers.Duration{r.ReadTimeout, r.ConnectTimeout, r.SendTimeout, r.Retry.Timeout, r.Backend.KeepAliveIdle, r.Backend.Passive.FailTimeout} {
					if s.Explicit() {
						key, _, _ := strings.Cut(s.Text, ":")
						if got := string(src[s.Pos.Offset:s.Pos.EndOffset]); !strings.HasPrefix(got, key+":") {
							t.Errorf("%s: setting %q cuts %q", s.Pos, s.Text, got)
						}
					}
				}
			}
		}
	}
	t.Logf("%d Caddy JSON configs parsed (%d routes); %d JSON files without an HTTP app", configs, routes, others)
	if configs < 200 {
		t.Errorf("only %d Caddy JSON configs recognised", configs)
	}
}

// modelSite is what the differential test compares per hop: the settings the Caddyfile
// and its adapted JSON both express.
type modelSite struct {
	grace, delay, idle string
	responds           []string
}

func siteOf(h *parsers.Hop) modelSite {
	s := modelSite{grace: h.ShutdownTimeout.Describe(), delay: h.ShutdownDelay.Describe(), idle: h.ClientIdleTimeout.Describe()}
	value := func(d parsers.Duration) string {
		if d.IsDefault() {
			return "default"
		}
		return fmt.Sprint(d.Value)
	}
	s.grace, s.delay, s.idle = value(h.ShutdownTimeout), value(h.ShutdownDelay), value(h.ClientIdleTimeout)
	for _, r := range h.Routes {
		if r.Respond != nil {
			st := fmt.Sprint(r.Respond.Status.Value)
			if r.Respond.Status.Unknown {
				st = "?"
			}
			s.responds = append(s.responds, fmt.Sprintf("%s %s %s", r.PathKind, r.Path, st))
		}
	}
	sort.Strings(s.responds)
	return s
}

// TestJSONDifferential parses each Caddyfile of the corpus and the adapter's JSON for it,
// and compares the two models: every reverse_proxy route (upstreams, path, retries,
// health, timeouts, keep-alive), every respond route (path and status), and each hop's
// grace period, shutdown delay and idle timeout. Differences that are legitimate are
// counted and named (see docs/decisions.md, "Caddy JSON (issue 18)").
func TestJSONDifferential(t *testing.T) {
	pairs, routes, responds, sites, passes := 0, 0, 0, 0, 0
	legit := map[string]int{}
	extra := 0 // routes with health/balancing settings beyond modelProxy's
	for _, jf := range jsonCorpus(t) {
		base := strings.TrimSuffix(filepath.Base(jf), ".json")
		cf := filepath.Join(corpusDir, "caddy", base+".caddyfile")
		if _, err := os.Stat(cf); err != nil {
			continue
		}
		jsrc, _ := os.ReadFile(jf)
		if !IsJSONConfig(jsrc) {
			continue
		}
		pairs++
		fm := parseOne(cf)
		jm := parseJSONFile(t, jf)

		// reverse_proxy routes, matched by upstreams and path.
		var want []*jsonProxy
		for _, h := range jm.Hops {
			for _, r := range h.Routes {
				if r.Backend != nil {
					jp := modelProxy(r)
					jp.route = r
					want = append(want, jp)
				}
			}
		}
		for _, h := range fm.Hops {
			for _, r := range h.Routes {
				if r.Backend == nil {
					continue
				}
				got := modelProxy(r)
				var match *jsonProxy
				for _, w := range want {
					if !w.used && sameDials(w.dials, got.dials) && w.path == got.path {
						match = w
						break
					}
				}
				if match == nil {
					t.Errorf("%s: %s: the JSON model has no route with upstreams %v and path %+v (it has %s)", base, r.Pos, got.dials, got.path, describe(want))
					continue
				}
				match.used = true
				routes++
				if !reflect.DeepEqual(match.settings, got.settings) || match.uri != got.uri {
					t.Errorf("%s: %s: settings differ: Caddyfile %v uri=%q, JSON %v uri=%q", base, r.Pos, got.settings, got.uri, match.settings, match.uri)
				}
				fe, je := extraSettings(r), extraSettings(match.route)
				if len(fe) > 0 {
					extra++
				}
				if !reflect.DeepEqual(fe, je) {
					t.Errorf("%s: %s: health/balancing settings differ: Caddyfile %v, JSON %v", base, r.Pos, fe, je)
				}
			}
		}
		for _, w := range want {
			if !w.used {
				t.Errorf("%s: JSON route with upstreams %v (path %+v) has no Caddyfile counterpart", base, w.dials, w.path)
			}
		}

		// FastCGI passes (php_fastcgi, transport fastcgi), by upstreams, timeouts and
		// paths: php_fastcgi's scope in the Caddyfile, the adapter's `path *.php` route
		// after its front-controller rewrite in the JSON (jsonWalker.phpScope).
		if fp, jp := fastcgiPasses(fm), fastcgiPasses(jm); reflect.DeepEqual(fp, jp) {
			passes += len(fp)
		} else if src, _ := os.ReadFile(cf); reflect.DeepEqual(withoutPaths(fp), withoutPaths(jp)) && !strings.Contains(string(src), "php_fastcgi") {
			// php_fastcgi's expanded form written out in the Caddyfile (try_files, then
			// reverse_proxy @phpFiles with transport fastcgi): the Caddyfile model reads
			// a route under a matcher, the JSON the adapter's php_fastcgi shape.
			legit["php_fastcgi's expanded form read as a matcher route"]++
		} else {
			t.Errorf("%s: FastCGI passes differ: Caddyfile %v, JSON %v", base, fp, jp)
		}

		// Hops: the JSON's hops, by name, against the Caddyfile's sites. Caddyfile site
		// addresses carry schemes and ports the adapter moves into listeners, so a
		// site is matched by its host names.
		jsites := map[string]modelSite{}
		for _, h := range jm.Hops {
			jsites[siteKey(h.Name)] = siteOf(h)
		}
		if hasErrors(fm) {
			// Legitimate: the Caddyfile imports a file the corpus does not hold; the
			// adapter's JSON has its content.
			legit["Caddyfile import missing from the corpus"]++
			continue
		}
		for _, h := range fm.Hops {
			js, ok := jsites[siteKey(h.Name)]
			if !ok {
				continue // sites merged or split by listener: compared through routes above
			}
			sites++
			fs := siteOf(h)
			if fs.grace != js.grace || fs.delay != js.delay || fs.idle != js.idle {
				t.Errorf("%s: site %q: grace/delay/idle differ: Caddyfile %s/%s/%s, JSON %s/%s/%s", base, h.Name, fs.grace, fs.delay, fs.idle, js.grace, js.delay, js.idle)
			}
			if !reflect.DeepEqual(fs.responds, js.responds) {
				t.Errorf("%s: site %q: respond routes differ: Caddyfile %v, JSON %v", base, h.Name, fs.responds, js.responds)
			}
			responds += len(fs.responds)
		}
	}
	t.Logf("%d Caddyfile/JSON pairs: %d reverse_proxy routes (%d with health/balancing settings), %d FastCGI passes and %d sites (%d respond routes) agree; legitimate differences: %v", pairs, routes, extra, passes, sites, responds, legit)
	if pairs == 0 {
		t.Fatal("no pairs compared")
	}
}

// siteKey reduces a hop name to its host names, sorted: "https://a.com, b.com:443" and
// "a.com, b.com" are the same site.
func siteKey(name string) string {
	var hosts []string
	for _, a := range strings.Split(name, ",") {
		a = strings.TrimSpace(a)
		whole := a
		if i := strings.Index(a, "://"); i >= 0 {
			a = a[i+3:]
		}
		if i := strings.IndexByte(a, '/'); i >= 0 {
			a = a[:i]
		}
		if i := strings.LastIndexByte(a, ':'); i >= 0 && !strings.Contains(a[i:], "]") {
			a = a[:i]
		}
		if a == "" {
			a = whole // a port-only site (":8080") is its port
		}
		hosts = append(hosts, a)
	}
	sort.Strings(hosts)
	return strings.Join(hosts, ",")
}

func hasErrors(m *parsers.Model) bool {
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			return true
		}
	}
	return false
}

// extraSettings are the route's settings beyond modelProxy's: the selection policy (its
// name), active health timing and thresholds, passive max_fails, the edge signal, a
// route taking only WebSocket upgrades.
func extraSettings(r *parsers.Route) map[string]string {
	out := map[string]string{}
	be := r.Backend
	if be.LBPolicy.Explicit() {
		out["policy"], _, _ = strings.Cut(be.LBPolicy.Value, " ")
	}
	if h := be.Health; h != nil {
		for k, d := range map[string]parsers.Duration{"interval": h.Interval, "timeout": h.Timeout} {
			if d.Explicit() {
				out[k] = d.Value.String()
			}
		}
		for k, n := range map[string]parsers.Setting[int]{"passes": h.HealthyThreshold, "fails": h.UnhealthyThreshold} {
			if n.Explicit() {
				out[k] = fmt.Sprint(n.Value)
			}
		}
		if h.Enabled.Known() {
			out["active"] = fmt.Sprint(h.Enabled.Value)
		}
	}
	if be.Passive.MaxFails.Explicit() {
		out["max_fails"] = fmt.Sprint(be.Passive.MaxFails.Value)
	}
	if r.Hop.Edge.Known() {
		out["edge"] = r.Hop.Edge.Value
	}
	if r.WebSocket {
		out["websocket"] = "true"
	}
	return out
}

// fastcgiPasses lists a model's FastCGI pass routes as "upstreams read/write/dial",
// sorted.
// withoutPaths drops the paths from fastcgiPasses' entries.
func withoutPaths(passes []string) []string {
	out := make([]string, len(passes))
	for i, p := range passes {
		out[i], _, _ = strings.Cut(p, " path ")
	}
	return out
}

func fastcgiPasses(m *parsers.Model) []string {
	var out []string
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Pass != "fastcgi" {
				continue
			}
			var dials []string
			if r.PassBackend != nil {
				for _, tg := range r.PassBackend.Targets {
					dials = append(dials, dialAddress(tg))
				}
			}
			d := func(x parsers.Duration) string { return fmt.Sprintf("%v(%v,%v)", x.Value, x.Known(), x.Explicit()) }
			out = append(out, fmt.Sprintf("%v %s/%s/%s path %q %v", dials, d(r.ReadTimeout), d(r.SendTimeout), d(r.ConnectTimeout), r.Path, r.PathKind))
		}
	}
	sort.Strings(out)
	return out
}
