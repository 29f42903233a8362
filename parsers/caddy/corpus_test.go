package caddy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

const corpusDir = "../../../shared/corpus"

func corpusFiles(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "caddy", "*.caddyfile"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus not found at %s", corpusDir)
		}
		t.Skipf("corpus not found at %s", corpusDir)
	}
	return files
}

func parseOne(path string) *parsers.Model {
	src, _ := os.ReadFile(path)
	abs, _ := filepath.Abs(path)
	return Parse([]parsers.Input{{Path: filepath.Base(path), Abs: abs, Src: src}}, parsers.Options{})
}

// TestCorpusNoPanic parses every Caddyfile of the shared corpus.
func TestCorpusNoPanic(t *testing.T) {
	files := corpusFiles(t)
	hops, routes, errs := 0, 0, 0
	for _, f := range files {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic: %v", f, r)
				}
			}()
			m := parseOne(f)
			hops += len(m.Hops)
			for _, h := range m.Hops {
				routes += len(h.Routes)
			}
			for _, d := range m.Diags {
				if d.Severity == parsers.Error {
					errs++
				}
			}
		}()
	}
	t.Logf("%d Caddyfiles: %d sites, %d routes, %d error diagnostics", len(files), hops, routes, errs)
}

// jsonProxy is one reverse_proxy handler of Caddy's adapter output, with the path its
// enclosing routes match.
type jsonProxy struct {
	dials    []string
	path     pathCtx
	settings map[string]time.Duration
	uri      string
	used     bool
	fastcgi  bool
	route    *parsers.Route // the JSON model's route (TestJSONDifferential)
	// shadowed: an earlier reverse_proxy without handle_response ends every request
	// that could reach this one (markShadowed)
	shadowed bool
}

// shadowedKey marks, in the adapter's JSON, a reverse_proxy handler no request reaches.
const shadowedKey = "no502-test-shadowed"

// markShadowed marks the reverse_proxy handlers of v that come after a reverse_proxy
// without handle_response in the same handle list, or in a route after a route without
// a matcher whose own handlers hold one (subroutes; top-level server routes are left
// alone, as the JSON walker leaves them), and everything under them.
func markShadowed(v any, shadowed bool) {
	switch o := v.(type) {
	case []any:
		for _, x := range o {
			markShadowed(x, shadowed)
		}
	case map[string]any:
		if hs, ok := o["handle"].([]any); ok {
			proxied := shadowed
			for _, h := range hs {
				hm, _ := h.(map[string]any)
				if hm == nil {
					continue
				}
				markShadowed(hm, proxied)
				if hm["handler"] == "reverse_proxy" && hm["handle_response"] == nil {
					proxied = true
				}
			}
			return
		}
		if o["handler"] == "reverse_proxy" && shadowed {
			o[shadowedKey] = true
		}
		if rs, ok := o["routes"].([]any); ok && o["handler"] == "subroute" {
			after := shadowed
			for _, r := range rs {
				markShadowed(r, after)
				rm, _ := r.(map[string]any)
				if rm == nil || rm["match"] != nil {
					continue
				}
				hs, _ := rm["handle"].([]any)
				for _, h := range hs {
					if hm, _ := h.(map[string]any); hm != nil && hm["handler"] == "reverse_proxy" && hm["handle_response"] == nil {
						after = true
					}
				}
			}
			return
		}
		for k, x := range o {
			if k != "match" {
				markShadowed(x, shadowed)
			}
		}
	}
}

