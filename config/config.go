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
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/internal/gitdir"
	"github.com/no502/no502/internal/suggest"
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

// DefaultMinReadTimeout is the read timeout below which a route that no budget covers is
// reported (read-timeout-too-short): see docs/decisions.md for why 5s.
const DefaultMinReadTimeout = 5 * time.Second

// DynamicHost returns the dynamic_hosts: entry that host matches (exactly, or under a
// *.domain pattern); ok is false when none does.
func (c *Config) DynamicHost(host string) (parsers.Setting[string], bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range c.DynamicHosts {
		if d.Value == host || strings.HasPrefix(d.Value, "*.") && strings.HasSuffix(host, d.Value[1:]) {
			return d, true
		}
	}
	return parsers.Setting[string]{}, false
}

// Config is .no502.yaml. Every value keeps its position so that a finding can name the
// config line that set a budget, and a bad value can be reported at its line.
type Config struct {
	Path string // the file it was read from; empty for the built-in defaults
	// Src is the file's text, for the excerpt of a finding about the config itself (a
	// suppress: entry that matches nothing).
	Src []byte

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
	// Suppress drops findings by file glob or Kubernetes object (suppress:), for files
	// that cannot carry a no502:ignore comment.
	Suppress []Suppression
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
	// MinReadTimeout: a proxy read timeout below this, on a route no budget covers, is
	// reported (read-timeout-too-short; default DefaultMinReadTimeout).
	MinReadTimeout parsers.Duration
	// DynamicHosts are host names (exact, or *.suffix globs) whose addresses change, so a
	// proxy that resolves them once at startup loses them (upstream-dns-resolved-once).
	DynamicHosts []parsers.Setting[string]
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

// Dir is the directory of the file the config was loaded from (absolute); "" for the
// built-in defaults.
func (c *Config) Dir() string { return c.dir }

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
	if !c.MinReadTimeout.Known() {
		c.MinReadTimeout = parsers.Def(DefaultMinReadTimeout, "no502 default min_read_timeout 5s")
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

// RuleCategories are the rules' categories (rules.Timeout...; this package cannot import
// rules). --select and --ignore take them; rules: and suppress: take rule IDs only.
// TestConfigRuleCategories keeps the list equal to the registry's.
var RuleCategories = []string{"timeout", "drain", "replicas", "health", "meta"}

// unknownRule is the message for a name that is no rule ID in where (rules: or
// suppress:). A category got "did you mean" a rule sharing a word with it
// (timeout: "app-timeout-exceeds-proxy"), which turned one rule off instead of the
// category; it is named as a category, with what to write instead.
func unknownRule(id, where string, ruleIDs []string) string {
	if slices.Contains(RuleCategories, id) {
		msg := fmt.Sprintf("%q is a category; %s takes rule IDs: list the rules of the category (`no502 rules` shows each rule's category)", id, where)
		if where == "rules:" {
			msg += ", or use --ignore " + id + " on the command line"
		}
		return msg
	}
	return fmt.Sprintf("unknown rule %q%s (see `no502 rules`)", id, suggest.Hint(id, ruleIDs))
}

// Load reads and validates a config file. display is the path used in messages; ruleIDs
// (optional) give unknown rule IDs a "did you mean" hint.
func Load(path, display string, known KnownRule, ruleIDs ...string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %v", err)
	}
	c, err := Parse(display, src, known, ruleIDs...)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		c.dir = filepath.Dir(abs)
	}
	var missing Errors
	for i, cp := range c.Context {
		abs := cp.Path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(filepath.Dir(path), abs)
		}
		if _, err := os.Stat(abs); err != nil {
			missing = append(missing, &Error{Pos: cp.Pos, Msg: fmt.Sprintf("context: %s does not exist (paths are relative to the directory of %s)", cp.Path, display)})
			continue
		}
		c.Context[i].Abs = abs
	}
	switch len(missing) {
	case 0:
		return c, nil
	case 1:
		return nil, missing[0]
	}
	return nil, missing
}

