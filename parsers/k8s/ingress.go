package k8s

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Ingress controllers no502 models.
const (
	ctrlNginx = "ingress-nginx"
	ctrlALB   = "alb"
)

// Annotation prefixes of the two controllers.
const (
	nginxPrefix = "nginx.ingress.kubernetes.io/"
	albPrefix   = "alb.ingress.kubernetes.io/"
)

// ingressPath is one path of an Ingress with the Service port it forwards to.
type ingressPath struct {
	host     string // the rule's host; "" for every host
	path     string
	pathKind parsers.PathKind
	pos      parsers.Pos
	svc      string
	port     string // number or name
}

// readIngressPaths reads the paths of an Ingress (networking.k8s.io/v1 and the v1beta1
// serviceName/servicePort shape), plus its default backend as "/" when no path covers it.
func readIngressPaths(o *object) []ingressPath {
	s := o.src
	spec := val(o.node, "spec")
	var out []ingressPath
	hasRoot := false
	for _, r := range items(val(spec, "rules")) {
		for _, p := range items(val(r, "http", "paths")) {
			ip := ingressPath{host: str(r, "host"), path: str(p, "path"), pos: s.pos(p)}
			if ip.path == "" {
				ip.path = "/"
			}
			ip.pathKind = parsers.PathPrefix
			if str(p, "pathType") == "Exact" {
				ip.pathKind = parsers.PathExact
			}
			ip.svc, ip.port = backendRef(val(p, "backend"))
			if ip.path == "/" && ip.pathKind == parsers.PathPrefix {
				hasRoot = true
			}
			out = append(out, ip)
		}
	}
	db := val(spec, "defaultBackend")
	if db == nil {
		db = val(spec, "backend")
	}
	if db != nil && !hasRoot {
		ip := ingressPath{path: "/", pathKind: parsers.PathPrefix, pos: s.pos(db)}
		ip.svc, ip.port = backendRef(db)
		out = append(out, ip)
	}
	return out
}

func backendRef(b *yaml.Node) (svc, port string) {
	if n := str(b, "service", "name"); n != "" {
		port = str(b, "service", "port", "number")
		if port == "" {
			port = str(b, "service", "port", "name")
		}
		return n, port
	}
	return str(b, "serviceName"), str(b, "servicePort")
}

// controllerOf says which controller serves an Ingress: by class (ingressClassName, the
// legacy annotation, or an IngressClass object's controller), else by its annotations.
// An Ingress no502 cannot attribute gets no hop rather than a guessed one.
func controllerOf(o *object, classes map[string]string) string {
	class := o.class
	if class == "" {
		class = o.annotations["kubernetes.io/ingress.class"].value
	}
	hasPrefix := func(p string) bool {
		for k := range o.annotations {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
	if c, ok := classes[class]; ok {
		return c
	}
	switch {
	case class == "alb":
		return ctrlALB
	case strings.Contains(class, "nginx"):
		if hasPrefix("nginx.org/") || hasPrefix("nginx.com/") {
			return "" // F5 NGINX Ingress Controller: other keys, other defaults
		}
		return ctrlNginx
	case class != "":
		return ""
	case hasPrefix(albPrefix):
		return ctrlALB
	case hasPrefix(nginxPrefix):
		return ctrlNginx
	}
	return ""
}

// ingressClassController maps an IngressClass's spec.controller to a controller.
func ingressClassController(o *object) string {
	switch str(o.node, "spec", "controller") {
	case "k8s.io/ingress-nginx":
		return ctrlNginx
	case "ingress.k8s.aws/alb":
		return ctrlALB
	}
	return "-" // known class of another controller: no hop
}

// seconds parses an ingress-nginx unitless seconds value into a setting; a value that is
// not a whole number is Unknown (the controller would ignore it).
func seconds(a annotation) parsers.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(a.value))
	d := parsers.Set(time.Duration(n)*time.Second, a.pos, a.text)
	d.Unknown = err != nil || n < 0
	return d
}

