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
	return p.tfFix(desc, tfSetting(m, cur, h.Block, "idle_timeout", strconv.Itoa(secs)))
}

// ceilSeconds rounds d up to whole seconds, the unit Terraform's AWS arguments take.
func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
