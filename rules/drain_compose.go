package rules

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

func init() {
	alsoCompose(gracePeriodTooShort, runStopGraceCompose, "stop_grace_period (default 10s) shorter than the app's drain", `
A Compose service's `+"`stop_grace_period`"+` (default 10s) is its grace period: `+"`docker compose stop`"+`,
`+"`down`"+`, `+"`restart`"+` and every `+"`up`"+` that recreates the container send the stop signal and, that
long after, SIGKILL. It is checked for the services a proxy of the linted configs forwards
to, against how long the app may still be finishing requests after the signal: the app
server's own graceful timeout (gunicorn `+"`--graceful-timeout`"+`, default 30s; uvicorn
`+"`--timeout-graceful-shutdown`"+`; nginx `+"`worker_shutdown_timeout`"+`; Caddy `+"`grace_period`"+`) and the
handler budget of the routes that reach the service (.no502.yaml `+"`routes:`"+`), whichever is
shorter: requests end by then either way. A server that drains without a bound of its own
(uvicorn, nginx and Caddy by default) is held to the budget alone; with neither known, the
check stays silent, and so does it for a server started from a shell script that runs other
commands first (`+"`sh -c \"migrate && gunicorn ...\"`"+`) or by `+"`sh`"+` without `+"`exec`"+` (a Dockerfile's
shell form `+"`CMD gunicorn ...`"+`, run as `+"`/bin/sh -c`"+`: Debian's dash stays PID 1 and ignores
SIGTERM, bash would run it in its own place): the signal goes to the shell, or whose
image stops it with another signal than the one it drains on (a Dockerfile's `+"`STOPSIGNAL SIGINT`"+`
in front of gunicorn, when the service sets no `+"`stop_signal`"+`). A service that writes no
`+"`command:`"+` runs its Dockerfile's `+"`ENTRYPOINT`"+` and `+"`CMD`"+`, read from the build context (a stage
built `+"`FROM`"+` an earlier stage inherits that stage's), and one that writes only `+"`command:`"+` runs it
as the arguments of the Dockerfile's `+"`ENTRYPOINT`"+`. There
is no preStop in Compose, and the proxy does not take the container out of rotation first:
the kill is what cuts requests.

Only a request still running when the SIGKILL comes is cut: gunicorn closes its listener on
SIGTERM, lets its workers finish what they hold, and exits as soon as they are idle, so a
request shorter than the grace period finishes. (Measured with nginx 1.22 in front of
gunicorn 20.1 on loopback, SIGTERM then SIGKILL 10s later: a 3s request answered 200, a 15s
one got 502 "upstream prematurely closed connection" at 10s.) So the finding is an **error**
when the files say requests run that long: a `+"`routes:`"+` handler budget above the grace
period, or a drain or request timeout written above it (`+"`--graceful-timeout 60`"+`,
`+"`--timeout 120`"+`); with only the app server's default drain against Compose's default
(gunicorn's 30s against 10s) it is a **warning** and says which requests are at risk.

**Fix (Compose):** `+"`stop_grace_period`"+` 10s above that time, written by `+"`lint --fix --unsafe-fixes`"+` (a longer grace period
slows every stop, as in Kubernetes) where
the value is written (an override file's included) or as the service's first line.
`, composeSources+`- gunicorn --graceful-timeout (default 30s): https://docs.gunicorn.org/en/stable/settings.html#graceful-timeout
- uvicorn --timeout-graceful-shutdown (no default: waits for every request):
  https://www.uvicorn.org/settings/
`)
	Register(stopSignalNotGraceful)
}

// fromDockerfile names where a value at pos was written when it comes from the command
// of the Dockerfile the service builds ("ENTRYPOINT in app/Dockerfile", after sep): such
// a value is positioned at the service's build: key, which does not show it.
func fromDockerfile(c *parsers.Container, pos parsers.Pos, sep string) string {
	if c.Built == nil || c.CommandFrom == "" || !pos.IsValid() || pos != c.Built.Pos {
		return ""
	}
	return sep + "from " + c.CommandFrom
}

// requestTimeoutAbove reports whether c's app server lets a request run longer than d by
// a timeout written in the files (gunicorn --timeout 120): the user expects requests that
// long. A default says nothing about how long requests take.
func requestTimeoutAbove(c *parsers.Container, d time.Duration) bool {
	if c.App == nil {
		return false
	}
	t := c.App.RequestTimeout
	return t.Known() && t.Explicit() && t.Value > d
}

// unboundedDrain are the servers that, on their graceful signal, wait for every
// in-flight request without a deadline of their own unless configured: uvicorn without
// --timeout-graceful-shutdown, nginx without worker_shutdown_timeout, Caddy without
// grace_period.
var unboundedDrain = map[string]bool{appserver.Uvicorn: true, appserver.Nginx: true, appserver.Caddy: true}

