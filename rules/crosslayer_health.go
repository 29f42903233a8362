package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
)

var lbHealthAnsweredByProxy = &Rule{
	ID:       "lb-health-answered-by-proxy",
	Category: Health,
	Severity: Warning,
	Summary:  "A load balancer's health check path is answered by the proxy behind it, not by the app",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# lb-health-answered-by-proxy

A load balancer (an ALB target group, an ALB Ingress) checks a path on its targets to
decide which get traffic. When the target is a proxy (nginx, Caddy) that answers that
path itself (` + "`location = / { return 200; }`" + `, ` + "`respond / 200`" + `), the check succeeds as long as
the proxy runs: the load balancer can never see the app behind it die, keeps routing to
that target, and clients get **502** from the proxy.

The finding points at the proxy's answer, the line to change, with the load balancer's
health check as related. A health-looking path (` + "`/healthz`" + `, ` + "`/ready`" + `, ...) answered by a
proxy is already reported by ` + "`health-answered-by-proxy`" + ` at the same line; this rule
covers the other paths a load balancer may check (its default is ` + "`/`" + `), so each
problem is reported once. A proxy that forwards nothing (a static site) is the app, and
is not reported.

For nginx, only the server the check reaches (the default server of the checked port)
is looked at, and the location answering the path is found as nginx searches locations
(exact, longest prefix, then regexes in order): see ` + "`health-answered-by-proxy`" + `. A regex
location that answers the path (` + "`location ~ ^/healthz$ { return 200; }`" + `) is reported here.
For Caddy, only a site whose address names no host (` + "`:80`" + `): the check's Host is the
target's address, which no ` + "`example.com`" + ` site matches. For the same reason a catch-all
` + "`handle { respond \"ok\" 200 }`" + ` beside handle blocks that pick the app by a ` + "`host`" + ` matcher
naming DNS names (` + "`@app host app.example.com`" + `) answers the check: those blocks never take it
(one whose matcher names an IP address or a placeholder, uses ` + "`not host`" + `, or reads the Host
some other way may take it, and is not reported).

## Fix

Forward the path to the app (` + "`proxy_pass`" + `), or point the health check at a path the proxy
forwards to an endpoint that fails when the app cannot serve.

## Sources

- ALB health check path default ` + "`/`" + `, matcher 200: https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown;
  AWS Load Balancer Controller healthcheck-path ` + "`/`" + `: https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/225f44568848eb25f13e304a5f1cc68c0cd9415d/docs/guide/ingress/annotations.md#L51-L56
- All targets unhealthy → the ALB fails open; a target is taken out only when its check
  fails: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
`,
	Run: runLBHealthAnsweredByProxy,
}

func runLBHealthAnsweredByProxy(p *Pass) {
	type key struct {
		be *parsers.Backend
		r  *parsers.Route
	}
	done := map[key]bool{}
	for _, h := range p.Model.Hops {
		if !isLoadBalancer(h) {
			continue
		}
		for _, r := range h.Routes {
			be := r.Backend
			if be == nil || be.Health == nil {
				continue
			}
			hc := be.Health
			proto := strings.ToUpper(hc.Protocol.Value)
			if !hc.Enabled.Known() || !hc.Enabled.Value || !hc.Path.Known() || hc.Path.Value == "" || (proto != "HTTP" && proto != "HTTPS") {
				continue
			}
			for _, inner := range be.Hops {
				if !inner.Forwards() || !checkReaches(be.Hops, inner, lbCheckPort(be)) {
					continue // a static site is the app: its own answer is the truth
				}
				ir := inner.ServingRouteByAddress(hc.Path.Value)
				if ir == nil || ir.Respond == nil || done[key{be, ir}] {
					continue
				}
				st := ir.Respond.Status
				if !st.Known() || st.Value < 200 || st.Value > 299 || looksLikeHealth(ir.Path) || stubStatus(ir) {
					continue // health-answered-by-proxy reports health-looking paths and stub_status
				}
				done[key{be, ir}] = true
				msg := fmt.Sprintf("%s answers %s itself with %d, and that is the path %s's health check requests (%s)%s: the check passes as long as %s runs, so the load balancer never sees the app behind it fail and keeps sending traffic that gets %s. Forward %s to the app, or point the health check at a path %s forwards.",
					strings.TrimSuffix(ir.Respond.Text, ";"), hc.Path.Value, st.Value, product(h), describeAt(hc.Path, p.ownLine(ir.Respond.Pos)), hostMatchersMissed(ir, hc.Path.Value), product(inner), caddyStatus(inner, 502), hc.Path.Value, product(inner))
				p.Report(Finding{
					Pos:     ir.Respond.Pos,
					Message: msg,
					Related: []Related{related(hc.Path, hc.Pos, product(h)+" health check path")},
					Fix:     p.healthProxyFix(inner, ir),
				})
			}
		}
	}
}

// hostMatchersMissed says, for a Caddy respond that answers a check only because the
// check's Host is an address (ServingRouteByAddress), why the sibling handle blocks do
// not take it; "" otherwise.
func hostMatchersMissed(r *parsers.Route, path string) string {
	if !slices.ContainsFunc(r.TakenFirst, func(t parsers.RoutePath) bool { return t.NamedHost && t.MayMatch(path) }) {
		return ""
	}
	if strings.HasSuffix(r.Pos.File, ".json") {
		return ", with an IP address as its Host, which the host matchers of the routes of its group before it do not take"
	}
	return ", with an IP address as its Host, which the host matchers of the handle blocks before it do not take"
}

func init() { Register(lbHealthAnsweredByProxy) }
