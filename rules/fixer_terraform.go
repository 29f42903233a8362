package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

func init() { RegisterFixer(parsers.FormatTerraform, fixTerraform) }

// fixTerraform writes the shared rules' changes in HCL. An ALB's read timeout is its
// idle_timeout, set in the aws_lb block (or the terraform-aws-modules/alb module call),
// or in the variable default / tfvars line it comes from.
func fixTerraform(m *parsers.Model, c Change) *Fix {
	switch c.Kind {
	case SetReadTimeout, LowerReadTimeout:
		h := c.Hop
		if h == nil && c.Route != nil {
			h = c.Route.Hop
		}
		if h == nil || (h.Kind != parsers.HopALB && h.Kind != parsers.HopCLB) {
			return nil
		}
		secs := ceilSeconds(c.Duration)
		if h.Kind == parsers.HopALB && secs > 4000 {
			secs = 4000 // the ALB maximum
		}
		cur := h.ClientIdleTimeout
		if c.Kind == LowerReadTimeout && (!cur.Known() || cur.Value <= time.Duration(secs)*time.Second) {
			// The load balancer already gives up before the edge does; the fix is in
			// the app (acknowledge fast, queue the work), not in Terraform.
			return nil
		}
		desc := fmt.Sprintf("set idle_timeout = %d in %s", secs, h.Name)
		if cur.Explicit() && len(cur.Via()) == 1 && varOnly.MatchString(cur.Text) {
			v := cur.Text[strings.LastIndex(cur.Text, "var."):]
			desc = fmt.Sprintf("set %s to %d where it is decided (%s)", v, secs, cur.Via()[0].Short())
		}
		if c.Note != "" {
			desc += ", " + c.Note
		}
		return tfFix(m, desc, tfSetting(cur, h.Block, "idle_timeout", strconv.Itoa(secs)))
	}
	return nil
}

// ceilSeconds rounds d up to whole seconds, the unit Terraform's AWS arguments take.
func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