func runStopGraceCompose(p *Pass) {
	for _, w := range composeWorkloads(p.Model) {
		g := w.TerminationGrace
		if !g.Known() {
			continue
		}
		c := w.Containers[0]
		if shellWrapped(c) {
			continue // the stop signal may never reach the server: see shellWrapped
		}
		if b := c.Built; b != nil && b.StopSignal != "" && !w.Compose.StopSignal.Pos.IsValid() && !w.Compose.StopSignal.Unknown && c.App != nil &&
			!contains(gracefulSignals[c.App.Name], signalName(b.StopSignal)) {
			// The image stops its server with another signal than the one it drains on
			// (STOPSIGNAL SIGINT: gunicorn quits at once): its drain says nothing about a
			// stop, and a longer grace period would not make it drain.
			continue
		}
		app, hasApp := appGrace(c)
		if hasApp && app.Value <= 0 {
			hasApp = false
		}
		budget, hasBudget := composeBudget(p, w)
		if hasBudget && !hasApp && (c.App == nil || !unboundedDrain[c.App.Name]) {
			hasBudget = false // how this app stops is not known: it may not drain at all
		}
		var need time.Duration
		var why string
		var related []Related
		switch {
		case hasApp && hasBudget && budget.HandlerTimeout.Value < app.Value:
			need = budget.HandlerTimeout.Value
			why = fmt.Sprintf("the handler budget %s of the routes that reach it (%s drains for up to %s, %s)",
				parsers.Seconds(need), c.App.Name, parsers.Seconds(app.Value), composeOrigin(app))
			related = append(related, BudgetRelated(budget))
		case hasApp:
			need = app.Value
			why = fmt.Sprintf("%s's graceful timeout %s (%s%s)", c.App.Name, parsers.Seconds(app.Value), composeOrigin(app), fromDockerfile(c, app.Pos, ", "))
			if app.Explicit() {
				related = append(related, Related{Pos: app.Pos, Message: c.App.Name + " graceful timeout " + parsers.Seconds(app.Value) + fromDockerfile(c, app.Pos, ", ")})
			}
		case hasBudget:
			need = budget.HandlerTimeout.Value
			why = fmt.Sprintf("the handler budget %s of the routes that reach it (%s drains without a deadline of its own)",
				parsers.Seconds(need), c.App.Name)
			related = append(related, BudgetRelated(budget))
		default:
			continue
		}
		if need <= 0 || g.Value >= need {
			continue
		}
		want := need + 10*time.Second
		// Only a request still running when the SIGKILL comes is cut: one shorter than
		// the grace period ends first, and the app exits once it is idle. Error when the
		// files say requests run that long (a declared handler budget, or a drain or
		// request timeout the user set above the grace period); with only the app
		// server's default drain (gunicorn's 30s against Compose's 10s), nothing does.
		sev := Warning
		tail := fmt.Sprintf(" Only requests running longer than %s are cut; nothing in the files says yours do (declare the routes' handler budgets in .no502.yaml routes: to check).", parsers.Seconds(g.Value))
		if hasBudget && budget.HandlerTimeout.Value > g.Value || hasApp && app.Explicit() || requestTimeoutAbove(c, g.Value) {
			sev, tail = Error, ""
		}
		if requestTimeoutAbove(c, g.Value) {
			t := c.App.RequestTimeout
			related = append(related, Related{Pos: t.Pos, Message: fmt.Sprintf("%s lets a request run %s%s", c.App.Name, parsers.Seconds(t.Value), fromDockerfile(c, t.Pos, ", "))})
		}
		p.Report(Finding{
			Pos:      writtenOr(g, w.Pos),
			Severity: sev,
			Message: fmt.Sprintf("%s has stop_grace_period %s (%s), shorter than %s: on docker compose stop, down, restart or an up that recreates it, Docker sends the stop signal and SIGKILL %s later, cutting off every request still running then, and %s. Set stop_grace_period: %s.%s",
				composeService(w), parsers.Seconds(g.Value), composeOrigin(g), why, parsers.Seconds(g.Value), composeAnswers(p.Model, w, "them"), parsers.FormatDuration(want), tail),
			Related: related,
			Fix:     composeSetFix(p, "give the container time to drain", w, "stop_grace_period", g.Pos, parsers.FormatDuration(want)),
		})
	}
}

