// Package config reads .no502.yaml: route budgets, the edge in front, rule severities,
// ignored paths, declared links and context paths. Every value keeps its position, so a
// finding can name the config line behind it and a bad value is reported at its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/internal/gitdir"
	"github.com/no502/no502/parsers"
)

// FileName is the name no502 looks for.
const FileName = ".no502.yaml"

// Edge settings.
const (
	EdgeAuto       = "auto"
	EdgeCloudflare = "cloudflare"
	EdgeNone       = "none"
)

// CloudflareReadTimeout is Cloudflare's proxy read timeout on non-Enterprise plans: the
// time it waits for the origin's first response byte before answering 524. Current docs
// say 120s; older docs said 100s (../shared/reference/defaults.md, CF-524, CF-CL).
const CloudflareReadTimeout = 120 * time.Second

// Config is .no502.yaml. Every value keeps its position so that a finding can name the
// config line that set a budget, and a bad value can be reported at its line.
type Config struct {
	Path string // the file it was read from; empty for the built-in defaults

	// Routes give the handler budget of paths: how long the app may take.
	Routes []RouteBudget
	// Edge is auto (detect), cloudflare or none.
	Edge parsers.Setting[string]
	// EdgeTimeout is the edge's proxy read timeout.
	EdgeTimeout parsers.Duration
	// Rules overrides severities; Off disables a rule.
	Rules map[string]parsers.Setting[parsers.Severity]
	// Ignore lists globs of paths to skip, relative to the config file's directory.
	Ignore []string
	// dir is the config file's directory (absolute), set by LoadConfig; ignore globs are
	// matched against paths relative to it, as .gitignore patterns are.
	dir string
	// NginxVersion is the nginx version the configs run on, where a default depends on it.
	NginxVersion parsers.Setting[string]
	// ProbeFailureWindow: a probe taking longer than this to notice a failure is flagged.
	ProbeFailureWindow parsers.Duration
	// LBDetectionWindow: a load-balancer health check taking longer than this to mark a
	// target down is flagged.
	LBDetectionWindow parsers.Duration
	// Declared is chain: and backends:, for the link step (see Declared()).
	Declared parsers.Declared
	// DeregistrationMargin: how much longer than a route's handler budget a load
	// balancer's deregistration delay must be (lb-drain-mismatch; default 0).
	DeregistrationMargin parsers.Duration
	// DeregistrationOverhang: when set, a deregistration delay longer than the pod lives
	// after deregistration plus this much is reported (lb-drain-mismatch; default off).
	DeregistrationOverhang parsers.Duration
	// Context lists files and directories read for cross-layer links when only some files
	// are linted (a pre-commit run names the changed ones): findings are still reported
	// for the named files only.
	Context []ContextPath
}

// ContextPath is one context: entry.
type ContextPath struct {
	Path string // as written, relative to the config file's directory
	Abs  string // resolved by LoadConfig; empty after ParseConfig alone
	Pos  parsers.Pos
}

// ParseOptions returns what the link step needs from the config, for load.Options.Parse.
func (c *Config) ParseOptions() parsers.Options {
	o := parsers.Options{NginxVersion: c.NginxVersion.Value}
	if len(c.Declared.Chains) > 0 || len(c.Declared.Backends) > 0 {
		d := c.Declared
		o.Declared = &d
	}
	return o
}

// RouteBudget is one routes: entry.
type RouteBudget struct {
	Match          string
	MatchPos       parsers.Pos
	HandlerTimeout parsers.Duration
}

// Default is the configuration used when there is no .no502.yaml.
func Default() *Config {
	c := &Config{}
	c.fillDefaults()
	return c
}

func (c *Config) fillDefaults() {
	if !c.Edge.Known() {
		c.Edge = parsers.Def(EdgeAuto, "default edge: auto (detect)")
	}
	if !c.EdgeTimeout.Known() {
		c.EdgeTimeout = parsers.Def(CloudflareReadTimeout, "Cloudflare proxy read timeout 120s")
	}
	if !c.ProbeFailureWindow.Known() {
		c.ProbeFailureWindow = parsers.Def(5*time.Minute, "no502 default probe_failure_window 5m")
	}
	if !c.DeregistrationMargin.Known() {
		c.DeregistrationMargin = parsers.Def(time.Duration(0), "no502 default deregistration_margin 0s")
	}
	if !c.LBDetectionWindow.Known() {
		c.LBDetectionWindow = parsers.Def(3*time.Minute, "no502 default lb_detection_window 3m")
	}
	if c.Rules == nil {
		c.Rules = map[string]parsers.Setting[parsers.Severity]{}
	}
}

