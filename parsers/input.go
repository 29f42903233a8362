package parsers

import "sync"

// Input is one discovered file handed to a format parser. The loader reads every file
// once; parsers never read the files they were given again. Src is read-only from then
// on: parsers may keep strings that share its memory instead of copying it.
type Input struct {
	Path string // display path (relative to the working directory when inside it)
	Abs  string // absolute path, for resolving includes
	Src  []byte
}

// Options carries what a parser needs besides the files.
type Options struct {
	// NginxVersion is .no502.yaml's nginx_version ("1.28.0"); empty when unknown.
	NginxVersion string
	// Roots are the absolute paths being linted. nginx include and Caddy import outside
	// them are not followed (an info note says so), so a hostile config cannot make the
	// linter read /etc/shadow.
	Roots []string
	// ReadFile reads a file an include or import names (given its absolute path). The
	// loader supplies it so that size limits and the read-once cache apply; it returns
	// the display path too.
	ReadFile func(abs string) (display string, src []byte, err error)
	// ContainerMounts are, per Compose service, the files and directories of the
	// linted tree it bind-mounts into its container. An nginx include of an absolute
	// path outside the linted paths, in a file that service sees, is read from the
	// directory it mounts there (SWAG: ./config:/config, include
	// /config/nginx/proxy-confs/*.conf). Nil when no service mounts any.
	ContainerMounts [][]Mount
	// VarFiles are Terraform --var-file arguments (absolute paths).
	VarFiles []string
	// Limits on hostile input.
	MaxDepth     int // block nesting depth (default 500)
	MaxIncludes  int // files one include/import tree may pull in (default 1000)
	MaxDocuments int // YAML documents read from one file (default 10000)
	// MaxDirectives bounds the directives of one nginx or Caddy config: of one file as
	// parsed, and of a tree with its includes and imports expanded (default 262144).
	MaxDirectives int
	// Declared holds the chain: and backends: entries of .no502.yaml for the link step.
	Declared *Declared
	// Cache, when set, keeps what a parser read from a file's text for a later parse of
	// the same text in the same run (lint --fix's verifying rounds re-read every file,
	// and most did not change). Nil: nothing is kept.
	Cache *ParseCache
}

// Mount is a bind mount: Host, an absolute path in the linted tree (a file or a
// directory), appears in the container at Target (an absolute slash path).
type Mount struct {
	Host   string
	Target string
	Dir    bool
}

// ParseCache holds per-format values by key (a format's own key type, such as a file's
// path and text). It is safe for concurrent use; a format stores only values it never
// changes after storing them.
type ParseCache struct {
	mu     sync.Mutex
	values map[any]any
}

// Take returns the value kept under key and drops it: a value handed out once.
func (c *ParseCache) Take(key any) (any, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.values[key]
	delete(c.values, key)
	return v, ok
}

// Len is how many values the cache holds.
func (c *ParseCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values)
}

// Store keeps v under key.
func (c *ParseCache) Store(key, v any) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.values == nil {
		c.values = map[any]any{}
	}
	c.values[key] = v
}

// Depth returns the configured nesting limit or its default.
func (o Options) Depth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return 500
}

// Includes returns the configured include limit or its default.
func (o Options) Includes() int {
	if o.MaxIncludes > 0 {
		return o.MaxIncludes
	}
	return 1000
}

// Directives returns the configured directive limit or its default.
func (o Options) Directives() int {
	if o.MaxDirectives > 0 {
		return o.MaxDirectives
	}
	return 1 << 18
}

// Documents returns the configured YAML document limit or its default.
func (o Options) Documents() int {
	if o.MaxDocuments > 0 {
		return o.MaxDocuments
	}
	return 10000
}

// Within reports whether abs lies inside one of the roots (or there are no roots).
func (o Options) Within(abs string) bool {
	if len(o.Roots) == 0 {
		return true
	}
	for _, r := range o.Roots {
		if abs == r || (len(abs) > len(r) && abs[:len(r)] == r && (r[len(r)-1] == '/' || abs[len(r)] == '/')) {
			return true
		}
	}
	return false
}
