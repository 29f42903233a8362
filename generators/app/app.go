// Package app knows how long the common app servers keep an idle connection open, so that
// a generated proxy block closes its pooled upstream connections first. A proxy that keeps
// an idle connection longer than the app sends the next request on a connection the app
// has just closed, and the client gets 502 (the keepalive-race rule).
package app

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// A Server is an app server whose default idle keep-alive is known. The values are the
// ones parsers/appserver assumes when a command line does not set them (docs/rules/
// keepalive-race.md cites their sources).
type Server struct {
	Name string
	// KeepAlive is the default idle keep-alive.
	KeepAlive time.Duration
	// Flag is how the user raises it, for the generated comment.
	Flag string
}

var servers = map[string]Server{
	// gunicorn's sync worker closes every connection; its threaded and async workers
	// keep one open for --keep-alive (2s). A proxy below 2s is right for both.
	"gunicorn": {"gunicorn", 2 * time.Second, "--keep-alive"},
	"uvicorn":  {"uvicorn", 5 * time.Second, "--timeout-keep-alive"},
	// Node closes an idle connection at keepAliveTimeout (5s) plus a 1s buffer; 5s is
	// the value a user sees and sets, and staying below it keeps the margin.
	"node": {"node", 5 * time.Second, "server.keepAliveTimeout"},
	// Puma 7 raised persistent_timeout to 65s (20s before 7.0; puma History.md, PR
	// 3378). The version behind the block is unknown: the shorter default keeps it right
	// in front of both (60s raced Puma 6's 20s).
	"puma": {"puma", 20 * time.Second, "persistent_timeout"},
}

// defaultNote says more about a default than "<name>'s default <value>", where the
// default depends on the version.
var defaultNote = map[string]string{
	"puma": "20s before Puma 7.0, 65s since; the shorter is assumed",
}

// Names lists the app servers Resolve knows, sorted.
func Names() []string {
	out := make([]string, 0, len(servers))
	for n := range servers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Assumed is the keep-alive assumed when neither the app nor its keep-alive is given:
// gunicorn's 2s, the shortest default of the common app servers, so the generated block
// is right in front of any of them.
const Assumed = 2 * time.Second

// MaxIdle caps the proxy's idle time for pooled connections: nginx's own default for an
// upstream pool, and long enough that reuse pays off.
const MaxIdle = 60 * time.Second

// KeepAlive is the app's keep-alive a generator works with, and where it came from.
type KeepAlive struct {
	Value time.Duration
	// Source says where Value came from, for the generated comment:
	// "uvicorn's default 5s (--timeout-keep-alive)", "--app-keepalive 30s", or the
	// assumption.
	Source string
	// Assumed is true when neither --app nor --app-keepalive was given.
	Assumed bool
}

// Resolve picks the app's keep-alive from an explicit value (wins) or an app server
// name. With neither, it returns the Assumed value and says so.
func Resolve(name string, explicit time.Duration) (KeepAlive, error) {
	if explicit < 0 {
		return KeepAlive{}, fmt.Errorf("--app-keepalive must not be negative")
	}
	// nginx and Caddy count idle time in milliseconds: below that the block would print
	// "0ms" for the app's keep-alive and a proxy idle time equal to it.
	if explicit > 0 && explicit < 2*time.Millisecond {
		return KeepAlive{}, fmt.Errorf("--app-keepalive %s is below what a proxy can stay under (2ms)", explicit)
	}
	var s Server
	if name != "" {
		var ok bool
		if s, ok = servers[strings.ToLower(name)]; !ok {
			return KeepAlive{}, fmt.Errorf("--app %q is not one no502 knows (want %s); give --app-keepalive instead", name, strings.Join(Names(), ", "))
		}
	}
	switch {
	case explicit > 0:
		return KeepAlive{Value: explicit, Source: "--app-keepalive " + Format(explicit)}, nil
	case name != "":
		src := fmt.Sprintf("%s's default %s (%s)", s.Name, Format(s.KeepAlive), s.Flag)
		if n, ok := defaultNote[s.Name]; ok {
			src = fmt.Sprintf("%s's default %s: %s", s.Name, s.Flag, n)
		}
		return KeepAlive{Value: s.KeepAlive, Source: src}, nil
	}
	return KeepAlive{Value: Assumed, Assumed: true,
		Source: "not given; " + Format(Assumed) + " assumed (gunicorn's default, the shortest common one)"}, nil
}

// ProxyIdle is how long the proxy may keep an idle pooled connection to an app with
// keep-alive k: a second less (half of it below 2s), at most MaxIdle.
func ProxyIdle(k time.Duration) time.Duration {
	idle := k - time.Second
	if k < 2*time.Second {
		idle = (k / 2).Truncate(time.Millisecond)
	}
	if idle > MaxIdle {
		idle = MaxIdle
	}
	if idle < time.Millisecond {
		idle = time.Millisecond
	}
	return idle
}

// Format writes d as nginx and Caddy both read it: whole seconds as "5s", else "500ms".
func Format(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
