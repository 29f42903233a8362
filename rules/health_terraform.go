package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

var healthMatcherAcceptsErrors = &Rule{
	ID:       "health-matcher-accepts-errors",
	Category: Health,
	Severity: Error,
	Summary:  "A target group's health check matcher counts 3xx/4xx (or 5xx) answers as healthy",
	Formats:  []string{"terraform", parsers.FormatK8s},
	Doc: `# health-matcher-accepts-errors

A target group's health check ` + "`matcher`" + ` lists the status codes that mean "healthy". A range
such as ` + "`200-499`" + ` or ` + "`200-399`" + `, or a list with a 4xx code, makes the check pass when the app
answers the health path with a redirect to a login page, a 404 from a router that lost its
routes, or a 401 from an auth layer in front of a broken app. The target stays in rotation
while real requests fail, and the one mechanism that should take it out never fires.

How bad that is depends on what the matcher lets through:

- **4xx or 5xx next to 2xx** (` + "`200-499`" + `, ` + "`200,404`" + `): an error. A lost route, an auth layer
  or the app's own error page passes the check. Codes named one by one (` + "`200,301,403`" + `)
  are named in the message.
- **redirects only** (` + "`200-399`" + `, ` + "`200,302`" + `): a warning. A health handler that redirects
  (to a login page, to https) passes without running, but 4xx and 5xx still fail it.
- **no 2xx at all** (` + "`matcher = \"404\"`" + ` on ` + "`/`" + `): a warning that names the design. The
  matcher is what the target answers there on purpose (an ingress-nginx controller's
  default backend answers 404 for a path no Ingress routes), so the check proves only that
  the server answers, not that the app behind it can serve.

Not reported: a Lambda target group (` + "`target_type = \"lambda\"`" + `). It holds one function, and a
group whose only target is unhealthy fails open: the load balancer sends it every request
whatever its check says, so the matcher takes nothing out of rotation. Nor is the default of
a Network Load Balancer's target group (protocol TCP, TLS, UDP or TCP_UDP) written out,
` + "`matcher = \"200-399\"`" + `: it is the same check as unset, which is not reported either (4xx or
5xx codes on one are).

An ALB of the AWS Load Balancer Controller with ip targets (` + "`alb.ingress.kubernetes.io/target-type: ip`" + `)
is checked the same way: its ` + "`alb.ingress.kubernetes.io/success-codes`" + ` annotation (on the Ingress,
or on the backend Service, which the controller reads first) is the matcher of the target
groups it creates. There the pod's readinessProbe takes a failing pod out too, so the matcher
is a second gate: 4xx or 5xx next to 2xx is a **warning**, redirects only or no 2xx at all
**info**. The finding offers a snippet: the annotation may be shared by every path of the
Ingress. With instance targets (the controller's default) the check goes to a node's port
and kube-proxy picks any pod, so it judges no pod and is not reported; nor is an NLB
Service's ` + "`healthcheck-success-codes`" + ` (default 200-399).

## Fix

Match only success: ` + "`matcher = \"200\"`" + ` (or the 2xx codes your health endpoint really returns,
e.g. ` + "`\"200,204\"`" + `), and point ` + "`path`" + ` at an endpoint that answers 200 without a redirect or
authentication.

For a matcher that adds only redirects, or adds codes named one by one (whoever wrote
` + "`200,403`" + ` saw the path answer 403), the edit is written only with ` + "`--unsafe-fixes`" + `:
what the health path answers today is not in the config, and such a matcher is often
widened because the path redirects (a Next.js app redirects ` + "`/`" + ` to a locale or a login
page). Narrowing it then fails every target's check at once: check what the path answers
first.

When the matcher has no 2xx code at all (` + "`matcher = \"404\"`" + ` for an app that answers 404 on
` + "`/`" + `), changing the matcher alone would fail every target's check: the finding then offers
a snippet, not an edit, and the path has to change first.

## Sources

- Matcher default 200 (ALB; gRPC 12; NLB 200-399), ALB range 200-499: https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown;
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
  (and its fail-open when a group has only unhealthy targets); one Lambda function per
  target group: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
` + tfSources,
	Run: runHealthMatcherAcceptsErrors,
}

