package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// k8sReadTimeoutFix writes a route's read timeout as an annotation patch on the object
// behind the hop (an ingress-nginx or ALB Ingress), or an HTTPRoute rule's timeouts. With
// lower, d is the edge's limit and the route gives up before it.
func k8sReadTimeoutFix(p *Pass, r *parsers.Route, d time.Duration, lower bool) *Fix {
	if r == nil || r.Hop == nil {
		return nil
	}
	if r.InheritsFrom != nil {
		// A canary Ingress's path: ingress-nginx takes the main Ingress's timeout and
		// ignores the canary's own annotation, so the change is made there.
		fix := k8sReadTimeoutFix(p, r.InheritsFrom, d, lower)
		if fix != nil {
			fix.Description += " (on the main Ingress " + r.InheritsFrom.Hop.Name + ": ingress-nginx ignores a canary Ingress's own timeout annotations)"
		}
		return fix
	}
	m := p.Model
	desc := "wait " + parsers.Seconds(d) + " for the upstream's response"
	if lower {
		// Give up before the edge does, so the client gets the origin's own error (and
		// the app should acknowledge fast and queue long work).
		edge := d
		d = edge - 10*time.Second
		if d <= 0 {
			d = edge
		}
		desc = "give up before the edge's " + parsers.Seconds(edge) + "; acknowledge fast and queue long work"
	}
	secs := int((d + time.Second - 1) / time.Second)
	h := r.Hop
	ns, name, _ := strings.Cut(h.Name, "/")
	switch h.Kind {
	case parsers.HopIngressNginx:
		ann := k8s.Patch{}.Set("nginx.ingress.kubernetes.io/proxy-read-timeout", k8s.Quote(strconv.Itoa(secs)))
		var edits []parsers.Edit
		// Written as the annotation (not in the controller's ConfigMap): the value is
		// replaced in place.
		if rt := r.ReadTimeout; rt.Explicit() && k8sKeyAt(m, rt.Pos) == "nginx.ingress.kubernetes.io/proxy-read-timeout" {
			edits = k8s.ReplaceScalar(rt.Pos, k8s.Quote(strconv.Itoa(secs)))
		}
		fix := k8sFix(desc, k8s.ObjectPatch("Ingress", ns, name, k8s.KV{K: "metadata", V: k8s.Patch{}.Set("annotations", ann)}), edits...)
		// The annotation is the Ingress's, so every path of it gets the new timeout: one
		// that leads to another Service is changed too (as one ALB idle_timeout is for
		// every target group behind it).
		if others := ingressOtherPaths(h, r); len(others) > 0 {
			fix.markUnsafe()
			fix.Description += " (unsafe: the annotation applies to every path of Ingress " + h.Name + ": its paths to other Services get the new timeout too, " + strings.Join(others, ", ") + ")"
		}
		return fix
	case parsers.HopALBIngress:
		val := albAttributes(m, r.ReadTimeout, secs)
		ann := k8s.Patch{}.Set("alb.ingress.kubernetes.io/load-balancer-attributes", val)
		fix := k8sFix(desc+" (the ALB idle timeout bounds every response)", k8s.ObjectPatch("Ingress", ns, name, k8s.KV{K: "metadata", V: k8s.Patch{}.Set("annotations", ann)}))
		// One idle timeout for the whole load balancer, as in Terraform
		// (tfIdleTimeoutFix): raised past the keep-alive of a server behind it, it makes a
		// keepalive race; and every other Service behind it gets it too.
		// An nginx or Caddy server in the run's files behind it is not a racer: the
		// next round's keepalive-race fix raises its keep-alive in the same run (a safe
		// edit of a file no502 reads), as the corpus case xl-alb-nginx-app shows.
		proxyInFiles := func(s side) bool {
			return s.hop != nil && (s.hop.Kind == parsers.HopNginx || s.hop.Kind == parsers.HopCaddy)
		}
		others, racer := sharedIdleTimeoutExcept(p, h, r, time.Duration(secs)*time.Second, lower, proxyInFiles)
		switch group := albGroup(m, h); {
		case group != "":
			// The Ingresses of a group share one ALB and must agree on its attributes:
			// members with different values stop the controller from building the load
			// balancer ("conflicting load balancer attributes"), and one member's value
			// changes the others' routes too.
			fix.guess("the Ingress is in IngressGroup " + group + ", whose Ingresses share one ALB and must give it the same attributes: set idle_timeout.timeout_seconds=" + strconv.Itoa(secs) + " in every member's load-balancer-attributes")
		default:
			guardSharedIdle(fix, h.Name, others, racer)
		}
		return fix
	case parsers.HopGCEIngress:
		return gceTimeoutFix(r, secs, desc)
	case parsers.HopGateway:
		// timeouts.request bounds the whole request, retries included, and must not be
		// below backendRequest: raised when it is, kept when it already allows secs (or is
		// 0s, no timeout), so that the fix never shortens what the user gave the request.
		timeouts := k8s.Patch{}
		if total := r.RequestTimeout; total == nil || !total.Explicit() || total.Value != 0 && total.Value < time.Duration(secs)*time.Second {
			timeouts = timeouts.Set("request", k8s.Quote(fmt.Sprintf("%ds", secs)))
		}
		t := k8s.Patch{}.Set("timeouts", timeouts.Set("backendRequest", k8s.Quote(fmt.Sprintf("%ds", secs))))
		snippet := fmt.Sprintf("# HTTPRoute %s, the rule serving %s (at %s): lists in a CRD are replaced, not merged;\n# edit the rule in place.\n", h.Name, r.Path, r.Pos.Short())
		return &Fix{Description: desc, Snippet: snippet + t.Text()}
	}
	return nil
}

