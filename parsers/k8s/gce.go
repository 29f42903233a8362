package k8s

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// gceBackendKeepAlive is how long the Google Front Ends of an external Application
// Load Balancer keep an idle connection to a backend: 600s, fixed ("The backend
// keepalive timeout is fixed at 10 minutes (600 seconds) and cannot be changed ...
// you must configure your backend software so that its HTTP keepalive (TCP idle)
// timeout value is greater than 600 seconds",
// https://cloud.google.com/load-balancing/docs/https#timeouts_and_retries;
// https://cloud.google.com/load-balancing/docs/https/request-distribution).
const gceBackendKeepAlive = 600 * time.Second

// gceDefaultTimeout is the backend service timeout of an external Application Load
// Balancer when nothing sets it: 30s, the time the load balancer waits for a backend's
// whole HTTP response (https://cloud.google.com/load-balancing/docs/https#timeout-bes;
// GKE's BackendConfig spec.timeoutSec sets it, kubernetes/ingress-gce
// pkg/apis/backendconfig/v1/types.go).
const gceDefaultTimeout = 30 * time.Second

const gceDefaultTimeoutText = "Google Cloud default backend service timeout 30s"

// backendConfig is what no502 reads of a GKE BackendConfig (cloud.google.com/v1 or
// v1beta1): its timeoutSec, unset when not written.
type backendConfig struct {
	timeout parsers.Duration
}

func readBackendConfig(o *object) *backendConfig {
	bc := &backendConfig{}
	k, v := get(val(o.node, "spec"), "timeoutSec")
	if v != nil && !isNull(v) {
		n, ok := atoi(v)
		bc.timeout = parsers.Set(time.Duration(n)*time.Second, o.src.pos(v), o.src.text(k, v))
		bc.timeout.Unknown = !ok || n <= 0
	}
	return bc
}

// backendConfigKeys are the Service annotations naming a BackendConfig, in the order
// GKE's controller reads them (ingress-gce getBackendConfigAnnotation: the v1 key
// first, then the beta one).
var backendConfigKeys = []string{"cloud.google.com/backend-config", "beta.cloud.google.com/backend-config"}

// gceTimeout returns the backend service timeout of the load balancer's backend for be:
// the timeoutSec of the BackendConfig its Service names for the port the Ingress path
// uses, else Google's 30s. Unknown when the Service is not in the run (it may name a
// BackendConfig), when its annotation cannot be read or names no BackendConfig for the
// port, or when the BackendConfig it names is not in the run.
func (b *builder) gceTimeout(port string, be *parsers.Backend) parsers.Duration {
	unknown := parsers.Duration{Unknown: true}
	if be.Service == nil {
		return unknown
	}
	o := b.serviceObjs[be.Service]
	if o == nil {
		return unknown
	}
	var ann annotation
	found := false
	for _, k := range backendConfigKeys {
		if a, ok := o.annotations[k]; ok {
			ann, found = a, true
			break
		}
	}
	if !found {
		return parsers.Def(gceDefaultTimeout, gceDefaultTimeoutText+" (Service "+o.namespace+"/"+o.name+" names no BackendConfig)")
	}
	name, ok := backendConfigFor(ann.value, be.Service, port)
	if !ok {
		return unknown
	}
	bc := b.backendConfigs[o.namespace+"/"+name]
	if bc == nil {
		return unknown
	}
	if bc.timeout.Pos.IsValid() || bc.timeout.Unknown {
		return bc.timeout
	}
	return parsers.Def(gceDefaultTimeout, gceDefaultTimeoutText+" (BackendConfig "+o.namespace+"/"+name+" sets no timeoutSec)")
}

// backendConfigFor reads a backend-config annotation ({"default": "name"} or
// {"ports": {"80": "name", "http": "name"}}) for the Service port an Ingress names (a
// number or a port name): the entry for the port, by its number or its name, else the
// default (ingress-gce BackendConfigForServicePort). Not ok when the annotation is not
// that JSON, when the port's number and name give different names, or when nothing is
// given for the port.
func backendConfigFor(value string, svc *parsers.Service, port string) (string, bool) {
	var a struct {
		Default string            `json:"default"`
		Ports   map[string]string `json:"ports"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(value)), &a); err != nil {
		return "", false
	}
	var keys []string
	for _, p := range svc.Ports {
		if port == "" && len(svc.Ports) == 1 || p.Name != "" && p.Name == port || strconv.Itoa(p.Port) == port {
			keys = append(keys, strconv.Itoa(p.Port))
			if p.Name != "" {
				keys = append(keys, p.Name)
			}
			break
		}
	}
	name := ""
	for _, k := range keys {
		if n, ok := a.Ports[k]; ok {
			if name != "" && n != name {
				return "", false
			}
			name = n
		}
	}
	if name == "" {
		name = a.Default
	}
	return name, name != ""
}

// gceHop models an Ingress annotated kubernetes.io/ingress.class: gce (controllerOf):
// GKE's Ingress controller provisions an
// external Application Load Balancer whose front ends keep idle connections to the
// pods (or nodes) for 600s, a value no setting changes, and wait for a backend's whole
// response for the backend service timeout: 30s, or the timeoutSec of the BackendConfig
// the Service names (gceTimeout). That timeout is the routes' read timeout.
//
// Connection draining (BackendConfig connectionDraining.drainingTimeoutSec, 0 by
// default) is not read. A Service that names its ports' protocols
// (cloud.google.com/app-protocols: HTTP2 or HTTPS) has no keep-alive known.
func (b *builder) gceHop(o *object) *parsers.Hop {
	h := &parsers.Hop{
		Kind: parsers.HopGCEIngress, Format: parsers.FormatK8s,
		Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block,
	}
	for _, ip := range o.paths {
		r := &parsers.Route{Hop: h, Path: ip.path, PathKind: ip.pathKind, Host: ip.host, Pos: ip.pos, Block: o.block}
		be := b.serviceBackend(o, ip)
		r.ReadTimeout = b.gceTimeout(ip.port, be)
		if !gceAppProtocols(b, be) {
			be.KeepAliveIdle = parsers.Def(gceBackendKeepAlive, "Google Cloud load balancer backend keep-alive 600s, fixed")
		}
		r.Backend = be
		h.Routes = append(h.Routes, r)
	}
	return h
}

// gceAppProtocols reports whether the Service behind be names its ports' protocols
// for the load balancer (HTTP2, HTTPS): the connections the front ends keep are then
// not the plain HTTP/1.1 ones whose keep-alive no502 compares.
func gceAppProtocols(b *builder, be *parsers.Backend) bool {
	if be.Service == nil {
		return false
	}
	o := b.serviceObjs[be.Service]
	if o == nil {
		return false
	}
	for _, k := range []string{"cloud.google.com/app-protocols", "service.alpha.kubernetes.io/app-protocols"} {
		if _, ok := o.annotations[k]; ok {
			return true
		}
	}
	return false
}
