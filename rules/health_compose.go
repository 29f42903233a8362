package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

const composeHealthSources = `- Docker healthcheck (interval 30s, timeout 30s, retries 3; unhealthy after retries
  consecutive failures): https://docs.docker.com/reference/dockerfile/#healthcheck;
  https://docs.docker.com/reference/compose-file/services/#healthcheck
- depends_on conditions (service_started by default, service_healthy):
  https://docs.docker.com/reference/compose-file/services/#depends_on;
  https://docs.docker.com/compose/how-tos/startup-order/
`

func init() {
	alsoCompose(readinessCannotFail, runHealthCannotFailCompose, "a healthcheck that cannot fail", `
A Compose `+"`healthcheck`"+` of a service a proxy forwards to is checked the same way: a test that
always succeeds (`+"`true`"+`, `+"`exit 0`"+`, `+"`echo`"+`, `+"`CMD [\"true\"]`"+`, or a command followed by `+"`|| exit 0`"+`,
`+"`|| true`"+` or `+"`; exit 0`"+`) makes Docker call the container healthy when the app cannot answer. Whatever waits
for healthy then lets traffic reach it: `+"`depends_on: condition: service_healthy`"+`,
`+"`docker compose up --wait`"+`, a swarm rolling update with `+"`order: start-first`"+`. The proxy answers
502 for those requests.

**Fix (Compose):** a test that fails when the app cannot serve, e.g. `+"`curl -f http://localhost:8000/health || exit 1`"+` (a snippet).
`, composeHealthSources)
	alsoCompose(probeSlowDetection, runHealthSlowCompose, "a healthcheck slow to notice (interval × retries)", `
A Compose `+"`healthcheck`"+` written for a service a proxy forwards to notices a failure after
interval × retries (Docker's defaults 30s × 3 = 90s); when that is longer than
probe_failure_window the container stays "healthy", and in a swarm service in rotation,
that long after it stopped answering. The image's own HEALTHCHECK (no healthcheck: in the
compose file) is not judged.

**Fix (Compose):** `+"`interval: 10s`"+` and `+"`retries: 3`"+` (a snippet).
`, composeHealthSources)
	Register(dependsOnNotHealthy)
}

// composeHealthCannotFail reports whether a healthcheck command cannot fail, and how to
// say so: what alwaysSucceeds knows, and a shell script whose last alternative always
// succeeds (curl ... || exit 0, curl ... || true).
func composeHealthCannotFail(cmd []string) (script string, fixed string, ok bool) {
	script = strings.Join(cmd, " ")
	if len(cmd) >= 3 && (cmdBase(cmd[0]) == "sh" || cmdBase(cmd[0]) == "bash") && cmd[1] == "-c" {
		script = cmd[2]
	}
	if alwaysSucceeds(cmd) {
		return script, "", true
	}
	if !(len(cmd) >= 3 && cmd[1] == "-c") {
		return script, "", false
	}
	s := strings.TrimSpace(cmd[2])
	if fixed, ok := endsInSuccess(s); ok {
		return script, fixed, true
	}
	i := strings.LastIndex(s, "||")
	if i < 0 {
		return script, "", false
	}
	tail := strings.Join(strings.Fields(s[i+2:]), " ")
	switch tail {
	case "true", "/bin/true", ":", "exit 0", "echo", "exit 0;", "true;":
		return script, strings.TrimSpace(s[:i]) + " || exit 1", true
	}
	return script, "", false
}

// endsInSuccess reports whether a shell script's last statement, run whatever came
// before it, always succeeds: "curl ...; exit 0", "curl ...\ntrue". A script that can
// leave earlier (another exit, set -e, errexit) or whose last statement is conditional
// (if/fi, a function) is not judged. fixed is the script without that statement.
func endsInSuccess(s string) (fixed string, ok bool) {
	s = strings.TrimRight(strings.TrimSpace(s), ";")
	i := strings.LastIndexAny(s, ";\n")
	if i < 0 {
		return "", false
	}
	head, last := strings.TrimSpace(s[:i]), strings.Join(strings.Fields(s[i+1:]), " ")
	switch last {
	case "true", "/bin/true", ":", "exit 0":
	default:
		return "", false // a bare exit returns the last command's status: it can fail
	}
	for _, f := range strings.FieldsFunc(head, func(r rune) bool { return r == ' ' || r == ';' || r == '\n' || r == '\t' || r == '&' || r == '|' }) {
		switch f {
		case "exit", "return", "set", "-e", "errexit", "if", "fi", "then", "else", "while", "until", "for", "done", "case", "esac", "{", "}", "(", ")", "trap":
			return "", false
		}
	}
	if head == "" {
		return "", false
	}
	return head, true
}