// entryAt reads the mapping entry whose value is at pos in f (k8s.EntryAt).
func entryAt(f *parsers.File, pos parsers.Pos) (key, val string, ok bool) {
	if f == nil {
		return "", "", false
	}
	return k8s.EntryAt(f.Src, pos)
}

// k8sKeyAt returns the key of the mapping entry whose value is at pos, "" when there is
// none (k8s.EntryAt).
func k8sKeyAt(m *parsers.Model, pos parsers.Pos) string {
	k, _, _ := entryAt(m.File(pos.File), pos)
	return k
}

// albAttributes rewrites the load-balancer-attributes list with a new idle timeout,
// keeping the other attributes the user set (read from the annotation's value as
// written).
func albAttributes(m *parsers.Model, cur parsers.Duration, secs int) string {
	entry := "idle_timeout.timeout_seconds=" + strconv.Itoa(secs)
	if !cur.Explicit() {
		return entry
	}
	f := m.File(cur.Pos.File)
	if f == nil {
		return entry
	}
	v, ok := k8s.ScalarValue(f.Src, cur.Pos)
	if !ok {
		return entry
	}
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

// ingressOtherPaths lists the paths of Ingress hop h that lead to another Service than
// route r's ("/ (web)"), once each.
func ingressOtherPaths(h *parsers.Hop, r *parsers.Route) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range h.Routes {
		if o == r || o.Backend == nil || r.Backend != nil && o.Backend.Name == r.Backend.Name {
			continue
		}
		s := o.Path + " (" + o.Backend.Name + ")"
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// albGroup returns the IngressGroup (alb.ingress.kubernetes.io/group.name) of the Ingress
// behind ALB hop h, as written in its object; "" when it has none.
func albGroup(m *parsers.Model, h *parsers.Hop) string {
	f := m.File(h.Block.File)
	if f == nil || h.Block.EndOffset > int32(len(f.Src)) || h.Block.Offset >= h.Block.EndOffset {
		return ""
	}
	text := string(f.Src[h.Block.Offset:h.Block.EndOffset])
	const key = "alb.ingress.kubernetes.io/group.name:"
	i := strings.Index(text, key)
	if i < 0 {
		return ""
	}
	v, _, _ := strings.Cut(text[i+len(key):], "\n")
	return strings.Trim(strings.TrimSpace(v), `"'`)
}

// gceTimeoutFix raises the backend service timeout of GKE's load balancer for route r:
// the timeoutSec of the BackendConfig the route's Service names, or a new BackendConfig
// and the annotation naming it. A snippet: a BackendConfig may serve other Services (a
// "default" entry names it for all their ports), and a new one needs a name.
func gceTimeoutFix(r *parsers.Route, secs int, desc string) *Fix {
	rt := r.ReadTimeout
	if rt.Explicit() {
		return &Fix{
			Description: fmt.Sprintf("set timeoutSec: %d in this BackendConfig (every Service port that names it gets it)", secs),
			Snippet:     fmt.Sprintf("spec:\n  timeoutSec: %d\n", secs),
		}
	}
	svc, ns := "SERVICE", "NAMESPACE"
	if be := r.Backend; be != nil && be.Service != nil {
		svc, ns = be.Service.Name, be.Service.Namespace
	}
	return &Fix{
		Description: desc + fmt.Sprintf(": set timeoutSec: %d in the BackendConfig Service %s/%s names (cloud.google.com/backend-config), or in a new one", secs, ns, svc),
		Snippet: fmt.Sprintf(`apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata:
  name: %[1]s-backend
  namespace: %[2]s
spec:
  timeoutSec: %[3]d
---
# on Service %[2]s/%[1]s, unless it already names a BackendConfig (then set timeoutSec there):
metadata:
  annotations:
    cloud.google.com/backend-config: '{"default": "%[1]s-backend"}'
`, svc, ns, secs),
	}
}