// nginxSetting returns an ingress-nginx setting: the Ingress annotation, else the
// controller ConfigMap key, else the controller default.
func (b *builder) nginxSetting(o *object, key string, def time.Duration) parsers.Duration {
	if a, ok := o.annotations[nginxPrefix+key]; ok {
		d := seconds(a)
		if _, err := strconv.Atoi(strings.TrimSpace(a.value)); err == nil {
			return d
		}
		// Not a whole number ("120s"): ingress-nginx's GetIntValue fails and the
		// controller uses its ConfigMap value or default instead, without an error
		// (kubernetes/ingress-nginx#11726). The annotation is still where the user
		// fixes it, so the setting points there.
		fb := b.nginxSetting(&object{}, key, def)
		if !fb.Known() {
			return d
		}
		return parsers.Set(fb.Value, a.pos, a.text+" (not a whole number of seconds: ingress-nginx ignores it and uses "+fb.Describe()+")")
	}
	if b.nginxCfgAmbiguous {
		if _, ok := b.nginxKeyAnywhere[key]; ok {
			return parsers.Setting[time.Duration]{Unknown: true}
		}
	}
	if b.nginxCfg != nil {
		if a, ok := b.nginxCfg.keys[key]; ok {
			return seconds(a)
		}
	}
	return parsers.Def(def, "ingress-nginx default "+key+" "+parsers.Seconds(def))
}

// nginxHop models an Ingress served by ingress-nginx (defaults: ING-CFG, see
// ../shared/reference/defaults.md "ingress-nginx").
func (b *builder) nginxHop(o *object) *parsers.Hop {
	h := &parsers.Hop{
		Kind: parsers.HopIngressNginx, Format: parsers.FormatK8s,
		Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block,
		ClientIdleTimeout: b.nginxSetting(&object{}, "keep-alive", 75*time.Second),
		ShutdownTimeout:   b.nginxSetting(&object{}, "worker-shutdown-timeout", 240*time.Second),
	}
	regex := o.annotations[nginxPrefix+"use-regex"].value == "true"
	for _, ip := range o.paths {
		r := &parsers.Route{
			Hop: h, Path: ip.path, PathKind: ip.pathKind, Pos: ip.pos, Block: o.block,
			ReadTimeout:    b.nginxSetting(o, "proxy-read-timeout", 60*time.Second),
			ConnectTimeout: b.nginxSetting(o, "proxy-connect-timeout", 5*time.Second),
			SendTimeout:    b.nginxSetting(o, "proxy-send-timeout", 60*time.Second),
			HTTPVersion:    parsers.Def("1.1", "ingress-nginx default proxy-http-version 1.1"),
		}
		if regex && r.PathKind != parsers.PathExact {
			r.PathKind = parsers.PathRegex
		}
		r.Retry.Conditions = parsers.Def([]string{"error", "timeout"}, "ingress-nginx default proxy-next-upstream error timeout")
		if a, ok := o.annotations[nginxPrefix+"proxy-next-upstream"]; ok {
			r.Retry.Conditions = parsers.Set(strings.Fields(a.value), a.pos, a.text)
		} else if a, ok := b.nginxKey("proxy-next-upstream"); ok {
			r.Retry.Conditions = parsers.Set(strings.Fields(a.value), a.pos, a.text)
		}
		r.Retry.Tries = parsers.Def(3, "ingress-nginx default proxy-next-upstream-tries 3")
		be := b.serviceBackend(o, ip)
		// upstream-keepalive-timeout is a ConfigMap key only: ingress-nginx has no such
		// annotation (docs/user-guide/nginx-configuration/annotations.md lists none of
		// the upstream-keepalive-* keys; kubernetes/ingress-nginx#11472 asks for one), so
		// an Ingress annotation of that name changes nothing.
		be.KeepAliveIdle = b.nginxSetting(&object{}, "upstream-keepalive-timeout", 60*time.Second)
		r.Backend = be
		h.Routes = append(h.Routes, r)
	}
	return h
}