// matcherRanges parses "200", "200,204", "200-299" into inclusive ranges.
func matcherRanges(s string) ([][2]int, bool) {
	var out [][2]int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a {
				return nil, false
			}
		}
		out = append(out, [2]int{a, b})
	}
	return out, len(out) > 0
}

// hasSuccess reports whether any range includes a 2xx code.
func hasSuccess(rs [][2]int) bool {
	for _, r := range rs {
		if r[0] <= 299 && r[1] >= 200 {
			return true
		}
	}
	return false
}

// successOnly keeps the 2xx part of a matcher ("200-499" → "200-299", "200,302" → "200").
func successOnly(rs [][2]int) string {
	var parts []string
	for _, r := range rs {
		a, b := max(r[0], 200), min(r[1], 299)
		switch {
		case a > b:
		case a == b:
			parts = append(parts, strconv.Itoa(a))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", a, b))
		}
	}
	if len(parts) == 0 {
		return "200"
	}
	return strings.Join(parts, ",")
}

// ingressDefaultBackend reports whether a matcher of only 404 is the ingress-nginx
// recipe: the target group's name says nginx or ingress, and the controller's default
// backend answers 404 for a path no Ingress routes.
func ingressDefaultBackend(be *parsers.Backend, rs [][2]int) bool {
	name := strings.ToLower(be.Name + " " + be.CloudName)
	return len(rs) == 1 && rs[0] == [2]int{404, 404} && (strings.Contains(name, "nginx") || strings.Contains(name, "ingress"))
}

