package caddy

import (
	"bytes"
	"encoding/json"
	"strings"
)

// jsonProxyKeys maps the Caddyfile subdirectives a fix sets to where Caddy's JSON config
// keeps them in a reverse_proxy handler.
var jsonProxyKeys = map[string][]string{
	"fail_duration":           {"health_checks", "passive", "fail_duration"},
	"max_fails":               {"health_checks", "passive", "max_fails"},
	"health_uri":              {"health_checks", "active", "uri"},
	"lb_try_duration":         {"load_balancing", "try_duration"},
	"lb_retries":              {"load_balancing", "retries"},
	"response_header_timeout": {"transport", "response_header_timeout"},
	"read_timeout":            {"transport", "read_timeout"},
	"dial_timeout":            {"transport", "dial_timeout"},
	"keepalive":               {"transport", "keep_alive", "idle_timeout"},
}

// fastcgiJSONKeys are the subdirectives of jsonProxyKeys that the fastcgi transport also
// takes, under the same keys (caddyserver/caddy modules/caddyhttp/reverseproxy/fastcgi:
// dial_timeout, read_timeout, write_timeout).
var fastcgiJSONKeys = map[string]bool{"read_timeout": true, "dial_timeout": true}

// JSONProxySnippet shows a fix to the reverse_proxy handler of a Caddy JSON config whose
// "handler" key starts at offset: the handler object with subs set, indented as the
// adapter writes it, to paste in its place. ok is false when src is no Caddy JSON config,
// no handler starts there, or a subdirective has no JSON counterpart here. No edit of the
// file is made: JSON configs get snippets only (docs/decisions.md, "Caddy JSON").
func JSONProxySnippet(src []byte, offset int, subs ...Subdirective) (snippet string, ok bool) {
	if !IsJSONConfig(src) {
		return "", false
	}
	root, _, err := readJSON(src)
	if err != nil {
		return "", false
	}
	h := handlerAt(root, offset)
	if h == nil || h.get("handler").text() != "reverse_proxy" {
		return "", false
	}
	var obj map[string]any
	if json.Unmarshal(src[h.start:h.end], &obj) != nil {
		return "", false
	}
	for _, s := range subs {
		path, known := jsonProxyKeys[s.Name]
		if !known {
			return "", false
		}
		protocol := "http"
		if path[0] == "transport" {
			tr, _ := obj["transport"].(map[string]any)
			if tr != nil && tr["protocol"] != nil && tr["protocol"] != "http" {
				// The fastcgi transport (php_fastcgi adapts to it) takes the same
				// dial_timeout and read_timeout keys (and write_timeout); nothing
				// else the fixes set.
				if tr["protocol"] != "fastcgi" || !fastcgiJSONKeys[s.Name] {
					return "", false
				}
				protocol = "fastcgi"
			}
		}
		setPath(obj, path, jsonScalar(s.Value))
		if path[0] == "transport" {
			obj["transport"].(map[string]any)["protocol"] = protocol
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if enc.Encode(obj) != nil {
		return "", false
	}
	return buf.String(), true
}

// handlerAt finds the object with a "handler" member whose key starts at offset.
func handlerAt(v *jsonValue, offset int) *jsonValue {
	if v == nil || offset < v.start || offset >= v.end {
		return nil
	}
	if mb := v.member("handler"); mb != nil && mb.keyStart == offset {
		return v
	}
	for _, mb := range v.fields() {
		if h := handlerAt(mb.val, offset); h != nil {
			return h
		}
	}
	for _, it := range v.list() {
		if h := handlerAt(it, offset); h != nil {
			return h
		}
	}
	return nil
}

// setPath sets obj[path...] = v, making the objects on the way.
func setPath(obj map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, _ := obj[k].(map[string]any)
		if next == nil {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}

// jsonScalar writes a fix's value as Caddy's JSON takes it: a duration stays a string
// ("5s"), a whole number becomes a number.
func jsonScalar(s string) any {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		var n json.Number = json.Number(s)
		return n
	}
	return s
}