func runHealthCannotFailCompose(p *Pass) {
	for _, w := range composeWorkloads(p.Model) {
		c := w.Containers[0]
		r := c.Readiness
		if r == nil {
			continue
		}
		script, fixed, ok := composeHealthCannotFail(r.Command)
		if !ok {
			continue
		}
		if fixed == "" {
			fixed = fmt.Sprintf("curl -f http://localhost:%s/ || exit 1", healthPort(c))
		}
		hc := w.Compose.Healthcheck
		p.Report(Finding{
			Pos: writtenOr(hc.Test, r.Pos),
			Message: fmt.Sprintf("healthcheck of %s runs `%s`, which always succeeds: Docker calls the container healthy when the app cannot answer, so what waits for healthy (depends_on: condition: service_healthy, docker compose up --wait, a swarm rolling update) lets requests reach it, and %s. Make the test fail when the app cannot serve (point it at a health endpoint).",
				composeService(w), script, composeAnswers(p.Model, w, "them")),
			Fix: composeFix("a healthcheck that can fail (point it at the app's health endpoint)", w,
				"healthcheck:\n  test: [\"CMD-SHELL\", "+strconv.Quote(fixed)+"]"),
		})
	}
}

// healthPort is the port a suggested healthcheck calls: the container's first declared
// port, else 8000.
func healthPort(c *parsers.Container) string {
	for _, p := range c.Ports {
		if p.Port > 0 {
			return strconv.Itoa(p.Port)
		}
	}
	return "8000"
}

func runHealthSlowCompose(p *Pass) {
	limit := p.Config.ProbeFailureWindow
	if !limit.Known() || limit.Value <= 0 {
		return
	}
	for _, w := range composeWorkloads(p.Model) {
		hc := w.Compose.Healthcheck
		if !hc.Pos.IsValid() || hc.Kind == "NONE" || (hc.Disable.Known() && hc.Disable.Value) {
			continue
		}
		if !hc.Interval.Known() || !hc.Retries.Known() || hc.Interval.Value <= 0 || hc.Retries.Value <= 0 {
			continue
		}
		win := hc.Interval.Value * time.Duration(hc.Retries.Value)
		if win <= limit.Value {
			continue
		}
		pos := writtenOr(hc.Retries, writtenOr(hc.Interval, hc.Pos))
		if hc.Interval.Explicit() && hc.Interval.Value*time.Duration(min(hc.Retries.Value, 3)) > limit.Value {
			pos = hc.Interval.Pos
		}
		var related []Related
		if limit.Explicit() {
			related = append(related, Related{Pos: limit.Pos, Message: "probe_failure_window " + parsers.Seconds(limit.Value)})
		}
		interval := min(hc.Interval.Value, 10*time.Second)
		retries := max(1, min(hc.Retries.Value, 3))
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("healthcheck of %s takes %s to notice a failure (interval %s × retries %d): the container stays healthy that long after the app stopped answering, and %s keeps getting 502 from it where anything acts on health. Keep the window within %s (%s), e.g. interval: %s, retries: %d.",
				composeService(w), parsers.FormatDuration(win), parsers.FormatDuration(hc.Interval.Value), hc.Retries.Value,
				composeProxies(p.Model, w), parsers.FormatDuration(limit.Value), limit.Describe(), parsers.FormatDuration(interval), retries),
			Related: related,
			Fix: composeFix("notice failures within "+parsers.FormatDuration(interval*time.Duration(retries)), w,
				fmt.Sprintf("healthcheck:\n  interval: %s\n  retries: %d", parsers.FormatDuration(interval), retries)),
		})
	}
}

var dependsOnNotHealthy = &Rule{
	ID:       "depends-on-not-healthy",
	Category: Health,
	Severity: Info,
	Summary:  "A Compose proxy depends_on the app it forwards to without condition: service_healthy: it starts forwarding before the app listens",
	Formats:  []string{parsers.FormatCompose},
	Doc: `# depends-on-not-healthy

A Compose service running nginx or Caddy lists the app it forwards to under ` + "`depends_on`" + `
with the default condition ` + "`service_started`" + ` (a list entry means that too). Docker Compose then
starts the proxy as soon as the app's container has started, which is before the app has
loaded and listens: requests that arrive in that window (a ` + "`docker compose up`" + ` of the whole
stack, after a reboot) get 502. ` + "`condition: service_healthy`" + ` makes Compose wait until the
app's healthcheck passes; the app needs a healthcheck for that (the finding says when it
has none in the compose file: its image may still define one).

Caddy changes the window. Its active health check (` + "`health_uri`" + `) runs first as Caddy
starts: it finds the app not listening and keeps it down until the next check, so
requests get 503 (no upstream available) for up to ` + "`health_interval`" + ` after the app
listens. With ` + "`lb_try_duration`" + ` and no active check, a request waits that long for the app
and gets 502 after it (caddy 2.6.2 on loopback; a POST with a body got 502 even so, the
bug caddy#7546).

A file named like a swarm stack file (` + "`docker-stack.yml`" + `) is not reported:
` + "`docker stack deploy`" + ` ignores ` + "`depends_on`" + `.

It is ` + "`info`" + `: the window is the stack's start, not every deploy (a recreated app does not
restart the proxy). A proxy that does not list the app at all, or lists another service,
is not reported.

**Fix:** ` + "`depends_on: {app: {condition: service_healthy}}`" + ` and a healthcheck on the app (a
snippet; an edit once Compose fixes are edits).

## Sources

` + composeHealthSources,
	Run: runDependsOnNotHealthy,
}