func runHealthMatcherAcceptsErrors(p *Pass) {
	for _, be := range tfBackends(p.Model) {
		hc := be.Health
		if hc == nil || !hc.Matcher.Explicit() || (hc.Enabled.Known() && !hc.Enabled.Value) || oneFunction(be) {
			continue
		}
		rs, ok := matcherRanges(hc.Matcher.Value)
		if !ok {
			continue
		}
		bad := badClasses(rs)
		if len(bad) == 0 {
			continue
		}
		if passThrough(be) && strings.ReplaceAll(hc.Matcher.Value, " ", "") == "200-399" {
			// An NLB's HTTP health check accepts 200-399 by default: written out, it says
			// what every NLB target group left unset does, which is not reported either.
			continue
		}
		want := successOnly(rs)
		path := "the health path"
		if hc.Path.Known() && hc.Path.Value != "" {
			path = hc.Path.Value
		}
		if !hasSuccess(rs) {
			// The matcher names what the target answers on the path today, on purpose:
			// matcher = "200" alone would fail every target's check, so the fix is the
			// path first, and only a snippet (no502 cannot know which endpoint to use). A
			// design, not a typo, so a warning that names it.
			var msg, snippet string
			if ingressDefaultBackend(be, rs) {
				msg = fmt.Sprintf("%s on %s relies on ingress-nginx's default backend answering 404 for a path no Ingress routes, by design: the check proves only that the controller's nginx answers, not that the controller is ready (it passes while the controller is stuck on a stale or broken configuration), so a broken controller stays in rotation. Check the controller's own health endpoint instead: path = \"/healthz\" on port 10254 with matcher = \"200\".",
					tfDescribe("matcher", hc.Matcher, p.ownLine(hc.Matcher.Pos)), path)
				snippet = "health_check {\n  path    = \"/healthz\" # ingress-nginx's health endpoint\n  port    = \"10254\"\n  matcher = \"200\"\n}\n"
			} else {
				msg = fmt.Sprintf("%s counts only %s answers as healthy: the target answers %s on %s by design, so the check passes as long as a server answers at all, even when the app behind it is broken, and a broken target stays in rotation while real requests to it fail. matcher = \"200\" alone would fail every target's check: point path at an endpoint that answers 200 only when the app can serve, then set matcher = \"200\".",
					tfDescribe("matcher", hc.Matcher, p.ownLine(hc.Matcher.Pos)), strings.Join(bad, " and "), hc.Matcher.Value, path)
				snippet = "health_check {\n  path    = \"/healthz\" # an endpoint that answers 200 only when the app can serve\n  matcher = \"200\"\n}\n"
			}
			fix := &Fix{Description: `point path at a health endpoint, then set matcher = "200"`, Snippet: snippet}
			p.Report(Finding{Pos: hc.Matcher.Pos, Severity: Warning, Message: msg, Fix: fix})
			continue
		}
		fix := p.tfFix(fmt.Sprintf("set matcher = %q", want), tfSetting(p.Model, hc.Matcher, hc.Block, "matcher", strconv.Quote(want)))
		if len(bad) == 1 && bad[0] == "3xx" {
			// Redirects only: a health handler that redirects (to a login page, to https,
			// to a path with a slash) is a misrouted check more often than a broken app,
			// and 4xx/5xx still fail it.
			//
			// What the path answers today is not in the config, and a matcher widened to
			// take redirects is often widened because the path redirects (a Next.js app
			// redirects / to a locale or a login page): narrowing it then fails every
			// target's check at once. Never written without --unsafe-fixes.
			if !fix.manual {
				fix.markUnsafe()
				fix.Description += fmt.Sprintf(" (unsafe: if %s answers with a redirect today, every target then fails its health check at once; check what it answers first, or point path at an endpoint that answers 2xx)", path)
			}
			msg := fmt.Sprintf("%s counts redirects (3xx) as healthy: a target that answers %s with a redirect (to a login page, to https, after its health handler moved) passes the check without running it, so a broken app can stay in rotation; 4xx and 5xx still fail it. Set matcher = %q.",
				tfDescribe("matcher", hc.Matcher, p.ownLine(hc.Matcher.Pos)), path, want)
			p.Report(Finding{Pos: hc.Matcher.Pos, Severity: Warning, Message: msg, Fix: fix})
			continue
		}
		var answers []string
		for _, c := range bad {
			switch c {
			case "3xx":
				answers = append(answers, "a redirect")
			case "4xx":
				answers = append(answers, "a 404 or a 401")
			case "5xx":
				answers = append(answers, "a 500 or a 503")
			}
		}
		what := tfDescribe("matcher", hc.Matcher, p.ownLine(hc.Matcher.Pos))
		if _, shared := sharedSpan(p.Model, hc.Matcher.Pos); shared {
			// Written in an object several entries may read: say whose check it is.
			what += " (in the health check of " + be.Name + ")"
		}
		if named, ok := namedCodes(rs); ok {
			// Every code it adds is written one by one ("200,301,403"): whoever wrote it
			// saw the path answer those. A target answering one of them is kept, but
			// narrowing the matcher fails every target whose path answers it today, and
			// only the app's owner knows whether it does.
			if !fix.manual {
				fix.markUnsafe()
				fix.Description += fmt.Sprintf(" (unsafe: the matcher names %s one by one, as if %s answers one of them today; then every target fails its health check at once: check what it answers first, or point path at an endpoint that answers 2xx)", strings.Join(named, " and "), path)
			}
			msg := fmt.Sprintf("%s counts %s as healthy: a target that answers %s with %s (a login page, auth in front of a broken app, a moved route) stays in rotation while real requests to it fail. Set matcher = %q once %s answers 2xx when the app can serve.",
				what, strings.Join(named, " and "), path, strings.Join(named, " or "), want, path)
			p.Report(Finding{Pos: hc.Matcher.Pos, Message: msg, Fix: fix})
			continue
		}
		msg := fmt.Sprintf("%s counts %s answers as healthy: a target that answers %s with %s (lost routes, a login page, auth in front of a broken app) stays in rotation while real requests to it fail. Set matcher = %q.",
			what, strings.Join(bad, " and "), path, strings.Join(answers, ", "), want)
		p.Report(Finding{Pos: hc.Matcher.Pos, Message: msg, Fix: fix})
	}
	runK8sSuccessCodes(p)
}

