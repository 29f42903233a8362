package k8s

import (
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

// gceHop models an Ingress annotated kubernetes.io/ingress.class: gce (controllerOf):
// GKE's Ingress controller provisions an
// external Application Load Balancer whose front ends keep idle connections to the
// pods (or nodes) for 600s, a value no setting changes.
//
// Only that keep-alive is read. The backend service timeout (30s unless a
// BackendConfig's timeoutSec says otherwise) and connection draining are not: the
// routes carry no read timeout, so the timeout and drain rules stay silent on them.
// A Service that names its ports' protocols (cloud.google.com/app-protocols: HTTP2 or
// HTTPS) has no keep-alive known either.
func (b *builder) gceHop(o *object) *parsers.Hop {
	h := &parsers.Hop{
		Kind: parsers.HopGCEIngress, Format: parsers.FormatK8s,
		Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block,
	}
	for _, ip := range o.paths {
		r := &parsers.Route{Hop: h, Path: ip.path, PathKind: ip.pathKind, Host: ip.host, Pos: ip.pos, Block: o.block}
		be := b.serviceBackend(o, ip)
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
