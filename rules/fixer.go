package rules

import (
	"time"

	"github.com/no502/no502/parsers"
)

// ChangeKind names a format-neutral correction. Rules are grouped by concern and serve
// every format alike; they say what must change, and the format's Fixer says it in that
// format's language (an nginx directive, a Caddy subdirective, an HCL attribute, a YAML
// patch).
type ChangeKind string

// The corrections shared rules ask for.
const (
	// SetReadTimeout: make Route wait at least Duration for the upstream's response.
	SetReadTimeout ChangeKind = "set-read-timeout"
	// LowerReadTimeout: make Route give up before the edge does (Duration is the edge's
	// limit); the fix also says to acknowledge fast and queue the work.
	LowerReadTimeout ChangeKind = "lower-read-timeout"
	// EnablePassiveHealth: take failing targets of Backend out of rotation (Target, when
	// set, is the one with failure accounting disabled).
	EnablePassiveHealth ChangeKind = "enable-passive-health"
	// EnableRetry: on Route, retry a failed connection on another target of its backend.
	EnableRetry ChangeKind = "enable-retry"
	// ProxyHealthCheck: Route answers a health path itself; forward it to the app.
	ProxyHealthCheck ChangeKind = "proxy-health-check"
	// AddTarget: Backend has a single target; add another instance.
	AddTarget ChangeKind = "add-target"
	// EnableUpstreamKeepAlive: wire Route for upstream keep-alive (nginx < 1.29.7).
	EnableUpstreamKeepAlive ChangeKind = "enable-upstream-keepalive"
	// BoundShutdown: give Hop a finite graceful-shutdown period (Duration) and a delay.
	BoundShutdown ChangeKind = "bound-shutdown"
)

// Change is one requested correction. Only the fields the kind needs are set.
type Change struct {
	Kind     ChangeKind
	Hop      *parsers.Hop
	Route    *parsers.Route
	Backend  *parsers.Backend
	Target   *parsers.Target
	Duration time.Duration
	// Note is a short explanation a fixer may put in a comment next to the value.
	Note string
}

// Fixer writes a Change in one format. It returns nil when it has no fix for the kind.
type Fixer func(m *parsers.Model, c Change) *Fix

var fixers = map[string]Fixer{}

// RegisterFixer installs the fixer for a format (parsers.FormatNginx, ...). Rule files for
// a format call it from init.
func RegisterFixer(format string, f Fixer) { fixers[format] = f }

// Fix asks the fixer of format for a correction; nil when none is registered or it has
// no fix for the kind.
func (p *Pass) Fix(format string, c Change) *Fix {
	f := fixers[format]
	if f == nil {
		return nil
	}
	return f(p.Model, c)
}