// badClasses lists the classes above 2xx ("3xx", "4xx", "5xx") that matcher ranges rs
// accept.
func badClasses(rs [][2]int) []string {
	var bad []string
	for _, r := range rs {
		if r[1] >= 300 && r[0] <= 599 && r[0] >= 100 {
			for _, class := range []int{300, 400, 500} {
				if r[0] <= class+99 && r[1] >= class {
					bad = append(bad, fmt.Sprintf("%dxx", class/100))
				}
			}
		}
	}
	return dedupStrings(bad)
}

// runK8sSuccessCodes checks the success-codes annotation of the ALBs of the AWS Load
// Balancer Controller (an Ingress's, or its backend Service's) as the Terraform matcher
// is checked. An NLB Service (Passthrough) is not judged: its default is 200-399.
func runK8sSuccessCodes(p *Pass) {
	const key = "alb.ingress.kubernetes.io/success-codes"
	done := map[parsers.Pos]bool{}
	for _, h := range p.Model.Hops {
		if h.Format != parsers.FormatK8s || h.Kind != parsers.HopALBIngress || h.Passthrough {
			continue
		}
		for _, r := range h.Routes {
			be := r.Backend
			if be == nil || be.Health == nil || !be.Health.Matcher.Explicit() || done[be.Health.Matcher.Pos] || be.TargetType != "ip" {
				// Instance targets (the controller's default): the check goes to a node's
				// port and kube-proxy picks any pod, so it judges no pod.
				continue
			}
			hc := be.Health
			done[hc.Matcher.Pos] = true
			rs, ok := matcherRanges(hc.Matcher.Value)
			if !ok {
				continue
			}
			bad := badClasses(rs)
			if len(bad) == 0 {
				continue
			}
			path := "the health path"
			if hc.Path.Known() && hc.Path.Value != "" {
				path = hc.Path.Value
			}
			own := p.ownLine(hc.Matcher.Pos)
			what := describeAt(inHost(p.Model, hc.Matcher), own)
			want := successOnly(rs)
			// The pod's readinessProbe takes it out of the target group too: the matcher is
			// the second gate, and matters when the probe checks less than the ALB's path.
			sev := Warning
			var msg string
			switch {
			case !hasSuccess(rs):
				sev = Info
				msg = fmt.Sprintf("%s counts only %s answers as healthy: the targets answer %s on %s by design, so %s's health check passes as long as a server answers at all, even when the app behind it is broken, and a broken pod stays in rotation while real requests to it fail. success-codes 200 alone would fail every target's check: point healthcheck-path at an endpoint that answers 200 only when the app can serve, then set success-codes to 200.",
					what, strings.Join(bad, " and "), hc.Matcher.Value, path, product(h))
			case len(bad) == 1 && bad[0] == "3xx":
				sev = Info
				msg = fmt.Sprintf("%s counts redirects (3xx) as healthy: a pod that answers %s with a redirect (to a login page, to https, after its health handler moved) passes %s's health check without running it, so a broken app can stay in rotation; 4xx and 5xx still fail it. Set success-codes to %s once %s answers 2xx.",
					what, path, product(h), want, path)
			default:
				msg = fmt.Sprintf("%s counts %s answers as healthy: a pod that answers %s with a 404 or a 401 (lost routes, a login page, auth in front of a broken app) passes %s's health check and stays in rotation while real requests to it fail, unless its readinessProbe fails too. Set success-codes to %s once %s answers 2xx when the app can serve.",
					what, strings.Join(bad, " and "), path, product(h), want, path)
			}
			fix := &Fix{Description: fmt.Sprintf("count only 2xx as healthy: %s: %q (check what %s answers first: every pod whose path answers a redirect or a 4xx today then fails its check at once)", key, want, path),
				Snippet: fmt.Sprintf("metadata:\n  annotations:\n    %s: %q\n", key, want)}
			fix.snippetOnly()
			p.Report(Finding{Pos: hc.Matcher.Pos, Severity: sev, Message: msg, Fix: fix})
		}
	}
}