// caddyStartOutage is what requests get from a Caddy hop, through route r, while the
// app it depends_on has started but does not listen yet, where r's reverse_proxy makes
// that other than 502 at once; "" where it does not. caddy 2.6.2 on loopback, two
// upstreams, one starting to listen 2s after Caddy: with health_uri and health_interval
// 10s, Caddy's first check (made as it starts) marked both down, and every request got 503
// until the next check, 7s after the app listened (with lb_try_duration 5s as well, a
// request waited 5s for its 503); with lb_try_duration 5s alone, a GET waited 3s and got
// 200, a POST with a body waited as long and got 502 (caddy#7546).
func caddyStartOutage(h *parsers.Hop, r *parsers.Route, app string) string {
	if h == nil || h.Kind != parsers.HopCaddy || r == nil || r.Backend == nil {
		return ""
	}
	if hc := r.Backend.Health; hc != nil && hc.Enabled.Known() && hc.Enabled.Value && hc.Interval.Known() && hc.Interval.Value > 0 {
		return fmt.Sprintf("Caddy's first active health check, made as it starts, finds %s not listening yet and keeps it down until the next check, up to health_interval %s after it listens: requests get %s while no upstream is up",
			app, parsers.FormatDuration(hc.Interval.Value), caddyStatus(h, 503))
	}
	c, try := r.Retry.Conditions, r.Retry.Timeout
	if c.Known() && !c.Unknown && len(c.Value) > 0 && c.Value[0] != "off" && try.Known() && try.Value > 0 {
		return fmt.Sprintf("requests in that window wait up to lb_try_duration %s for it to listen and get %s after that (a POST with a body gets it even so on Caddy before the 2026 fix of caddy#7546)",
			parsers.FormatDuration(try.Value), caddyStatus(h, 502))
	}
	if st := caddyStatus(h, 502); st != "502" {
		return "requests in that window get " + st
	}
	return ""
}

func runDependsOnNotHealthy(p *Pass) {
	for _, proxy := range p.Model.Workloads {
		if proxy.Compose == nil || len(proxy.Compose.DependsOn) == 0 {
			continue
		}
		apps := map[string]*parsers.Workload{}
		appRoute := map[string]*parsers.Route{}
		var hop *parsers.Hop
		for _, h := range p.Model.Hops {
			if h.Workload != proxy {
				continue
			}
			for _, r := range h.Routes {
				if r.Backend == nil || r.Respond != nil {
					continue
				}
				for _, w := range r.Backend.Workloads {
					if w.Compose != nil && w != proxy {
						apps[w.Name] = w
						if appRoute[w.Name] == nil {
							appRoute[w.Name] = r
						}
						if hop == nil {
							hop = h
						}
					}
				}
			}
		}
		for _, d := range proxy.Compose.DependsOn {
			app := apps[d.Service]
			if app == nil || !d.Condition.Known() || d.Condition.Value == "service_healthy" {
				continue
			}
			if stackNamed(proxy) || stackNamed(app) {
				// docker stack deploy ignores depends_on (Compose file v3 reference,
				// depends_on; docker/compose#13819): service_healthy would change nothing.
				// Only the file's name says so: an update_config is written for docker
				// compose too (single-replica's own snippet adds one).
				continue
			}
			tail := ""
			attrs := fmt.Sprintf("depends_on:\n  %s:\n    condition: service_healthy", app.Name)
			if app.Containers[0].Readiness == nil {
				tail = fmt.Sprintf(" %s has no healthcheck in the compose file: give it one (service_healthy needs one, unless its image defines it).", composeService(app))
				if hc := app.Compose.Healthcheck; hc.Kind == "NONE" || hc.Disable.Known() && hc.Disable.Value {
					// The image's HEALTHCHECK is off too: service_healthy alone would make
					// Compose fail the proxy's start ("has no healthcheck configured").
					tail = fmt.Sprintf(" %s's healthcheck is disabled in the compose file, which turns off its image's too: give it one (service_healthy needs one).", composeService(app))
				}
			}
			outage := "requests in that window get 502"
			if o := caddyStartOutage(hop, appRoute[app.Name], app.Name); o != "" {
				outage = o
			}
			if guards := composeAuthGuards(p.Model, app); guards != nil {
				outage = "the auth checks sent to it in that window fail: " + authFailure("the requests they guard", guards)
			}
			p.Report(Finding{
				Pos: writtenOr(d.Condition, d.Pos),
				Message: fmt.Sprintf("%s (%s) depends_on %s with condition %s (%s): Compose starts the proxy as soon as the app's container has started, before the app listens, and %s. Use condition: service_healthy.%s",
					composeService(proxy), product(hop), app.Name, d.Condition.Value, composeOrigin(d.Condition), outage, tail),
				Fix: composeFix("start the proxy once the app is healthy", proxy, attrs),
			})
		}
	}
}