// FindConfig returns the config file to use: explicit when given, else .no502.yaml in
// dir, else in its parents up to the git root. It returns "" when there is none.
func FindConfig(explicit, dir string) string {
	if explicit != "" {
		return explicit
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if p := filepath.Join(dir, FileName); isFile(p) {
		return p
	}
	// Only climb when inside a git repository, and never past its root: a stray
	// .no502.yaml in a home directory must not apply to every checkout below it.
	root := gitdir.Root(dir)
	if root == "" {
		return ""
	}
	for d := dir; d != root; {
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
		if p := filepath.Join(d, FileName); isFile(p) {
			return p
		}
	}
	return ""
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// KnownRule reports whether a rule ID exists; the caller (which knows the rule registry)
// passes it, so that this package does not import the rules. nil accepts every ID.
type KnownRule func(id string) bool

// Load reads and validates a config file. display is the path used in messages.
func Load(path, display string, known KnownRule) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %v", err)
	}
	c, err := Parse(display, src, known)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		c.dir = filepath.Dir(abs)
	}
	for i, cp := range c.Context {
		abs := cp.Path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(filepath.Dir(path), abs)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, &Error{Pos: cp.Pos, Msg: fmt.Sprintf("context: %s does not exist (paths are relative to the directory of %s)", cp.Path, display)}
		}
		c.Context[i].Abs = abs
	}
	return c, nil
}

