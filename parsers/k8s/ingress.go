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
	ctrlGCE   = "gce"
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
	// GKE's Ingress controller (ingress-gce, utils.IsGCEIngress) reads the annotation
	// only: "gce" is its external Application Load Balancer, whatever ingressClassName
	// says; ingressClassName alone (even "gce") names none of its classes. Not
	// "gce-internal" (the internal one), and not an Ingress without a class, which GKE
	// serves but another cluster does not. An Ingress that also names another class
	// keeps the reading below.
	if o.annotations["kubernetes.io/ingress.class"].value == "gce" && (o.class == "" || o.class == "gce") {
		return ctrlGCE
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
			if _, err := strconv.Atoi(strings.TrimSpace(a.value)); err == nil || !nginxIntKeys[key] {
				return seconds(a)
			}
			// Not a whole number ("600s"): the controller decodes its ConfigMap into
			// integer fields (mapstructure, WeaklyTypedInput), which fails for this key
			// alone; it logs "unexpected error merging defaults" and keeps the key's
			// default (go-viper/mapstructure v2.4.0: "600s" left 60, "600" beside it
			// set 600). The ConfigMap line is still where the user fixes it.
			return parsers.Set(def, a.pos, a.text+" (not a whole number of seconds: ingress-nginx ignores it and keeps its default "+parsers.Seconds(def)+")")
		}
	}
	return parsers.Def(def, "ingress-nginx default "+key+" "+parsers.Seconds(def))
}

// nginxIntKeys are the ConfigMap keys nginxSetting reads that the controller holds in
// integer fields (internal/ingress/controller/config: ProxyReadTimeout, KeepAlive,
// UpstreamKeepaliveTimeout...); worker-shutdown-timeout is a string the template writes
// as it is ("240s").
var nginxIntKeys = map[string]bool{
	"proxy-read-timeout": true, "proxy-send-timeout": true, "proxy-connect-timeout": true,
	"keep-alive": true, "upstream-keepalive-timeout": true, "proxy-next-upstream-timeout": true,
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
	// A snippet annotation is nginx config pasted into the server (server-snippet) or
	// its locations (configuration-snippet); a keepalive_timeout there overrides the
	// ConfigMap's keep-alive for this Ingress's connections (the location's applies
	// after a request to it, as in plain nginx). Its value is not read: unknown.
	for _, k := range []string{"server-snippet", "configuration-snippet"} {
		if a, ok := o.annotations[nginxPrefix+k]; ok && strings.Contains(a.value, "keepalive_timeout") {
			h.ClientIdleTimeout = parsers.Duration{Pos: a.pos, Text: a.text, Unknown: true}
		}
	}
	regex := o.annotations[nginxPrefix+"use-regex"].value == "true"
	canary := isCanary(o)
	for _, ip := range o.paths {
		// A canary Ingress only picks another Service for some requests of its main
		// Ingress's location: ingress-nginx ignores its other annotations (timeouts,
		// retries, HTTP version), which come from the main Ingress ("all the other
		// non-canary annotations will be ignored (inherited from the corresponding main
		// ingress)", annotations.md#canary). Without the main Ingress here, they are
		// unknown.
		so := o
		if canary {
			so = b.canaryMain(o, ip)
		}
		r := &parsers.Route{Hop: h, Path: ip.path, PathKind: ip.pathKind, Host: ip.host, Pos: ip.pos, Block: o.block}
		if a, ok := o.annotations[nginxPrefix+"upstream-vhost"]; ok {
			// The Host header ingress-nginx sends upstream instead of the client's.
			r.Headers = append(r.Headers, parsers.Set("Host "+a.value, a.pos, a.text))
		}
		if so != nil {
			// Its settings are changed in the main Ingress (an annotation added to the
			// canary would be ignored too): that is the route's block for findings
			// and fixes.
			r.Block = so.block
			r.ReadTimeout = b.nginxSetting(so, "proxy-read-timeout", 60*time.Second)
			r.ConnectTimeout = b.nginxSetting(so, "proxy-connect-timeout", 5*time.Second)
			r.SendTimeout = b.nginxSetting(so, "proxy-send-timeout", 60*time.Second)
			r.HTTPVersion = b.nginxHTTPVersion(so)
			r.Retry.Conditions = parsers.Def([]string{"error", "timeout"}, "ingress-nginx default proxy-next-upstream error timeout")
			if a, ok := so.annotations[nginxPrefix+"proxy-next-upstream"]; ok {
				r.Retry.Conditions = parsers.Set(strings.Fields(a.value), a.pos, a.text)
			} else if b.nginxCfgAmbiguous && b.nginxKeyAnywhere["proxy-next-upstream"] {
				// Two controller configs (or a generator that may set it): which one
				// serves this Ingress is not known.
				r.Retry.Conditions = parsers.Setting[[]string]{Unknown: true}
			} else if a, ok := b.nginxKey("proxy-next-upstream"); ok {
				r.Retry.Conditions = parsers.Set(strings.Fields(a.value), a.pos, a.text)
			}
		} else {
			r.ReadTimeout = parsers.Duration{Unknown: true}
			r.ConnectTimeout = parsers.Duration{Unknown: true}
			r.SendTimeout = parsers.Duration{Unknown: true}
			r.HTTPVersion = parsers.Setting[string]{Unknown: true}
			r.Retry.Conditions = parsers.Setting[[]string]{Unknown: true}
		}
		if regex && r.PathKind != parsers.PathExact {
			r.PathKind = parsers.PathRegex
		}
		r.Retry.Tries = parsers.Def(3, "ingress-nginx default proxy-next-upstream-tries 3")
		be := b.serviceBackend(o, ip)
		// upstream-keepalive-timeout and -connections are ConfigMap keys only: ingress-nginx
		// has no such annotation (its annotations.md; kubernetes/ingress-nginx#11472 asks
		// for one), so an Ingress that sets one still gets the controller-wide value.
		be.KeepAliveIdle = b.nginxSetting(&object{}, "upstream-keepalive-timeout", 60*time.Second)
		be.KeepAliveConns = b.nginxCount("upstream-keepalive-connections", 320)
		r.Backend = be
		h.Routes = append(h.Routes, r)
	}
	return h
}