// namedCodes lists the codes of 300 and above that matcher ranges rs accept, when each
// is written alone ("200,301,403": 301 and 403), not as part of a range ("200-499").
func namedCodes(rs [][2]int) ([]string, bool) {
	var out []string
	for _, r := range rs {
		if r[1] < 300 {
			continue
		}
		if r[0] != r[1] {
			return nil, false
		}
		out = append(out, strconv.Itoa(r[0]))
	}
	return out, len(out) > 0
}

// oneFunction reports whether a target group holds a Lambda function: one target per
// group, so when its check fails the group has only unhealthy targets and the ALB fails
// open, sending it every request anyway ("If a target group contains only unhealthy
// registered targets, the load balancer routes requests to all those targets", AWS ALB
// guide, target-group-health-checks). What the check accepts and how fast it notices
// then change nothing for the requests (it feeds Route 53 DNS failover, which no502
// does not model).
func oneFunction(be *parsers.Backend) bool {
	return be.TargetType == "lambda"
}

func dedupStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

var healthCheckDisabled = &Rule{
	ID:       "health-check-disabled",
	Category: Health,
	Severity: Warning,
	Summary:  "A target group serving HTTP has its health check turned off",
	Formats:  []string{"terraform"},
	Doc: `# health-check-disabled

With ` + "`health_check { enabled = false }`" + ` the load balancer never checks its targets: a target
whose app has crashed, hung or lost its database keeps getting its share of requests, and
those clients get 502 or 504 until someone deregisters it by hand. AWS only lets you turn
the check off for Lambda targets; for instance and ip targets the API rejects it, so the
setting is at best a failed apply waiting to happen. A Lambda target group
(` + "`target_type = \"lambda\"`" + `) is not reported: off is AWS's default there, it holds one function,
and a check only adds invocations.

## Fix

Remove ` + "`enabled = false`" + ` (or set ` + "`enabled = true`" + `) and give the check a ` + "`path`" + ` the app answers
with 200 when it can serve requests.

## Sources

- Health checks are always enabled for instance, ip and alb targets; off by default for
  lambda: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
  (HealthCheckEnabled)
` + tfSources,
	Run: runHealthCheckDisabled,
}

func runHealthCheckDisabled(p *Pass) {
	for _, be := range tfBackends(p.Model) {
		hc := be.Health
		if hc == nil || !hc.Enabled.Explicit() || hc.Enabled.Value || be.TargetType == "lambda" {
			continue // off is AWS's default for Lambda targets, and a check costs invocations
		}
		proto := strings.ToUpper(hc.Protocol.Value)
		if !hc.Protocol.Known() || (proto != "HTTP" && proto != "HTTPS") {
			continue
		}
		targets := "for instance, ip and alb targets"
		if be.TargetType != "" {
			targets = "for its " + be.TargetType + " targets"
		}
		msg := fmt.Sprintf("%s asks to turn the health check of %s off, which AWS allows only for Lambda targets: %s the apply fails, and were the check off, a target whose app has crashed or hung would keep receiving requests and those clients would get 502/504 until it is removed by hand. Set enabled = true with a path the app answers with 200.",
			tfDescribe("enabled", hc.Enabled, p.ownLine(hc.Enabled.Pos)), be.Name, targets)
		fix := p.tfFix("set enabled = true", tfSetting(p.Model, hc.Enabled, hc.Block, "enabled", "true"))
		p.Report(Finding{Pos: hc.Enabled.Pos, Message: msg, Fix: fix})
	}
}

