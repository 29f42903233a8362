package config

import (
	"cmp"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/parsers"
)

// The chain: and backends: keys of .no502.yaml: links and app-server facts no file
// states. The link step (parsers/link) applies them; here they are only checked for
// shape, with the position of every bad key.

type (
	posFunc  func(*yaml.Node) parsers.Pos
	badFunc  func(*yaml.Node, string, ...any) error
	strFunc  func(*yaml.Node, string) (string, error)
	durFunc  func(*yaml.Node, string) (parsers.Duration, error)
	stepList []parsers.DeclaredStep
)

// parseChain reads `chain: [a, b, c]` (one chain) or a list of such lists.
func parseChain(c *Config, v *yaml.Node, p posFunc, bad badFunc, str strFunc) error {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return bad(v, "chain must be a list of hops, outermost first, e.g. [cloudflare, terraform/alb.tf:aws_lb.web, nginx/nginx.conf, k8s/api.yaml:Deployment/api], or a list of such lists")
	}
	one := func(n *yaml.Node) error {
		if n.Kind != yaml.SequenceNode || len(n.Content) < 2 {
			return bad(n, "a chain needs at least two hops, outermost first")
		}
		var steps stepList
		for _, it := range n.Content {
			s, err := str(it, "chain entry")
			if err != nil {
				return err
			}
			steps = append(steps, parsers.DeclaredStep{Ref: s, Pos: p(it)})
		}
		c.Declared.Chains = append(c.Declared.Chains, parsers.DeclaredChain{Pos: p(n), Steps: steps})
		return nil
	}
	if v.Content[0].Kind == yaml.SequenceNode {
		for _, n := range v.Content {
			if err := one(n); err != nil {
				return err
			}
		}
		return nil
	}
	return one(v)
}

// parseBackends reads the backends: list.
func parseBackends(c *Config, v *yaml.Node, p posFunc, bad badFunc, str strFunc, dur durFunc) error {
	if v.Kind != yaml.SequenceNode {
		return bad(v, "backends must be a list of {match, server, keep_alive, request_timeout, drain}")
	}
	var first error
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			first = cmp.Or(first, bad(item, "each backend must be a mapping with match and at least one of keep_alive, request_timeout, drain"))
			continue
		}
		b := parsers.DeclaredBackend{Pos: p(item)}
		ok := true
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, val := item.Content[j], item.Content[j+1]
			var err error
			switch k.Value {
			case "match":
				b.Match, err = str(val, "match")
			case "server":
				var s string
				if s, err = str(val, "server"); err == nil {
					b.Server = parsers.Set(s, p(val), "server: "+s)
				}
			case "keep_alive":
				b.KeepAlive, err = dur(val, "keep_alive")
			case "request_timeout":
				b.RequestTimeout, err = dur(val, "request_timeout")
			case "drain":
				b.Drain, err = dur(val, "drain")
			default:
				keys := []string{"match", "server", "keep_alive", "request_timeout", "drain"}
				err = bad(k, "unknown key %q in backend (want match, server, keep_alive, request_timeout, drain)%s", k.Value, suggest.Hint(k.Value, keys))
			}
			if err != nil {
				first, ok = cmp.Or(first, err), false
			}
		}
		if !ok {
			continue
		}
		if b.Match == "" {
			first = cmp.Or(first, bad(item, "backend has no match (a workload: k8s/api.yaml:Deployment/api, Deployment/web/api, aws_ecs_service.api)"))
			continue
		}
		if !b.KeepAlive.Known() && !b.RequestTimeout.Known() && !b.Drain.Known() {
			first = cmp.Or(first, bad(item, "backend %s gives none of keep_alive, request_timeout, drain", b.Match))
			continue
		}
		c.Declared.Backends = append(c.Declared.Backends, b)
	}
	return first
}