// Error is a problem in .no502.yaml, with the position of the bad key or value.
type Error struct {
	Pos parsers.Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Errors are every problem found in one config file, in the order of the file: Parse
// reports them all at once, so a user fixes the file in one go.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// topKeys are the keys of .no502.yaml, in the order the docs give them.
var topKeys = []string{"routes", "edge", "edge_timeout", "rules", "ignore", "suppress", "nginx_version", "probe_failure_window", "lb_detection_window", "chain", "backends", "deregistration_margin", "deregistration_overhang", "min_read_timeout", "dynamic_hosts", "context"}

// Keys lists the top-level keys of .no502.yaml.
func Keys() []string { return append([]string(nil), topKeys...) }

// errList collects the problems of one parse. bad records one and returns it, so that a
// helper can stop reading the value it is in while the parse goes on with the next.
type errList struct {
	file string
	errs Errors
}

func (l *errList) pos(n *yaml.Node) parsers.Pos {
	return parsers.Pos{File: l.file, Line: int32(n.Line), Col: int32(n.Column)}
}

func (l *errList) bad(n *yaml.Node, format string, args ...any) error {
	e := &Error{Pos: l.pos(n), Msg: fmt.Sprintf(format, args...)}
	l.errs = append(l.errs, e)
	return e
}

// Parse parses .no502.yaml text. Unknown keys, unknown rule IDs (by known) and wrong
// types are errors with the file:line of the offending key; every one is reported (as
// Errors), with the closest key or rule ID when one is near (ruleIDs lists the rule IDs,
// for those hints).
func Parse(file string, src []byte, known KnownRule, ruleIDs ...string) (*Config, error) {
	c := &Config{Path: file, Src: src}
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
	el := &errList{file: file}
	p, bad := el.pos, el.bad
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
	// posDur is dur for the settings where 0 has no meaning: a handler budget, the
	// edge's read timeout and the detection windows. "edge_timeout: 0s" reported every
	// route behind Cloudflare as "longer than the 0s Cloudflare waits".
	posDur := func(n *yaml.Node, key string) (parsers.Duration, error) {
		d, err := dur(n, key)
		if err == nil && d.Value == 0 {
			return parsers.Duration{}, bad(n, "%s: must be more than 0s", key)
		}
		return d, err
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			bad(k, "%s is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "routes":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue // routes: with every entry commented out (as no502 init writes it)
			}
			if v.Kind != yaml.SequenceNode {
				bad(v, "routes must be a list of {match, handler_timeout}")
				continue
			}
			for _, item := range v.Content {
				if item.Kind != yaml.MappingNode {
					bad(item, "each route must be a mapping with match and handler_timeout")
					continue
				}
				var rb RouteBudget
				ok := true
				for j := 0; j+1 < len(item.Content); j += 2 {
					rk, rv := item.Content[j], item.Content[j+1]
					switch rk.Value {
					case "match":
						s, err := str(rv, "match")
						if err != nil {
							ok = false
							continue
						}
						if !strings.HasPrefix(s, "/") {
							bad(rv, "match must be a path prefix starting with /, got %q", s)
							ok = false
							continue
						}
						rb.Match, rb.MatchPos = s, p(rv)
					case "handler_timeout":
						d, err := posDur(rv, "handler_timeout")
						if err != nil {
							ok = false
							continue
						}
						rb.HandlerTimeout = d
					default:
						bad(rk, "unknown key %q in route (want match, handler_timeout)%s", rk.Value, suggest.Hint(rk.Value, []string{"match", "handler_timeout"}))
						ok = false
					}
				}
				if !ok {
					continue
				}
				if rb.Match == "" {
					bad(item, "route has no match")
					continue
				}
				if !rb.HandlerTimeout.Known() {
					bad(item, "route %s has no handler_timeout", rb.Match)
					continue
				}
				c.Routes = append(c.Routes, rb)
			}
		case "edge":
			s, err := str(v, "edge")
			if err != nil {
				continue
			}
			switch s {
			case EdgeAuto, EdgeCloudflare, EdgeNone:
			default:
				bad(v, "edge must be auto, cloudflare or none, got %q%s", s, suggest.Hint(s, []string{EdgeAuto, EdgeCloudflare, EdgeNone}))
				continue
			}
			c.Edge = parsers.Set(s, p(v), "edge: "+s)
		case "edge_timeout":
			if d, err := posDur(v, "edge_timeout"); err == nil {
				c.EdgeTimeout = d
			}
		case "probe_failure_window":
			if d, err := posDur(v, "probe_failure_window"); err == nil {
				c.ProbeFailureWindow = d
			}
		case "lb_detection_window":
			if d, err := posDur(v, "lb_detection_window"); err == nil {
				c.LBDetectionWindow = d
			}
		case "rules":
			if v.Kind != yaml.MappingNode {
				bad(v, "rules must be a mapping of rule ID to off, info, warning or error")
				continue
			}
			c.Rules = map[string]parsers.Setting[parsers.Severity]{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				rk, rv := v.Content[j], v.Content[j+1]
				if known != nil && !known(rk.Value) {
					bad(rk, "%s", unknownRule(rk.Value, "rules:", ruleIDs))
					continue
				}
				s, err := str(rv, "rules."+rk.Value)
				if err != nil {
					continue
				}
				sev, err := parsers.ParseSeverity(s)
				if err != nil {
					bad(rv, "rules.%s: %v%s", rk.Value, err, suggest.Hint(s, []string{"off", "info", "warning", "error"}))
					continue
				}
				c.Rules[rk.Value] = parsers.Set(sev, p(rv), rk.Value+": "+s)
			}
		case "ignore":
			if v.Kind != yaml.SequenceNode {
				bad(v, "ignore must be a list of path globs")
				continue
			}
			for _, item := range v.Content {
				s, err := str(item, "ignore entry")
				if err != nil {
					continue
				}
				if !doublestar.ValidatePattern(s) {
					bad(item, "ignore: %q is not a valid glob", s)
					continue
				}
				c.Ignore = append(c.Ignore, s)
			}
		case "suppress":
			parseSuppress(c, v, el, str, known, ruleIDs)
		case "context":
			if v.Kind != yaml.SequenceNode {
				bad(v, "context must be a list of paths")
				continue
			}
			for _, item := range v.Content {
				s, err := str(item, "context entry")
				if err != nil {
					continue
				}
				if strings.TrimSpace(s) == "" {
					bad(item, "context: an entry is empty")
					continue
				}
				c.Context = append(c.Context, ContextPath{Path: s, Pos: p(item)})
			}
		case "nginx_version":
			s, err := str(v, "nginx_version")
			if err != nil {
				continue
			}
			if !ValidNginxVersion(s) {
				bad(v, "nginx_version must look like 1.28.0, got %q", s)
				continue
			}
			c.NginxVersion = parsers.Set(s, p(v), "nginx_version: "+s)
		case "chain":
			parseChain(c, v, p, bad, str)
		case "backends":
			parseBackends(c, v, p, bad, str, dur)
		case "deregistration_margin":
			if d, err := dur(v, "deregistration_margin"); err == nil {
				c.DeregistrationMargin = d
			}
		case "min_read_timeout":
			if d, err := dur(v, "min_read_timeout"); err == nil {
				c.MinReadTimeout = d
			}
		case "dynamic_hosts":
			if v.Kind != yaml.SequenceNode {
				bad(v, "dynamic_hosts must be a list of host names (or *.domain patterns)")
				continue
			}
			for _, item := range v.Content {
				s, err := str(item, "dynamic_hosts entry")
				if err != nil {
					continue
				}
				if s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")); s == "" || strings.ContainsAny(s, " /:") || strings.Contains(strings.TrimPrefix(s, "*."), "*") {
					bad(item, "dynamic_hosts: %q is not a host name or *.domain pattern", s)
					continue
				}
				c.DynamicHosts = append(c.DynamicHosts, parsers.Set(s, p(item), "dynamic_hosts: "+s))
			}
		case "deregistration_overhang":
			if d, err := dur(v, "deregistration_overhang"); err == nil {
				c.DeregistrationOverhang = d
			}
		default:
			if hint := suggest.Hint(k.Value, topKeys); hint != "" {
				bad(k, "unknown key %q%s", k.Value, hint)
			} else {
				bad(k, "unknown key %q (want %s)", k.Value, strings.Join(topKeys, ", "))
			}
		}
	}
	switch len(el.errs) {
	case 0:
	case 1:
		return nil, el.errs[0]
	default:
		return nil, el.errs
	}
	c.fillDefaults()
	return c, nil
}

// ValidNginxVersion says whether s is an nginx version as nginx_version and
// generate nginx-location take it: 1.28 or 1.28.0.
func ValidNginxVersion(s string) bool {
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
	path, ok := c.relPath(abs)
	if !ok {
		return false
	}
	for _, g := range c.Ignore {
		if globMatch(g, path) {
			return true
		}
	}
	return false
}
