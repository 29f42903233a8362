package rules

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// The nginx fixer writes corrections as nginx directives inside the block that must hold
// them: the location for per-route settings, the upstream for server parameters.

const nginxIndent = "    "

func init() { RegisterFixer(parsers.FormatNginx, fixNginx) }

func fixNginx(m *parsers.Model, c Change) *Fix {
	r := c.Route
	switch c.Kind {
	case SetReadTimeout:
		v := parsers.Seconds(c.Duration)
		line := fmt.Sprintf("proxy_read_timeout %s;", v)
		if c.Note != "" {
			line += "  # " + c.Note
		}
		return BlockFix(m, r.Block, nginxIndent, "set proxy_read_timeout "+v+" in location "+r.Path,
			LineChange{At: r.ReadTimeout.Pos, Line: line})

	case LowerReadTimeout:
		v := parsers.Seconds(c.Duration - 5*time.Second)
		line := fmt.Sprintf("proxy_read_timeout %s;  # below the edge's %s: answer 202 fast and queue longer work", v, parsers.Seconds(c.Duration))
		return BlockFix(m, r.Block, nginxIndent, "keep proxy_read_timeout below the edge's limit and queue slow work",
			LineChange{At: r.ReadTimeout.Pos, Line: line})

	case EnablePassiveHealth:
		t := c.Target
		if t == nil || c.Backend == nil {
			return nil
		}
		// The backend's block names the file whose offsets t.Pos uses (for config embedded
		// in a ConfigMap, t.Pos.File is the host YAML file but offsets are the nginx text's).
		f := m.File(c.Backend.Block.File)
		if f == nil {
			return nil
		}
		// The server directive itself when its extent is known (it may share its line
		// with others: "upstream app { server a max_fails=0; server b; }"), else its line.
		line := strings.TrimSpace(lineAt(f.Src, int(t.Pos.Offset)))
		if s, e := int(t.Pos.Offset), int(t.Pos.EndOffset); e > s && e <= len(f.Src) {
			line = string(f.Src[s:e])
		}
		fixed := maxFailsZero.ReplaceAllString(line, "max_fails=3")
		if !strings.Contains(fixed, "fail_timeout=") {
			fixed = strings.Replace(fixed, "max_fails=3", "max_fails=3 fail_timeout=10s", 1)
		}
		return BlockFix(m, c.Backend.Block, nginxIndent, "count failures of "+t.Address+" (max_fails=3 fail_timeout=10s)",
			LineChange{At: t.Pos, Line: fixed})

	case EnableRetry:
		changes := []LineChange{{At: r.Retry.Conditions.Pos, Line: "proxy_next_upstream error timeout http_502 http_503;  # POST/PATCH are never re-sent once sent"}}
		if !r.Retry.Tries.Explicit() {
			changes = append(changes, LineChange{Line: "proxy_next_upstream_tries 2;"})
		}
		return BlockFix(m, r.Block, nginxIndent, "retry failed connections on the next server", changes...)

	case ProxyHealthCheck:
		target := "http://app"
		if c.Hop != nil {
			for _, o := range c.Hop.Routes {
				if o.Backend != nil && o.Respond == nil {
					target = proxyTarget(o.Backend)
					break
				}
			}
		}
		return BlockFix(m, r.Block, nginxIndent, "forward "+r.Path+" to the app",
			LineChange{At: r.Respond.Pos, Line: fmt.Sprintf("proxy_pass %s;  # let the app answer its own health check", target)})

	case AddTarget:
		b := c.Backend
		t := c.Target
		if b.Kind == "nginx-upstream" {
			port := t.Port
			if port == "" {
				port = "80"
			}
			return BlockFix(m, b.Block, nginxIndent, "add a second instance to upstream "+b.Name,
				LineChange{Line: fmt.Sprintf("server SECOND_INSTANCE:%s;  # replace with a second instance of the app", port)})
		}
		return &Fix{Description: "put two instances behind an upstream block",
			Snippet: fmt.Sprintf("upstream app {\n    server %s;\n    server SECOND_INSTANCE:%s;  # replace with a second instance\n}\n# and in the location: proxy_pass http://app;\n", t.Address, t.Port)}

	case EnableUpstreamKeepAlive:
		changes := []LineChange{{At: r.HTTPVersion.Pos, Line: "proxy_http_version 1.1;"}}
		// proxy_set_header is an array directive: a location that sets one stops
		// inheriting all outer ones, so copy the inherited lines in with the new one.
		inBlock := func(p parsers.Pos) bool {
			return p.File == r.Block.File && int(p.Offset) >= r.Block.Start() && int(p.Offset) < r.Block.End()
		}
		ownHeaders := false
		for _, h := range r.Headers {
			if inBlock(h.Pos) {
				ownHeaders = true
			}
		}
		if !ownHeaders {
			for _, h := range r.Headers {
				if !strings.HasPrefix(strings.ToLower(headerName(h.Text)), "connection") {
					changes = append(changes, LineChange{Line: strings.TrimSuffix(h.Text, ";") + ";  # copied: a location's own proxy_set_header drops inherited ones"})
				}
			}
		}
		at := parsers.Pos{}
		if inBlock(r.ConnectionHeader.Pos) {
			at = r.ConnectionHeader.Pos
		}
		changes = append(changes, LineChange{At: at, Line: `proxy_set_header Connection "";`})
		return BlockFix(m, r.Block, nginxIndent, "send HTTP/1.1 without Connection: close so upstream connections are reused", changes...)
	}
	return nil
}

var maxFailsZero = regexp.MustCompile(`max_fails=0\b`)

func headerName(text string) string {
	f := strings.Fields(text)
	if len(f) >= 2 {
		return f[1]
	}
	return ""
}

// proxyTarget renders a backend as a proxy_pass argument.
func proxyTarget(b *parsers.Backend) string {
	if b.Kind == "nginx-upstream" {
		return "http://" + b.Name
	}
	if strings.Contains(b.Name, "://") {
		return b.Name
	}
	return "http://" + b.Name
}

// lineAt returns the source line holding byte offset off.
func lineAt(src []byte, off int) string {
	if off > len(src) {
		return ""
	}
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return string(src[start:])
	}
	return string(src[start : off+end])
}