var healthCheckSlow = &Rule{
	ID:       "health-check-slow",
	Category: Health,
	Severity: Warning,
	Summary:  "A load balancer health check takes too long to notice a dead target, or its timeout is not below its interval",
	Formats:  []string{"terraform"},
	Doc: `# health-check-slow

A load balancer takes a target out of rotation after ` + "`unhealthy_threshold`" + ` failed checks,
` + "`interval`" + ` seconds apart: it notices a dead target after about interval × unhealthy_threshold.
Until then the target gets its share of requests and those clients get 502/504. Terraform's
defaults give 30s × 3 = 90s; ` + "`interval = 60, unhealthy_threshold = 10`" + ` leaves a dead target in
rotation for 10 minutes. no502 flags a window above ` + "`lb_detection_window`" + ` (default 3m,
configurable in ` + "`.no502.yaml`" + `).

A health check ` + "`timeout`" + ` must also be shorter than its ` + "`interval`" + `: AWS rejects a timeout that
is not, and a check that may run into the next one cannot report in time. A Network Load
Balancer's target group (TCP, TLS, UDP) may have a timeout equal to its interval (the AWS
Load Balancer Controller's own NLB defaults are 10s and 10s); only one above it is flagged.

A Lambda target group (` + "`target_type = \"lambda\"`" + `) is checked for the timeout only: it holds
one function, and a group whose only target is unhealthy fails open, so the function gets
every request however soon its check notices.

## Fix

Lower ` + "`interval`" + ` (e.g. 10-15s) and ` + "`unhealthy_threshold`" + ` (2-3) so the window is well under the
limit, and keep ` + "`timeout`" + ` below ` + "`interval`" + `.

A written ` + "`timeout`" + ` says how long the health endpoint may take, so ` + "`--fix`" + ` keeps it: with
` + "`interval = 120, timeout = 60, unhealthy_threshold = 2`" + ` it sets ` + "`interval = 90`" + ` (a 180s window).
When no interval above the timeout fits the window, the fix lowers the timeout too and is
written only with ` + "`--unsafe-fixes`" + `: an endpoint slower than the new timeout would fail every
target.

## Sources

- Time to mark a target down ≈ interval × unhealthy threshold (derived); Terraform sends
  thresholds 3/3, so 30 × 3 = 90s: https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown, https://github.com/hashicorp/terraform-provider-aws/blob/acde588/internal/service/elbv2/target_group.go
- Health check interval default 30s (5-300), timeout 2-120 (HTTP default 6s): https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
- Fail-open when a target group has only unhealthy targets: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html;
  one Lambda function per target group: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
` + tfSources,
	Run: runHealthCheckSlow,
}