var stopSignalNotGraceful = &Rule{
	ID:       "stop-signal-not-graceful",
	Category: Drain,
	Severity: Error,
	Summary:  "A Compose service's stop_signal makes its server quit at once instead of draining in-flight requests",
	Formats:  []string{parsers.FormatCompose},
	Doc: `# stop-signal-not-graceful

` + "`stop_signal`" + ` is what Docker sends a container on ` + "`docker compose stop`" + `, ` + "`down`" + `, ` + "`restart`" + ` and on
every ` + "`up`" + ` that recreates it. Servers treat signals differently, and the wrong one makes
them exit without finishing the requests in flight; the proxy in front answers 502 for them:

| server | graceful | quits at once |
|---|---|---|
| gunicorn | SIGTERM | SIGINT, SIGQUIT |
| uvicorn | SIGTERM, SIGINT | SIGQUIT (not handled: the process dies) |
| nginx | SIGQUIT | SIGTERM, SIGINT |
| Caddy 2 | SIGTERM, SIGINT | SIGQUIT |
| Spring Boot (JVM) | SIGTERM, SIGINT | SIGQUIT does not stop the JVM (a thread dump): Docker waits stop_grace_period, then SIGKILL |
| php-fpm | SIGQUIT | SIGTERM, SIGINT (nginx and Caddy answer the FastCGI requests cut off with 502) |

SIGKILL cannot be handled by anything. A server started from a shell script that runs other
commands first (` + "`sh -c \"python manage.py migrate && gunicorn ...\"`" + `), or by ` + "`sh -c`" + ` without
` + "`exec`" + ` (a Dockerfile's shell form), is not judged: the signal goes to the shell, not to the
server. Only a ` + "`stop_signal`" + ` written in the compose file is
judged, for the services a proxy of the linted configs forwards to (or that run the proxy
itself, behind another one; for php-fpm, the services an nginx ` + "`fastcgi_pass`" + ` or a Caddy
` + "`php_fastcgi`" + ` reaches):
without it the image's STOPSIGNAL applies (the official nginx and php-fpm images set
SIGQUIT), which the files do not show.

**Fix:** the server's graceful signal, written by ` + "`lint --fix`" + ` in place of the written one.

## Sources

- gunicorn signals: https://docs.gunicorn.org/en/stable/signals.html
- nginx signals (QUIT graceful, TERM/INT fast): https://nginx.org/en/docs/control.html
- Caddy 2: SIGQUIT "quitting process immediately", SIGTERM "shutting down apps, then
  terminating": https://github.com/caddyserver/caddy/blob/master/sigtrap_posix.go
- uvicorn handles SIGINT and SIGTERM (uvicorn/server.py HANDLED_SIGNALS):
  https://github.com/encode/uvicorn/blob/master/uvicorn/server.py
- JVM: SIGQUIT prints a thread dump: https://docs.oracle.com/en/java/javase/21/troubleshoot/diagnostic-tools.html
- php-fpm: "SIGINT,SIGTERM immediate termination", "SIGQUIT graceful stop" (php-fpm(8)):
  https://github.com/php/php-src/blob/0a98679d14f7b32d3505f690cec483b119f7002e/sapi/fpm/php-fpm.8.in
` + composeSources,
	Run: runStopSignalNotGraceful,
}

// gracefulSignals are the signals each server drains on, and quickSignals those it quits
// on without draining (documented in the rule's page).
var (
	gracefulSignals = map[string][]string{
		appserver.Gunicorn: {"TERM"},
		appserver.Uvicorn:  {"TERM", "INT"},
		appserver.Nginx:    {"QUIT"},
		appserver.Caddy:    {"TERM", "INT"},
		appserver.Spring:   {"TERM", "INT"},
		appserver.PHPFPM:   {"QUIT"},
	}
	quickSignals = map[string][]string{
		appserver.Gunicorn: {"INT", "QUIT"},
		appserver.Uvicorn:  {"QUIT"},
		appserver.Nginx:    {"TERM", "INT"},
		appserver.Caddy:    {"QUIT"},
		appserver.Spring:   {"QUIT"},
		appserver.PHPFPM:   {"TERM", "INT"},
	}
)

// signalName normalises "SIGTERM", "term", "15" to "TERM"; "" when not recognised.
func signalName(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(s); err == nil {
		switch n {
		case 2:
			return "INT"
		case 3:
			return "QUIT"
		case 9:
			return "KILL"
		case 15:
			return "TERM"
		}
		return ""
	}
	s = strings.TrimPrefix(s, "SIG")
	switch s {
	case "INT", "QUIT", "KILL", "TERM", "HUP", "USR1", "USR2", "WINCH", "STOP":
		return s
	}
	return ""
}

