package k8s

import (
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

// readNginxControllers sets StopDrain on the containers that run the ingress-nginx
// controller (/nginx-ingress-controller): on SIGTERM (from the kubelet, or from its
// preStop hook /wait-shutdown) it waits --shutdown-grace-period (default 0s) serving,
// then runs nginx -s quit and waits until nginx has exited; nginx finishes the requests
// in flight and its workers stop at worker-shutdown-timeout (default 240s) at the latest
// (kubernetes/ingress-nginx pkg/util/process/sigterm.go, internal/ingress/controller
// nginx.go Stop, cmd/waitshutdown; ING-CFG, ING-FL). The controller then sleeps
// --post-shutdown-grace-period (10s) before it exits, when no request is left to cut.
//
// worker-shutdown-timeout is read from the ConfigMap the --configmap flag names (its
// namespace $(POD_NAMESPACE) is the pod's); without the flag the controller reads no
// ConfigMap and keeps the default. A ConfigMap not among the files, a flag or a value
// no502 cannot read, or worker-shutdown-timeout 0 (nginx then waits without a limit)
// leave StopDrain unknown.
func (b *builder) readNginxControllers() {
	for _, w := range b.m.Workloads {
		for _, c := range w.Containers {
			if d, ok := b.nginxControllerDrain(w, c); ok {
				c.StopDrain = d
			}
		}
	}
}

func (b *builder) nginxControllerDrain(w *parsers.Workload, c *parsers.Container) (parsers.Duration, bool) {
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) > 0 && base(argv[0]) == "dumb-init" {
		argv = argv[1:]
		if len(argv) > 0 && argv[0] == "--" {
			argv = argv[1:]
		}
	}
	if len(argv) == 0 || argv[0] != "/nginx-ingress-controller" {
		return parsers.Duration{}, false
	}
	flags := map[string]string{}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "--") {
			continue
		}
		k, v, eq := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		switch k {
		case "configmap", "shutdown-grace-period":
		default:
			continue
		}
		if !eq {
			if i+1 >= len(argv) {
				return parsers.Duration{}, false
			}
			i++
			v = argv[i]
		}
		flags[k] = v
	}
	grace := time.Duration(0)
	graceText := ""
	if v, ok := flags["shutdown-grace-period"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return parsers.Duration{}, false
		}
		grace = time.Duration(n) * time.Second
		if n > 0 {
			graceText = "--shutdown-grace-period=" + v + " plus "
		}
	}
	// The default is 240s since controller 0.26 (10s before it, 300s in a 0.26 release
	// candidate): known only for an image whose tag says a later release.
	wst := parsers.Duration{Unknown: true}
	if controllerRelease(c.Image) {
		wst = parsers.Def(240*time.Second, "ingress-nginx default worker-shutdown-timeout 240s")
	}
	if ref, ok := flags["configmap"]; ok {
		ns, name, found := strings.Cut(ref, "/")
		if !found {
			return parsers.Duration{}, false
		}
		if ns == "$(POD_NAMESPACE)" {
			// Every manifest sets POD_NAMESPACE from the pod's metadata.namespace
			// (a fieldRef, read as a value from elsewhere).
			if e, ok := c.Env["POD_NAMESPACE"]; !ok || !e.Unknown || !strings.HasSuffix(e.Text, "(valueFrom)") {
				return parsers.Duration{}, false
			}
			ns = w.Namespace
		}
		data, ok := b.configMapEnv[ns+"/"+name]
		if !ok || strings.Contains(ns+name, "$") {
			return parsers.Duration{}, false
		}
		if v, ok := data["worker-shutdown-timeout"]; ok {
			d, err := nginx.ParseDuration(strings.Trim(strings.TrimSpace(v.Value), `"`))
			if err != nil || d <= 0 {
				return parsers.Duration{}, false
			}
			wst = parsers.Set(d, v.Pos, "worker-shutdown-timeout: "+v.Value)
		}
	}
	if !wst.Known() {
		return parsers.Duration{}, false
	}
	if grace == 0 {
		return wst, true
	}
	if wst.Explicit() {
		return parsers.Set(grace+wst.Value, wst.Pos, graceText+wst.Text), true
	}
	return parsers.Def(grace+wst.Value, graceText+wst.Default), true
}

// controllerRelease reports whether an ingress-nginx controller image's tag names release
// 0.27 or later (v1.12.1, 0.32.0, 1.9.4-debian-11-r0), whose default worker-shutdown-timeout
// is 240s (ING-CFG). A tag that names no version (latest, a digest alone) is not known.
func controllerRelease(image string) bool {
	ref, _, _ := strings.Cut(image, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || i < strings.LastIndex(ref, "/") {
		return false
	}
	tag := strings.TrimPrefix(ref[i+1:], "v")
	parts := strings.SplitN(tag, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major >= 1 || minor >= 27
}
