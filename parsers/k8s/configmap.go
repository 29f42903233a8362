package k8s

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/phpfpm"
)

// nginxKeys are ConfigMap keys only the ingress-nginx controller reads; a ConfigMap
// holding one of them is that controller's configuration (ING-CM).
var nginxKeys = map[string]bool{
	"proxy-read-timeout": true, "proxy-connect-timeout": true, "proxy-send-timeout": true,
	"worker-shutdown-timeout": true, "upstream-keepalive-timeout": true, "keep-alive": true,
	"proxy-next-upstream": true, "proxy-next-upstream-tries": true, "proxy-next-upstream-timeout": true,
	"use-forwarded-headers": true, "proxy-body-size": true, "upstream-keepalive-connections": true,
	"proxy-http-version": true,
}

// controllerConfig is an ingress-nginx controller ConfigMap: its keys with positions.
type controllerConfig struct {
	o    *object
	keys map[string]annotation
}

// readConfigMap looks at a ConfigMap's data: nginx configs and Caddyfiles become Embedded
// entries for the loader; ingress-nginx keys make it a controller config.
func readConfigMap(o *object, m *parsers.Model) *controllerConfig {
	var cc *controllerConfig
	data := val(o.node, "data")
	ks, vs := pairs(data)
	for i, k := range ks {
		v := vs[i]
		if nginxKeys[k.Value] {
			if cc == nil {
				cc = &controllerConfig{o: o, keys: map[string]annotation{}}
			}
			cc.keys[k.Value] = annotation{value: v.Value, pos: o.src.pos(v), text: o.src.text(k, v)}
			continue
		}
		format := embeddedFormat(k.Value, v.Value)
		if format == "" {
			continue
		}
		if v.Style != yaml.LiteralStyle {
			// Positions inside a quoted or folded scalar cannot be mapped line by line.
			m.Diags = append(m.Diags, parsers.Notef(o.src.pos(k),
				"%s in ConfigMap %s/%s is not a literal block scalar (|): not analysed", k.Value, o.namespace, o.name))
			continue
		}
		line, indent := blockStart(o.src, k, v)
		if line == 0 {
			continue
		}
		// Two ConfigMaps of one file may hold an entry of the same name (staging and
		// prod, each its nginx.conf): each must be a file of its own, or the second's
		// positions would be mapped into the first's lines and its hops linked to the
		// first's workload.
		path := o.src.path + "#" + k.Value
		for _, e := range m.Embedded {
			if e.Path == path {
				path = o.src.path + "#" + o.namespace + "/" + o.name + "/" + k.Value
				break
			}
		}
		m.Embedded = append(m.Embedded, parsers.Embedded{
			Format: format,
			Path:   path,
			Key:    k.Value,
			Src:    []byte(v.Value),
			Host:   o.src.path,
			Line:   line,
			Col:    indent + 1,
			Indent: indent,
			Owner:  "ConfigMap/" + o.namespace + "/" + o.name,
		})
	}
	return cc
}

// configMapData reads a ConfigMap's data entries, with their positions, as the
// environment variables envFrom makes of them.
func configMapData(o *object) map[string]parsers.Setting[string] {
	out := map[string]parsers.Setting[string]{}
	ks, vs := pairs(val(o.node, "data"))
	for i, k := range ks {
		out[k.Value] = parsers.Set(vs[i].Value, o.src.pos(vs[i]), k.Value+"="+vs[i].Value)
	}
	return out
}

// resolveEnvFrom puts the variables of the ConfigMaps containers name in envFrom into
// their Env, below what the container's own env sets (Kubernetes: env wins over envFrom,
// and a later envFrom source over an earlier one). A Secret, or a ConfigMap not among the
// files, may set any variable: then EnvUnknownFrom names it, and no ConfigMap's variable
// is taken as known (that source may override it).
func (b *builder) resolveEnvFrom() {
	for _, w := range b.m.Workloads {
		for _, c := range w.Containers {
			if len(c.EnvFrom) == 0 {
				continue
			}
			from := map[string]parsers.Setting[string]{}
			for _, src := range c.EnvFrom {
				data, ok := b.configMapEnv[w.Namespace+"/"+src.ConfigMap]
				if src.ConfigMap == "" || !ok {
					if !c.EnvUnknownFrom.IsValid() {
						c.EnvUnknownFrom = src.Pos
					}
					continue
				}
				for k, v := range data {
					from[src.Prefix+k] = v
				}
			}
			if c.EnvUnknownFrom.IsValid() {
				continue
			}
			for k, v := range from {
				if _, own := c.Env[k]; own {
					continue
				}
				if c.Env == nil {
					c.Env = map[string]parsers.Setting[string]{}
				}
				c.Env[k] = v
			}
		}
	}
}

// embeddedFormat says which format a ConfigMap entry holds, or "".
func embeddedFormat(key, value string) string {
	switch {
	case key == "Caddyfile" || strings.HasSuffix(key, ".caddyfile") || strings.HasPrefix(key, "Caddyfile."):
		return parsers.FormatCaddy
	case key == "nginx.conf":
		return parsers.FormatNginx
	case strings.HasSuffix(key, ".conf") && phpfpm.LooksLikePool(value):
		return phpfpm.Format // www.conf: its listen = 9000 is not nginx's listen
	case strings.HasSuffix(key, ".conf") && looksNginx(value):
		return parsers.FormatNginx
	case nginx.IsTemplate(key) && looksNginx(value):
		// default.conf.template, mounted into the nginx image's /etc/nginx/templates:
		// the entry's path keeps the name, so its environment values stay unknown.
		return parsers.FormatNginx
	}
	return ""
}

// looksNginx reports whether text reads like nginx configuration and not, say, a
// fluent-bit or supervisord .conf.
func looksNginx(s string) bool {
	for _, w := range []string{"server {", "upstream ", "location ", "proxy_pass ", "http {", "listen "} {
		if strings.Contains(s, w) && strings.Contains(s, ";") {
			return true
		}
	}
	return false
}

// blockStart finds where the text of a literal block scalar begins: the line after the |
// indicator (blank lines that open the block are part of its text), and the indentation
// stripped from its lines: the key's indentation plus an explicit indentation indicator
// (|2: the spaces beyond it stay in the text), else that of its first non-blank line.
func blockStart(s *source, k, v *yaml.Node) (line, indent int) {
	if header := s.line(v.Line); v.Column >= 1 && v.Column <= len(header) {
		for _, c := range header[v.Column:] { // after the '|'
			if c >= '1' && c <= '9' {
				return v.Line + 1, k.Column - 1 + int(c-'0')
			}
			if c != '+' && c != '-' {
				break
			}
		}
	}
	for l := v.Line + 1; l <= s.lines.Count(); l++ {
		t := s.line(l)
		if strings.TrimSpace(t) == "" {
			continue
		}
		return v.Line + 1, len(t) - len(strings.TrimLeft(t, " "))
	}
	return 0, 0
}