func runHealthCheckSlow(p *Pass) {
	limit := p.Config.LBDetectionWindow
	for _, be := range tfBackends(p.Model) {
		hc := be.Health
		if hc == nil || !hc.Enabled.Known() || !hc.Enabled.Value {
			continue
		}
		iv, un, to := hc.Interval, hc.UnhealthyThreshold, hc.Timeout
		if iv.Known() && un.Known() && iv.Value > 0 && un.Value > 0 && !oneFunction(be) {
			window := iv.Value * time.Duration(un.Value)
			if window > limit.Value {
				newIv, newUn := slowFixValues(iv.Value, un.Value, limit.Value)
				// A written timeout says how long the health endpoint may take: keep it
				// when an interval above it still fits the window, else lowering it is a
				// change beyond the window (an endpoint slower than the new timeout fails
				// every target).
				lowersTimeout := false
				if to.Known() && to.Value >= newIv {
					if keepIv, keepUn, ok := slowFixKeepingTimeout(iv.Value, un.Value, to.Value, limit.Value); ok && to.Explicit() {
						newIv, newUn = keepIv, keepUn
					} else {
						lowersTimeout = to.Explicit()
					}
				}
				var sets []terraform.Set
				var parts []string
				if newIv != iv.Value {
					sets = append(sets, tfSetting(p.Model, iv, hc.Block, "interval", strconv.Itoa(secs(newIv))))
					parts = append(parts, fmt.Sprintf("interval = %d", secs(newIv)))
				}
				if newUn != un.Value {
					sets = append(sets, tfSetting(p.Model, un, hc.Block, "unhealthy_threshold", strconv.Itoa(newUn)))
					parts = append(parts, fmt.Sprintf("unhealthy_threshold = %d", newUn))
				}
				if to.Known() && to.Value >= newIv {
					newTo := max(2*time.Second, newIv/2)
					sets = append(sets, tfSetting(p.Model, to, hc.Block, "timeout", strconv.Itoa(secs(newTo))))
					parts = append(parts, fmt.Sprintf("timeout = %d", secs(newTo)))
				}
				desc := "set " + strings.Join(parts, ", ")
				// The finding points at the first setting its fix changes (the block,
				// when the fix adds it there).
				pos := writtenOr(un, hc.Pos)
				if newIv != iv.Value {
					pos = writtenOr(iv, hc.Pos)
				}
				own := p.ownLine(pos)
				msg := fmt.Sprintf("%s notices a dead target only after %s × %d = %s (%s; %s), above the %s limit (%s): until then the target keeps receiving requests and those %s. %s (a %s window).",
					be.Name, parsers.Seconds(iv.Value), un.Value, parsers.Seconds(window),
					tfDescribe("interval", iv, own), tfDescribe("unhealthy_threshold", un, own),
					parsers.Seconds(limit.Value), describeAt(limit, own), clientsGet([]*parsers.Backend{be}, "502/504"), upperFirst(desc), parsers.Seconds(newIv*time.Duration(newUn)))
				sets = terraform.Nested(be.Block, hc.Block, "health_check", sets)
				fix := p.tfFix(desc, sets...)
				if lowersTimeout {
					fix.markUnsafe()
					fix.Description += fmt.Sprintf(" (unsafe: it lowers the written timeout %s, and a health endpoint slower than the new one fails every target)", parsers.Seconds(to.Value))
				}
				p.Report(Finding{Pos: pos, Message: msg, Fix: fix})
				continue
			}
		}
		// An ALB (and a Lambda target group) rejects a timeout that is not below the
		// interval; an NLB's pass-through target group accepts one equal to it (the AWS
		// Load Balancer Controller's own NLB defaults are 10s and 10s, aws-cdk#16446), and
		// only one above it is invalid (aws-cdk#26031, after the 2022 NLB update).
		nlb := passThrough(be)
		if iv.Known() && to.Known() && (iv.Explicit() || to.Explicit()) && iv.Value > 0 && (to.Value > iv.Value || (!nlb && to.Value == iv.Value)) {
			newTo := max(2*time.Second, iv.Value/2)
			desc := fmt.Sprintf("set timeout = %d", secs(newTo))
			// The setting the fix changes, or the block it adds the timeout to.
			pos := writtenOr(to, hc.Pos)
			// A default reads "timeout is not set, so the ... applies": a clause of its own,
			// which the comparison then refers back to; a default interval is named as such.
			timeout, interval := tfDescribe("timeout", to, p.ownLine(pos)), tfDescribe("interval", iv, p.ownLine(pos))
			if to.IsDefault() {
				timeout += ", which"
			}
			if iv.IsDefault() {
				interval = "the " + iv.Default
			}
			msg := fmt.Sprintf("%s is not shorter than %s: AWS rejects a health check timeout that is not below its interval, and a check that can run into the next one cannot report a hung target in time. %s.",
				timeout, interval, upperFirst(desc))
			if nlb {
				msg = fmt.Sprintf("%s is longer than %s: AWS rejects a Network Load Balancer health check timeout above its interval, and a check that runs into the next one cannot report a hung target in time. %s.",
					timeout, interval, upperFirst(desc))
			}
			p.Report(Finding{Pos: pos, Message: msg, Fix: p.tfFix(desc, tfSetting(p.Model, to, hc.Block, "timeout", strconv.Itoa(secs(newTo))))})
		}
	}
}

// slowFixValues picks an interval and threshold that notice a dead target within limit:
// the interval at most 30s (at least 5s, the AWS minimum) and the threshold at most what
// fits (at least 2, the AWS minimum).
func slowFixValues(iv time.Duration, un int, limit time.Duration) (time.Duration, int) {
	newIv := min(iv, 30*time.Second)
	if newIv*2 > limit {
		newIv = max(5*time.Second, limit/2/time.Second*time.Second)
	}
	newUn := un
	if fit := int(limit / newIv); newUn > fit {
		newUn = max(2, fit)
	}
	return newIv, newUn
}