// isCanary reports whether an Ingress is an ingress-nginx canary (its canary annotation
// read as the controller reads booleans, strconv.ParseBool).
func isCanary(o *object) bool {
	v, err := strconv.ParseBool(strings.TrimSpace(o.annotations[nginxPrefix+"canary"].value))
	return err == nil && v
}

// canaryKey is what ties a canary Ingress's path to its main Ingress's: host, path and
// path kind.
func canaryKey(ip ingressPath) string {
	return ip.host + "\x00" + ip.path + "\x00" + string(ip.pathKind)
}

// canaryMain returns the main Ingress of a canary Ingress's path: an ingress-nginx
// Ingress, not a canary, with a path of the same host, path and kind. nil when none is
// in the model.
func (b *builder) canaryMain(o *object, ip ingressPath) *object {
	for _, m := range b.nginxIngresses {
		if m == o || isCanary(m) {
			continue
		}
		for _, mp := range m.paths {
			if mp.host == ip.host && mp.path == ip.path && mp.pathKind == ip.pathKind {
				return m
			}
		}
	}
	return nil
}

// nginxCount returns a whole-number ingress-nginx ConfigMap key (no annotation sets it),
// else the controller default; Unknown when the value is not a whole number or the
// controller's ConfigMap is not known for sure.
func (b *builder) nginxCount(key string, def int) parsers.Setting[int] {
	if b.nginxCfgAmbiguous {
		if _, ok := b.nginxKeyAnywhere[key]; ok {
			return parsers.Setting[int]{Unknown: true}
		}
	}
	if a, ok := b.nginxKey(key); ok {
		n, err := strconv.Atoi(strings.TrimSpace(a.value))
		s := parsers.Set(n, a.pos, a.text)
		s.Unknown = err != nil || n < 0
		return s
	}
	return parsers.Def(def, "ingress-nginx default "+key+" "+strconv.Itoa(def))
}

// nginxHTTPVersion is the HTTP version ingress-nginx speaks to the Service: the
// proxy-http-version annotation, else the ConfigMap key, else 1.1. With "1.0" nginx
// closes every upstream connection after its response (no keep-alive pool).
func (b *builder) nginxHTTPVersion(o *object) parsers.Setting[string] {
	a, ok := o.annotations[nginxPrefix+"proxy-http-version"]
	if !ok && b.nginxCfgAmbiguous {
		if _, amb := b.nginxKeyAnywhere["proxy-http-version"]; amb {
			return parsers.Setting[string]{Unknown: true}
		}
	}
	if !ok {
		a, ok = b.nginxKey("proxy-http-version")
	}
	if !ok {
		return parsers.Def("1.1", "ingress-nginx default proxy-http-version 1.1")
	}
	v := strings.TrimSpace(a.value)
	s := parsers.Set(v, a.pos, a.text)
	s.Unknown = v != "1.0" && v != "1.1"
	return s
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