// Error is a problem in .no502.yaml, with the position of the bad key or value.
type Error struct {
	Pos parsers.Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Parse parses .no502.yaml text. Unknown keys, unknown rule IDs (by known) and wrong
// types are errors with the file:line of the offending key.
func Parse(file string, src []byte, known KnownRule) (*Config, error) {
	c := &Config{Path: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) || strings.TrimSpace(string(src)) == "" {
			c.fillDefaults()
			return c, nil
		}
		return nil, &Error{Pos: parsers.Pos{File: file, Line: int32(yamlErrLine(err)), Col: 1}, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
		c.fillDefaults()
		return c, nil
	}
	root := doc.Content[0]
	p := func(n *yaml.Node) parsers.Pos {
		return parsers.Pos{File: file, Line: int32(n.Line), Col: int32(n.Column)}
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return &Error{Pos: p(n), Msg: fmt.Sprintf(format, args...)}
	}
	if root.Kind != yaml.MappingNode {
		return nil, bad(root, "the config must be a mapping of keys (routes, edge, rules, ...)")
	}
	str := func(n *yaml.Node, key string) (string, error) {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return "", bad(n, "%s must be a string", key)
		}
		return n.Value, nil
	}
	dur := func(n *yaml.Node, key string) (parsers.Duration, error) {
		s, err := str(n, key)
		if err != nil {
			return parsers.Duration{}, err
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return parsers.Duration{}, bad(n, "%s: %q is not a duration (write it with a unit, e.g. 90s or 2m)", key, s)
		}
		return parsers.Set(d, p(n), key+": "+s), nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "routes":
			if v.Kind != yaml.SequenceNode {
				return nil, bad(v, "routes must be a list of {match, handler_timeout}")
			}
			for _, item := range v.Content {
				if item.Kind != yaml.MappingNode {
					return nil, bad(item, "each route must be a mapping with match and handler_timeout")
				}
				var rb RouteBudget
				for j := 0; j+1 < len(item.Content); j += 2 {
					rk, rv := item.Content[j], item.Content[j+1]
					switch rk.Value {
					case "match":
						s, err := str(rv, "match")
						if err != nil {
							return nil, err
						}
						if !strings.HasPrefix(s, "/") {
							return nil, bad(rv, "match must be a path prefix starting with /, got %q", s)
						}
						rb.Match, rb.MatchPos = s, p(rv)
					case "handler_timeout":
						d, err := dur(rv, "handler_timeout")
						if err != nil {
							return nil, err
						}
						rb.HandlerTimeout = d
					default:
						return nil, bad(rk, "unknown key %q in route (want match, handler_timeout)", rk.Value)
					}
				}
				if rb.Match == "" {
					return nil, bad(item, "route has no match")
				}
				if !rb.HandlerTimeout.Known() {
					return nil, bad(item, "route %s has no handler_timeout", rb.Match)
				}
				c.Routes = append(c.Routes, rb)
			}
		case "edge":
			s, err := str(v, "edge")
			if err != nil {
				return nil, err
			}
			switch s {
			case EdgeAuto, EdgeCloudflare, EdgeNone:
			default:
				return nil, bad(v, "edge must be auto, cloudflare or none, got %q", s)
			}
			c.Edge = parsers.Set(s, p(v), "edge: "+s)
		case "edge_timeout":
			d, err := dur(v, "edge_timeout")
			if err != nil {
				return nil, err
			}
			c.EdgeTimeout = d
		case "probe_failure_window":
			d, err := dur(v, "probe_failure_window")
			if err != nil {
				return nil, err
			}
			c.ProbeFailureWindow = d
		case "lb_detection_window":
			d, err := dur(v, "lb_detection_window")
			if err != nil {
				return nil, err
			}
			c.LBDetectionWindow = d
		case "rules":
			if v.Kind != yaml.MappingNode {
				return nil, bad(v, "rules must be a mapping of rule ID to off, info, warning or error")
			}
			c.Rules = map[string]parsers.Setting[parsers.Severity]{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				rk, rv := v.Content[j], v.Content[j+1]
				if known != nil && !known(rk.Value) {
					return nil, bad(rk, "unknown rule %q (see `no502 rules`)", rk.Value)
				}
				s, err := str(rv, "rules."+rk.Value)
				if err != nil {
					return nil, err
				}
				sev, err := parsers.ParseSeverity(s)
				if err != nil {
					return nil, bad(rv, "rules.%s: %v", rk.Value, err)
				}
				c.Rules[rk.Value] = parsers.Set(sev, p(rv), rk.Value+": "+s)
			}
		case "ignore":
			if v.Kind != yaml.SequenceNode {
				return nil, bad(v, "ignore must be a list of path globs")
			}
			for _, item := range v.Content {
				s, err := str(item, "ignore entry")
				if err != nil {
					return nil, err
				}
				if !doublestar.ValidatePattern(s) {
					return nil, bad(item, "ignore: %q is not a valid glob", s)
				}
				c.Ignore = append(c.Ignore, s)
			}
		case "context":
			if v.Kind != yaml.SequenceNode {
				return nil, bad(v, "context must be a list of paths")
			}
			for _, item := range v.Content {
				s, err := str(item, "context entry")
				if err != nil {
					return nil, err
				}
				if strings.TrimSpace(s) == "" {
					return nil, bad(item, "context: an entry is empty")
				}
				c.Context = append(c.Context, ContextPath{Path: s, Pos: p(item)})
			}
		case "nginx_version":
			s, err := str(v, "nginx_version")
			if err != nil {
				return nil, err
			}
			if !validVersion(s) {
				return nil, bad(v, "nginx_version must look like 1.28.0, got %q", s)
			}
			c.NginxVersion = parsers.Set(s, p(v), "nginx_version: "+s)
		case "chain":
			if err := parseChain(c, v, p, bad, str); err != nil {
				return nil, err
			}
		case "backends":
			if err := parseBackends(c, v, p, bad, str, dur); err != nil {
				return nil, err
			}
		case "deregistration_margin":
			d, err := dur(v, "deregistration_margin")
			if err != nil {
				return nil, err
			}
			c.DeregistrationMargin = d
		case "deregistration_overhang":
			d, err := dur(v, "deregistration_overhang")
			if err != nil {
				return nil, err
			}
			c.DeregistrationOverhang = d
		default:
			return nil, bad(k, "unknown key %q (want routes, edge, edge_timeout, rules, ignore, nginx_version, probe_failure_window, lb_detection_window, chain, backends, deregistration_margin, deregistration_overhang, context)", k.Value)
		}
	}
	c.fillDefaults()
	return c, nil
}

func validVersion(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// yamlErrLine pulls the line number out of a yaml.v3 error ("yaml: line 3: ...").
func yamlErrLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	if line == 0 {
		line = 1
	}
	return line
}

// Ignored reports whether a file (its absolute path) matches one of the ignore globs,
// taken relative to the config file's directory as .gitignore patterns are, so a config
// at the repository root means the same whatever directory no502 runs in. Files outside
// that directory match no glob. A glob without a slash also matches the file's base
// name, as in .gitignore.
func (c *Config) Ignored(abs string) bool {
	if len(c.Ignore) == 0 {
		return false
	}
	base := c.dir
	if base == "" {
		// A config parsed without a file (tests, defaults): relative to the working
		// directory.
		base, _ = os.Getwd()
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	path := filepath.ToSlash(rel)
	for _, g := range c.Ignore {
		if ok, _ := doublestar.Match(g, path); ok {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := doublestar.Match(g, filepath.Base(path)); ok {
				return true
			}
		}
		// A directory glob ("legacy/" or "legacy") skips everything below it.
		dir := strings.TrimSuffix(g, "/")
		if strings.HasPrefix(path, dir+"/") {
			return true
		}
	}
	return false
}