// TestCorpusAgreement compares, for every Caddyfile whose adapter output is in
// caddy-json/, the reverse_proxy routes this parser extracts with Caddy's own JSON:
// upstreams, path, lb_try_duration/lb_retries, health_uri, fail_duration and the
// transport timeouts.
func TestCorpusAgreement(t *testing.T) {
	corpusFiles(t)
	jsons, _ := filepath.Glob(filepath.Join(corpusDir, "caddy-json", "*.json"))
	total, agree := 0, 0
	for _, jf := range jsons {
		base := strings.TrimSuffix(filepath.Base(jf), ".json")
		cf := filepath.Join(corpusDir, "caddy", base+".caddyfile")
		if _, err := os.Stat(cf); err != nil {
			continue
		}
		raw, _ := os.ReadFile(jf)
		var doc any
		if json.Unmarshal(raw, &doc) != nil {
			continue
		}
		src, _ := os.ReadFile(cf)
		var want []*jsonProxy
		markShadowed(doc, false)
		collectJSON(doc, pathCtx{path: "/", kind: "prefix"}, strings.Contains(string(src), "forward_auth"), &want)
		m := parseOne(cf)
		for _, h := range m.Hops {
			for _, r := range h.Routes {
				if r.Pass == "fastcgi" && r.PassBackend != nil {
					// A reverse_proxy with the fastcgi transport is modelled as a pass
					// (Route.Pass), as php_fastcgi is: its upstreams and path only.
					got := modelProxy(&parsers.Route{Path: r.Path, PathKind: r.PathKind, Backend: r.PassBackend})
					for _, w := range want {
						if !w.used && w.fastcgi && sameDials(w.dials, got.dials) && w.path == got.path {
							w.used = true
							break
						}
					}
				}
				if r.Backend == nil {
					continue
				}
				total++
				got := modelProxy(r)
				var match *jsonProxy
				for _, w := range want {
					if !w.used && !w.shadowed && sameDials(w.dials, got.dials) && w.path == got.path {
						match = w
						break
					}
				}
				if match == nil {
					t.Errorf("%s: %s: no reverse_proxy in the JSON with upstreams %v and path %+v (JSON has %s)", base, r.Pos, got.dials, got.path, describe(want))
					continue
				}
				match.used = true
				if !reflect.DeepEqual(match.settings, got.settings) || match.uri != got.uri {
					t.Errorf("%s: %s: settings differ: parser %v uri=%q, JSON %v uri=%q", base, r.Pos, got.settings, got.uri, match.settings, match.uri)
					continue
				}
				agree++
			}
		}
		for _, w := range want {
			if w.shadowed {
				continue // never reached: the parser leaves it out on purpose
			}
			if !w.used && !(w.fastcgi && strings.Contains(string(src), "php_fastcgi")) {
				// php_fastcgi expands to a reverse_proxy Caddy adds itself; the
				// parser does not model it as a proxy route.
				total++
				t.Errorf("%s: JSON reverse_proxy with upstreams %v (path %+v) not found by the parser", base, w.dials, w.path)
			}
		}
	}
	if total == 0 {
		t.Fatal("no reverse_proxy blocks compared")
	}
	t.Logf("reverse_proxy agreement with Caddy's adapter: %d/%d (%.1f%%)", agree, total, 100*float64(agree)/float64(total))
}

func describe(ws []*jsonProxy) string {
	var parts []string
	for _, w := range ws {
		if !w.used {
			parts = append(parts, fmt.Sprintf("%v %+v", w.dials, w.path))
		}
	}
	return strings.Join(parts, "; ")
}

func sameDials(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		// Caddy expands placeholder shorthands ({host} → {http.request.host}); a
		// placeholder upstream matches a placeholder upstream.
		if strings.Contains(a[i], "{") && strings.Contains(b[i], "{") {
			continue
		}
		return false
	}
	return true
}

func modelProxy(r *parsers.Route) *jsonProxy {
	p := &jsonProxy{settings: map[string]time.Duration{}, path: pathCtx{path: r.Path, kind: r.PathKind}}
	if p.path.kind == "regex" {
		p.path.path = ""
	}
	for _, tg := range r.Backend.Targets {
		p.dials = append(p.dials, dialAddress(tg))
	}
	if r.Retry.Timeout.Explicit() {
		p.settings["try_duration"] = r.Retry.Timeout.Value
	}
	if r.Retry.Tries.Explicit() {
		p.settings["retries"] = time.Duration(r.Retry.Tries.Value)
	}
	if r.Backend.Passive.FailTimeout.Explicit() {
		p.settings["fail_duration"] = r.Backend.Passive.FailTimeout.Value
	}
	if h := r.Backend.Health; h != nil && h.Path.Explicit() {
		p.uri = h.Path.Value
	}
	if r.ConnectTimeout.Explicit() {
		p.settings["dial_timeout"] = r.ConnectTimeout.Value
	}
	if r.SendTimeout.Explicit() {
		p.settings["write_timeout"] = r.SendTimeout.Value
	}
	if r.ReadTimeout.Explicit() {
		p.settings["read_wait"] = r.ReadTimeout.Value
	}
	if r.Backend.KeepAliveIdle.Explicit() && r.Backend.KeepAliveIdle.Value > 0 {
		p.settings["idle_timeout"] = r.Backend.KeepAliveIdle.Value
	}
	return p
}

