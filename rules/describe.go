package rules

import (
	"fmt"
	"time"

	"github.com/no502/no502/parsers"
)

// product names a hop the way a message should ("nginx", "the ALB").
func product(h *parsers.Hop) string {
	if h == nil {
		return "the proxy"
	}
	switch h.Kind {
	case parsers.HopNginx:
		return "nginx"
	case parsers.HopCaddy:
		return "Caddy"
	case parsers.HopALB:
		return "the ALB"
	case parsers.HopNLB:
		return "the NLB"
	case parsers.HopCLB:
		return "the classic ELB"
	case parsers.HopIngressNginx:
		return "ingress-nginx"
	case parsers.HopALBIngress:
		if h.Passthrough {
			return "the NLB" // the AWS Load Balancer Controller's NLB for a Service
		}
		return "the ALB"
	case parsers.HopGCEIngress:
		return "Google Cloud's load balancer"
	case parsers.HopGateway:
		return "the Gateway"
	case parsers.HopCloudflare:
		return "Cloudflare"
	}
	return string(h.Kind)
}

// timeoutStatus is the status a client gets when hop h stops waiting for a response:
// 504 from nginx, Caddy, an ALB. Google Cloud's load balancer logs its backend service
// timeout as backend_timeout; public reports of GKE Ingresses give 502 for it and others
// 504 (the status is not documented alongside the timeout), so both are named.
func timeoutStatus(h *parsers.Hop) string {
	if h != nil && h.Kind == parsers.HopGCEIngress {
		return "502 or 504"
	}
	return "504"
}

// describe says what a setting is and where it came from: "proxy_read_timeout 30s
// (nginx.conf:12)", or "proxy_read_timeout is not set, so nginx default 60s applies".
func describe[T any](name string, s parsers.Setting[T]) string {
	switch {
	case s.Explicit() && s.ViaNote() != "":
		return s.Text + " (" + s.ViaNote() + ")"
	case s.Explicit():
		return s.Text
	case s.IsDefault():
		return fmt.Sprintf("%s is not set, so the %s applies", name, s.Default)
	}
	return name + " is unknown"
}

// Messages quote where a setting they name is written ("file:line" in the file the user
// edits), so that a cross-layer finding names both sides. They never quote the line the
// finding itself points at: the report shows that already. The helpers below take that
// line, own, as Pass.ownLine gives it for the finding's position.

// ownLine is the line a finding at pos points at, written as messages quote positions
// (Report maps the finding to the host file; so does this). "" when pos is no place.
func (p *Pass) ownLine(pos parsers.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	return p.Model.HostPos(pos).Short()
}

// quotePos returns pos as a message quotes it, "file:line", or "" when it is own.
func quotePos(pos parsers.Pos, own string) string {
	if q := pos.Short(); q != own {
		return q
	}
	return ""
}

// withPos appends " (file:line)" to text for a setting written at pos, unless pos is own.
func withPos(text string, pos parsers.Pos, own string) string {
	if q := quotePos(pos, own); q != "" {
		return text + " (" + q + ")"
	}
	return text
}

// listPos is withPos inside parentheses already open: "text, file:line", or text when pos
// is own.
func listPos(text string, pos parsers.Pos, own string) string {
	if q := quotePos(pos, own); q != "" {
		return text + ", " + q
	}
	return text
}

// describeAt is s.Describe() in a message about a finding on line own: the setting as
// written and where, or the default that applies.
//
// A value brought in by one Caddy import, reported at that import line, is quoted as
// written: "imported at" the finding's own line would only repeat it.
func describeAt[T any](s parsers.Setting[T], own string) string {
	if s.Explicit() && s.ViaNote() == "" {
		return withPos(s.Text, s.Pos, own)
	}
	if s.Explicit() && own != "" && s.ViaNote() == "imported at "+own {
		return s.Text
	}
	return s.Describe()
}

// inHost returns s as a message shows it: at its place in the host file when it was
// written in config text held in a ConfigMap (Model.HostPos); the model keeps it in
// that text.
func inHost[T any](m *parsers.Model, s parsers.Setting[T]) parsers.Setting[T] {
	s.Pos = m.HostPos(s.Pos)
	return s
}

// posOr returns the setting's position when it is written inside the block, else the
// block's own position: a finding points at the line to change, and for a missing or
// inherited setting that is the block that should hold it.
func posOr[T any](s parsers.Setting[T], blockPos parsers.Pos, blk parsers.Pos) parsers.Pos {
	if s.Explicit() && s.Pos.File == blk.File && int(s.Pos.Offset) >= blk.Start() && int(s.Pos.Offset) < blk.End() {
		return s.Pos
	}
	if s.Explicit() && blk.File == "" {
		return s.Pos
	}
	return blockPos
}

// routePos is where a finding about a route's setting points. nginx (and ingress-nginx,
// by an annotation) can override an inherited value per location or Ingress, so an
// inherited or default value is changed in the route's block; a load balancer's value (an ALB's idle_timeout) can only be changed
// where it is written.
func routePos[T any](h *parsers.Hop, r *parsers.Route, s parsers.Setting[T]) parsers.Pos {
	if h != nil && h.Kind != parsers.HopNginx && h.Kind != parsers.HopIngressNginx && s.Explicit() {
		return s.Pos
	}
	// A load balancer's default is changed in the load balancer's own block, not on the
	// listener rule that routes to it.
	if h != nil && !s.Explicit() && h.Pos.IsValid() && (h.Kind == parsers.HopALB || h.Kind == parsers.HopNLB || h.Kind == parsers.HopCLB) {
		return h.Pos
	}
	return posOr(s, r.Pos, r.Block)
}

// origin adds the position a setting came from to related, when it was written outside
// the block being reported.
func origin[T any](rel []Related, s parsers.Setting[T], reported parsers.Pos, what string) []Related {
	if s.Explicit() && (s.Pos.File != reported.File || s.Pos.Line != reported.Line) {
		rel = append(rel, Related{Pos: s.Pos, Message: what + ": " + s.Text})
	}
	return rel
}

// suggest picks a value comfortably above a budget: 10% more, at least 10s more,
// rounded up to 5s.
func suggest(budget time.Duration) time.Duration {
	margin := budget / 10
	if margin < 10*time.Second {
		margin = 10 * time.Second
	}
	d := budget + margin
	step := 5 * time.Second
	return (d + step - 1) / step * step
}