// isNginxCanary reports whether an ingress-nginx Ingress is a canary
// (nginx.ingress.kubernetes.io/canary: "true"): its paths send a share of the main
// Ingress's traffic to other Services.
func isNginxCanary(o *object) bool {
	return strings.TrimSpace(o.annotations[nginxPrefix+"canary"].value) == "true"
}

// inheritCanarySettings gives the routes of a canary Ingress the settings of the main
// Ingress's route for the same host and path. ingress-nginx ignores every annotation
// of a canary Ingress but the canary, load-balance, upstream-hash-by and affinity
// ones: its backend becomes an alternative backend of the main Ingress's location,
// whose timeouts and retries apply to it (docs/user-guide/nginx-configuration/
// annotations.md, "Canary": "all the other non-canary annotations will be ignored
// (inherited from the corresponding main ingress)"). A canary with no main route among
// the files, or with several, gets unknown timeouts: what applies is not known here.
func inheritCanarySettings(canary *parsers.Hop, paths []ingressPath, mains map[string][]*parsers.Route) {
	for i, r := range canary.Routes {
		ip := paths[i]
		ms := mains[ip.host+"\x00"+ip.path]
		if len(ms) != 1 {
			unknown := parsers.Duration{Unknown: true}
			r.ReadTimeout, r.ConnectTimeout, r.SendTimeout = unknown, unknown, unknown
			r.Retry.Conditions = parsers.Setting[[]string]{Unknown: true}
			r.Retry.Tries = parsers.Setting[int]{Unknown: true}
			continue
		}
		m := ms[0]
		note := "from the main Ingress " + m.Hop.Name + ": ingress-nginx ignores a canary Ingress's own annotations"
		inherit := func(d parsers.Duration) parsers.Duration {
			if d.Explicit() {
				d.SetViaNote(note)
			} else if d.IsDefault() {
				d.Default += " (the main Ingress " + m.Hop.Name + " sets none, and ingress-nginx ignores a canary Ingress's own annotations)"
			}
			return d
		}
		r.ReadTimeout, r.ConnectTimeout, r.SendTimeout = inherit(m.ReadTimeout), inherit(m.ConnectTimeout), inherit(m.SendTimeout)
		r.Retry, r.HTTPVersion = m.Retry, m.HTTPVersion
		r.InheritsFrom = m
	}
}

// nginxKey returns a controller ConfigMap key when exactly one controller config is known.
func (b *builder) nginxKey(key string) (annotation, bool) {
	if b.nginxCfg == nil || b.nginxCfgAmbiguous {
		return annotation{}, false
	}
	a, ok := b.nginxCfg.keys[key]
	return a, ok
}

// serviceBackend makes the Backend of one Ingress path and links its Service by name and
// port.
func (b *builder) serviceBackend(o *object, ip ingressPath) *parsers.Backend {
	be := &parsers.Backend{Kind: "k8s-service", Name: o.namespace + "/" + ip.svc + ":" + ip.port, Pos: ip.pos}
	if svc := b.services[o.namespace+"/"+ip.svc]; svc != nil && servesPort(svc, ip.port) {
		be.Service = svc
		be.Workloads = svc.Workloads
		if r, ok := parsers.ReachServicePort(svc, ip.port); ok {
			be.Reaches = []parsers.Reach{r} // the container behind that port, not the pod's others
		}
	}
	b.m.Backends = append(b.m.Backends, be)
	return be
}

// servesPort reports whether a Service exposes port (a number or a port name).
func servesPort(svc *parsers.Service, port string) bool {
	if port == "" {
		return len(svc.Ports) == 1
	}
	for _, p := range svc.Ports {
		if p.Name == port || strconv.Itoa(p.Port) == port {
			return true
		}
	}
	return false
}