func runStopSignalNotGraceful(p *Pass) {
	for _, w := range append(composeWorkloads(p.Model), fastcgiComposeWorkloads(p.Model)...) {
		sig := w.Compose.StopSignal
		if !sig.Explicit() {
			continue
		}
		name := signalName(sig.Value)
		c := w.Containers[0]
		var msg, want string
		switch {
		case name == "KILL":
			msg = fmt.Sprintf("stop_signal %s of %s kills the container at once: nothing can handle SIGKILL, so every docker compose stop, down, restart or recreate cuts off the requests in flight and %s.",
				sig.Value, composeService(w), composeAnswers(p.Model, w, "them"))
			want = "SIGTERM"
			if c.App != nil && len(gracefulSignals[c.App.Name]) > 0 {
				want = "SIG" + gracefulSignals[c.App.Name][0]
			}
			msg += " Use stop_signal: " + want + "."
		case c.App != nil && name != "" && contains(quickSignals[c.App.Name], name) && !shellWrapped(c):
			want = "SIG" + gracefulSignals[c.App.Name][0]
			how := "shut down at once"
			if c.App.Name == appserver.Spring {
				how = "print a thread dump and keep running until Docker's SIGKILL"
			}
			msg = fmt.Sprintf("stop_signal %s of %s makes %s %s (its graceful shutdown is on %s): every docker compose stop, down, restart or recreate cuts off the requests in flight and %s. Use stop_signal: %s.",
				sig.Value, composeService(w), c.App.Name, how, strings.Join(prefixed(gracefulSignals[c.App.Name]), " or "), composeAnswers(p.Model, w, "them"), want)
		default:
			continue
		}
		var related []Related
		if c.App != nil && c.App.Pos.IsValid() {
			related = append(related, Related{Pos: c.App.Pos, Message: "the container runs " + c.App.Name})
		}
		p.Report(Finding{
			Pos:     sig.Pos,
			Message: msg,
			Related: related,
			Fix:     composeSetFix(p, "stop with the server's graceful signal", w, "stop_signal", sig.Pos, want),
		})
	}
}

// fastcgiComposeWorkloads returns the Compose services an nginx reaches only by
// fastcgi_pass (php-fpm). They are not Served: a FastCGI pass is not an HTTP upstream, and
// the replica and probe rules do not judge it (docs/decisions.md, "php-fpm (session 5)");
// but a stop that cuts off their requests is a 502 at the nginx all the same.
func fastcgiComposeWorkloads(m *parsers.Model) []*parsers.Workload {
	seen := map[*parsers.Workload]bool{}
	var out []*parsers.Workload
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.PassBackend == nil {
				continue
			}
			for _, w := range r.PassBackend.Workloads {
				if w.Compose != nil && !w.Served && len(w.Containers) > 0 && !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
	}
	return out
}

func prefixed(sigs []string) []string {
	out := make([]string, len(sigs))
	for i, s := range sigs {
		out[i] = "SIG" + s
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shellWrapped reports whether the container starts its server from a shell script whose
// shell keeps running as PID 1: a script that runs other commands too (sh -c "migrate &&
// gunicorn ...") without exec, or a lone command under sh (a Dockerfile's shell form CMD
// gunicorn ..., which Docker runs as /bin/sh -c). The stop signal then goes to the shell,
// which as PID 1 ignores it unless the script traps it, and whether the server is ever
// told to drain depends on the shell: bash runs a lone command in its own place, dash
// (Debian's and Ubuntu's /bin/sh) runs it as a child (dash 0.5.12, measured: sh -c 'sleep
// 30' stays the parent; under unshare --pid, SIGTERM to that sh left gunicorn serving new
// requests), and which shell /bin/sh is depends on the image. The server's own graceful
// timeout and signals then say nothing, so the Compose and ECS drain checks stay silent.
func shellWrapped(c *parsers.Container) bool {
	words := append(append([]string{}, c.Command...), c.Args...)
	i := appserver.ShellScript(words)
	if i < 0 {
		return false
	}
	script := strings.TrimSpace(words[i])
	if c.App != nil && strings.Contains(script, "exec "+c.App.Name) {
		return false
	}
	if strings.ContainsAny(script, ";&|\n") {
		return true
	}
	if strings.HasPrefix(script, "exec ") {
		return false // the lone command replaces the shell
	}
	return scriptShell(words[:i-1]) != "bash"
}

// scriptShell returns the name of the shell that runs a -c script, given the words before
// its -c option (bash -e -o pipefail): the last word that is not an option.
func scriptShell(prefix []string) string {
	for j := len(prefix) - 1; j >= 0; j-- {
		w := prefix[j]
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "+") || j > 0 && (prefix[j-1] == "-o" || prefix[j-1] == "+o") {
			continue
		}
		return path.Base(w)
	}
	return ""
}