// collectJSON walks the adapter output, tracking the path the enclosing routes match.
func collectJSON(v any, ctx pathCtx, forwardAuth bool, out *[]*jsonProxy) {
	switch o := v.(type) {
	case []any:
		for _, x := range o {
			collectJSON(x, ctx, forwardAuth, out)
		}
	case map[string]any:
		if ms, ok := o["match"]; ok {
			ctx = combine(ctx, jsonMatch(ms, ctx.strip))
		}
		if hs, ok := o["handle"].([]any); ok {
			// handle_path: a strip_path_prefix rewrite makes inner paths relative.
			for _, h := range hs {
				if hm, ok := h.(map[string]any); ok && hm["handler"] == "rewrite" {
					if sp, ok := hm["strip_path_prefix"].(string); ok {
						ctx.strip += sp
					}
				}
			}
		}
		if o["handler"] == "reverse_proxy" {
			if jp := jsonHandler(o, ctx, forwardAuth); jp != nil {
				*out = append(*out, jp)
			}
			return
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k != "match" {
				collectJSON(o[k], ctx, forwardAuth, out)
			}
		}
	}
}

func jsonMatch(ms any, strip string) pathCtx {
	sets, _ := ms.([]any)
	if len(sets) != 1 {
		return pathCtx{kind: "regex"}
	}
	set, _ := sets[0].(map[string]any)
	var paths []any
	for k, v := range set {
		switch k {
		case "host":
		case "path":
			paths, _ = v.([]any)
			if len(paths) != 1 {
				return pathCtx{kind: "regex"}
			}
		default:
			return pathCtx{kind: "regex"}
		}
	}
	if paths == nil {
		return pathCtx{path: "/", kind: "prefix"}
	}
	p := pathOf(paths[0].(string))
	if strip != "" && p.kind != "regex" {
		p.path = strip + p.path
	}
	return p
}

func jsonHandler(o map[string]any, ctx pathCtx, forwardAuth bool) *jsonProxy {
	tr, _ := o["transport"].(map[string]any)
	if rw, ok := o["rewrite"].(map[string]any); ok && forwardAuth && rw["method"] == "GET" {
		return nil // generated by forward_auth
	}
	jp := &jsonProxy{settings: map[string]time.Duration{}, path: ctx, fastcgi: tr != nil && tr["protocol"] == "fastcgi", shadowed: o[shadowedKey] == true}
	jp.path.strip = ""
	if jp.path.kind == "regex" {
		jp.path.path = ""
	}
	ups, _ := o["upstreams"].([]any)
	for _, u := range ups {
		if um, ok := u.(map[string]any); ok {
			d, _ := um["dial"].(string)
			jp.dials = append(jp.dials, d)
		}
	}
	num := func(m map[string]any, k string) (time.Duration, bool) {
		if m == nil {
			return 0, false
		}
		f, ok := m[k].(float64)
		return time.Duration(f), ok
	}
	lb, _ := o["load_balancing"].(map[string]any)
	if v, ok := num(lb, "try_duration"); ok {
		jp.settings["try_duration"] = v
	}
	if v, ok := num(lb, "retries"); ok {
		jp.settings["retries"] = v
	}
	hc, _ := o["health_checks"].(map[string]any)
	if hc != nil {
		if ps, ok := hc["passive"].(map[string]any); ok {
			if v, ok := num(ps, "fail_duration"); ok {
				jp.settings["fail_duration"] = v
			}
		}
		if ac, ok := hc["active"].(map[string]any); ok {
			jp.uri, _ = ac["uri"].(string)
			if jp.uri == "" {
				jp.uri, _ = ac["path"].(string)
			}
		}
	}
	if v, ok := num(tr, "dial_timeout"); ok {
		jp.settings["dial_timeout"] = v
	}
	if v, ok := num(tr, "write_timeout"); ok {
		jp.settings["write_timeout"] = v
	}
	rh, okRH := num(tr, "response_header_timeout")
	rd, okRD := num(tr, "read_timeout")
	switch {
	case okRH && okRD:
		jp.settings["read_wait"] = min(rh, rd)
	case okRH:
		jp.settings["read_wait"] = rh
	case okRD:
		jp.settings["read_wait"] = rd
	}
	if ka, ok := tr["keep_alive"].(map[string]any); ok {
		if v, ok := num(ka, "idle_timeout"); ok && v > 0 {
			jp.settings["idle_timeout"] = v
		}
	}
	return jp
}
