package caddy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

// FuzzParseJSON feeds arbitrary bytes to the JSON reader and the model builder: nothing
// may panic or hang; the reader must accept exactly what encoding/json accepts (within
// its nesting limit), and every route position must lie inside the source.
//
//	go test ./parsers/caddy -run '^$' -fuzz FuzzParseJSON -fuzztime 60s
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		"",
		"{}",
		`{"apps":{"http":{"grace_period":"10s","servers":{"a":{"listen":[":80"],"routes":[{"match":[{"host":["x"],"path":["/a/*"]}],"handle":[{"handler":"subroute","routes":[{"handle":[{"handler":"rewrite","strip_path_prefix":"/a"}]},{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"a:1"},{"dial":"b:2-4"}],"load_balancing":{"try_duration":5000000000,"retries":"2"},"health_checks":{"active":{"uri":"/h","expect_status":2},"passive":{"fail_duration":"1d"}},"transport":{"protocol":"http","keep_alive":{"enabled":false},"read_timeout":-1}}]}]}]}]}}}}}`,
		`{"apps":{"http":{"servers":{"a":{"routes":[{"handle":[{"handler":"static_response","status_code":"{x}","abort":true}]}]}}}}`,
		`{"apps": {"http": [1, "\u00e9\n", true, null, -1.5e3]}}`,
		`{"apps": {"http": {"servers": `,
		"[[[[[[[[[[",
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "caddy-json", "*reverse_proxy*.json"))
	for i, p := range files {
		if i >= 20 {
			break
		}
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		_, _, err := readJSON(src)
		if valid := json.Valid(src); valid != (err == nil) && !(valid && depthOver(src)) {
			t.Fatalf("readJSON error %v, json.Valid %v", err, valid)
		}
		IsJSONConfig(src)
		m := Parse([]parsers.Input{{Path: "caddy.json", Src: src}}, parsers.Options{})
		for _, h := range m.Hops {
			for _, r := range h.Routes {
				if r.Pos.Offset < 0 || int(r.Pos.EndOffset) > len(src) || r.Pos.Offset > r.Pos.EndOffset || r.Pos.Line < 1 {
					t.Fatalf("route position %+v out of the source (len %d)", r.Pos, len(src))
				}
			}
		}
	})
}

// depthOver reports whether src nests deeper than the reader allows (a document
// encoding/json accepts and the reader refuses on purpose).
func depthOver(src []byte) bool {
	depth, inStr := 0, false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '{' || c == '['):
			depth++
			if depth > jsonMaxDepth {
				return true
			}
		case !inStr && (c == '}' || c == ']'):
			depth--
		}
	}
	return false
}
