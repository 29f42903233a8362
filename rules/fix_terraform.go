package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// tfIdleTimeoutFix writes a load balancer's read timeout in HCL. An ALB's read timeout is
// its idle_timeout, set in the aws_lb block (or the terraform-aws-modules/alb module
// call), or in the variable default / tfvars line it comes from. With lower, d is the
// edge's limit the load balancer must give up before.
func (p *Pass) tfIdleTimeoutFix(h *parsers.Hop, r *parsers.Route, d time.Duration, lower bool, note string) *Fix {
	m := p.Model
	if h == nil && r != nil {
		h = r.Hop
	}
	if h == nil || (h.Kind != parsers.HopALB && h.Kind != parsers.HopCLB) {
		return nil
	}
	secs := ceilSeconds(d)
	if h.Kind == parsers.HopALB && secs > 4000 {
		secs = 4000 // the ALB maximum
	}
	cur := h.ClientIdleTimeout
	if lower && (!cur.Known() || cur.Value <= time.Duration(secs)*time.Second) {
		// The load balancer already gives up before the edge does; the fix is in the
		// app (acknowledge fast, queue the work), not in Terraform.
		return nil
	}
	desc := fmt.Sprintf("set idle_timeout = %d in %s", secs, h.Name)
	if cur.Explicit() && len(cur.Via()) == 1 {
		if v, ok := bareVariable(m, cur.Pos); ok && variableOwnedBy(m, strings.TrimPrefix(v, "var.")) {
			desc = fmt.Sprintf("set %s to %d where it is decided (%s)", v, secs, cur.Via()[0].Short())
		}
	}
	if note != "" {
		desc += ", " + note
	}
	fix := p.tfFix(desc, tfSetting(m, cur, h.Block, "idle_timeout", strconv.Itoa(secs)))
	// One idle_timeout serves every listener and target group of the load balancer: a
	// change made for one route's backend changes the others' too.
	others, racer := sharedIdleTimeout(p, h, r, time.Duration(secs)*time.Second, lower)
	guardSharedIdle(fix, h.Name, others, racer)
	return fix
}

// guardSharedIdle makes a new idle timeout of load balancer lb a snippet when it would
// race the keep-alive of a server behind it (racer says why), and unsafe when lb serves
// others too (their requests and idle connections get the new timeout).
func guardSharedIdle(fix *Fix, lb string, others []string, racer string) {
	switch {
	case racer != "":
		fix.guess(racer)
	case len(others) > 0:
		fix.markUnsafe()
		fix.Description += fmt.Sprintf(" (unsafe: %s also serves %s, whose requests and idle connections get the new timeout too)", lb, strings.Join(others, ", "))
	}
}

// sharedIdleTimeout looks at the backends of h a new idle timeout of to would change
// besides route r's: others names them, and racer says why the change must not be
// written when raising it reaches the keep-alive of a server behind any backend of h
// (r's included): the load balancer would then reuse connections that server has
// already closed, a keepalive-race the fix itself creates.
func sharedIdleTimeout(p *Pass, h *parsers.Hop, r *parsers.Route, to time.Duration, lower bool) (others []string, racer string) {
	return sharedIdleTimeoutExcept(p, h, r, to, lower, nil)
}

// sharedIdleTimeoutExcept is sharedIdleTimeout with the servers skip accepts left out of
// the race check.
func sharedIdleTimeoutExcept(p *Pass, h *parsers.Hop, r *parsers.Route, to time.Duration, lower bool, skip func(side) bool) (others []string, racer string) {
	seen := map[*parsers.Backend]bool{}
	for _, hr := range h.Routes {
		be := hr.Backend
		if be == nil || hr.Respond != nil || seen[be] {
			continue
		}
		seen[be] = true
		if r == nil || be != r.Backend {
			others = append(others, be.Name)
		}
		if lower || racer != "" {
			continue
		}
		for _, s := range p.behind(be) {
			if skip != nil && skip(s) {
				continue
			}
			ka, closes := s.keepAlive()
			if closes || !ka.Known() || ka.Value <= 0 || to < ka.Value {
				continue
			}
			racer = fmt.Sprintf("%s would then keep idle connections to %s open for %s, longer than %s keeps them (%s): a keepalive-race; raise that keep-alive above %s first",
				h.Name, be.Name, parsers.Seconds(to), s.name(), parsers.Seconds(ka.Value), parsers.Seconds(to))
			break
		}
	}
	if r == nil && len(others) == 1 {
		others = nil // the hop's only backend is the one the finding is about
	}
	return others, racer
}

// ceilSeconds rounds d up to whole seconds, the unit Terraform's AWS arguments take.
func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
