package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

func init() { RegisterFixer(parsers.FormatK8s, fixK8s) }

// fixK8s writes the shared rules' timeout changes as annotation patches on the object
// behind the hop: an ingress-nginx or ALB Ingress, or an HTTPRoute rule's timeouts.
func fixK8s(m *parsers.Model, c Change) *Fix {
	if c.Route == nil || c.Route.Hop == nil {
		return nil
	}
	var d time.Duration
	var desc string
	switch c.Kind {
	case SetReadTimeout:
		d = c.Duration
		desc = "wait " + parsers.Seconds(d) + " for the upstream's response"
	case LowerReadTimeout:
		// Give up before the edge does, so the client gets the origin's own error (and
		// the app should acknowledge fast and queue long work).
		d = c.Duration - 10*time.Second
		if d <= 0 {
			d = c.Duration
		}
		desc = "give up before the edge's " + parsers.Seconds(c.Duration) + "; acknowledge fast and queue long work"
	default:
		return nil
	}
	secs := int((d + time.Second - 1) / time.Second)
	h := c.Route.Hop
	ns, name, _ := strings.Cut(h.Name, "/")
	switch h.Kind {
	case parsers.HopIngressNginx:
		ann := ymap{}.set("nginx.ingress.kubernetes.io/proxy-read-timeout", yamlQuote(strconv.Itoa(secs)))
		var edits []Edit
		if rt := c.Route.ReadTimeout; rt.Explicit() && strings.HasPrefix(rt.Text, "nginx.ingress.kubernetes.io/proxy-read-timeout") {
			edits = scalarEdit(rt.Pos, yamlQuote(strconv.Itoa(secs)))
		}
		return k8sFix(desc, objectPatch("Ingress", ns, name, ykv{"metadata", ymap{}.set("annotations", ann)}), edits...)
	case parsers.HopALBIngress:
		val := albAttributes(c.Route.ReadTimeout, secs)
		ann := ymap{}.set("alb.ingress.kubernetes.io/load-balancer-attributes", val)
		return k8sFix(desc+" (the ALB idle timeout bounds every response)", objectPatch("Ingress", ns, name, ykv{"metadata", ymap{}.set("annotations", ann)}))
	case parsers.HopGateway:
		t := ymap{}.set("timeouts", ymap{}.set("request", yamlQuote(fmt.Sprintf("%ds", secs))).set("backendRequest", yamlQuote(fmt.Sprintf("%ds", secs))))
		snippet := fmt.Sprintf("# HTTPRoute %s, the rule serving %s (at %s): lists in a CRD are replaced, not merged;\n# edit the rule in place.\n", h.Name, c.Route.Path, c.Route.Pos.Short())
		return &Fix{Description: desc, Snippet: snippet + yamlText(t)}
	}
	return nil
}

// albAttributes rewrites the load-balancer-attributes list with a new idle timeout,
// keeping the other attributes the user set.
func albAttributes(cur parsers.Duration, secs int) string {
	entry := "idle_timeout.timeout_seconds=" + strconv.Itoa(secs)
	if !cur.Explicit() {
		return entry
	}
	_, v, ok := strings.Cut(cur.Text, ": ")
	if !ok {
		return entry
	}
	if u, err := strconv.Unquote(strings.TrimSpace(v)); err == nil {
		v = u
	}
	v = strings.Trim(strings.TrimSpace(v), "'")
	var out []string
	for _, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" || strings.HasPrefix(kv, "idle_timeout.timeout_seconds=") {
			continue
		}
		out = append(out, kv)
	}
	return strings.Join(append(out, entry), ",")
}