// slowFixKeepingTimeout picks an interval above timeout (AWS requires the timeout to be
// shorter) and a threshold of at least 2 that notice a dead target within limit, keeping
// iv and un where they fit: the longest such interval up to iv, then the threshold that
// fits it. ok is false when no interval above timeout fits twice into limit.
func slowFixKeepingTimeout(iv time.Duration, un int, timeout, limit time.Duration) (time.Duration, int, bool) {
	newIv := min(iv, limit/2/time.Second*time.Second)
	if newIv <= timeout {
		return 0, 0, false
	}
	return newIv, min(un, int(limit/newIv)), true
}

var asgEC2HealthCheck = &Rule{
	ID:       "asg-ec2-health-check",
	Category: Health,
	Severity: Warning,
	Summary:  "An autoscaling group behind a load balancer replaces instances only when EC2 says so",
	Formats:  []string{"terraform"},
	Doc: `# asg-ec2-health-check

An autoscaling group with ` + "`health_check_type = \"EC2\"`" + ` (the default) replaces an instance only
when EC2's status checks fail: the machine is down. An instance whose app has crashed, hung
or run out of disk still passes them. The load balancer's health check marks it unhealthy
and stops routing to it, but the group keeps it forever: capacity silently shrinks, and
when every instance is in that state the load balancer has no healthy target (ALBs then
fail open and route to all of them, 502 from the targets that refuse, 504 from the ones that
hang; a classic ELB answers 503).

A group made by the terraform-aws-modules/autoscaling module is read from the call's
` + "`health_check_type`" + ` and the load balancers it attaches (` + "`target_group_arns`" + `,
` + "`traffic_source_identifier`" + `, ` + "`traffic_source_attachments`" + `).

## Fix

` + "`health_check_type = \"ELB\"`" + ` makes the group replace instances that fail the target group's
health check; keep ` + "`health_check_grace_period`" + ` (default 300s) long enough for the app to boot.

## Sources

- health_check_type default EC2; "ELB" uses the load balancer's health checks:
  https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html
- All targets unhealthy → ALB fails open: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
`,
	Run: runASGEC2HealthCheck,
}

// noneHealthyCodes is what clients of bes get once no target is healthy: an ALB fails
// open and sends requests to the broken targets (502 from those that refuse, 504 from
// those that hang); a classic ELB answers 503 itself ("no healthy instances").
func noneHealthyCodes(bes []*parsers.Backend) string {
	if slices.ContainsFunc(bes, func(be *parsers.Backend) bool { return be.Kind == parsers.BackendCLB }) {
		return "502/503"
	}
	return "502/504 (with no healthy target the load balancer fails open and sends requests to all of them)"
}

func runASGEC2HealthCheck(p *Pass) {
	for _, w := range tfWorkloads(p.Model, "AutoScalingGroup") {
		t := w.HealthCheckType
		if !w.Served || !t.Known() || !strings.EqualFold(t.Value, "EC2") {
			continue
		}
		tgs := p.servedBy(w)
		pos := posOr(t, w.Pos, w.Block)
		msg := fmt.Sprintf("%s: %s replaces an instance only when EC2 reports the machine broken, so an instance whose app has hung fails the health check of %s, leaves rotation and is never replaced; capacity shrinks until nothing healthy is left and %s. Set health_check_type = \"ELB\".",
			tfDescribe("health_check_type", t, p.ownLine(pos)), w.Name, backendList(tgs), clientsGet(tgs, noneHealthyCodes(tgs)))
		fix := p.tfFix(`set health_check_type = "ELB"`, tfSetting(p.Model, t, w.Block, "health_check_type", `"ELB"`))
		p.Report(Finding{Pos: pos, Message: msg, Fix: fix})
	}
}

func init() {
	Register(healthMatcherAcceptsErrors, healthCheckDisabled, healthCheckSlow, asgEC2HealthCheck)
}
