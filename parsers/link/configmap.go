package link

import (
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
)

// linkConfigMaps connects the proxy hops parsed from a ConfigMap to the one workload that
// mounts that ConfigMap: the hop runs in its pods (Hop.Workload), the container running
// it gets an AppServer with the proxy's own timeouts (so grace-period-too-short counts
// its drain), and every backend that routes to the workload now leads to the hop.
func linkConfigMaps(m *parsers.Model, embedded []parsers.Embedded) {
	// Indexes, so that thousands of workloads, hops and backends are not compared
	// pairwise (50,000 manifests spent seconds here).
	mountedBy := map[string][]*parsers.Workload{} // "ns/name" of a ConfigMap → workloads mounting it
	for _, w := range m.Workloads {
		for i, cm := range w.ConfigMaps {
			if !slices.Contains(w.ConfigMaps[:i], cm) {
				mountedBy[cm] = append(mountedBy[cm], w)
			}
		}
	}
	hopsIn := map[string][]*parsers.Hop{} // file → hops defined in it
	for _, h := range m.Hops {
		hopsIn[h.Block.File] = append(hopsIn[h.Block.File], h)
	}
	for _, e := range embedded {
		ns, name, ok := ownerConfigMap(e.Owner)
		if !ok {
			continue
		}
		mounts := mountedBy[ns+"/"+name]
		if len(mounts) != 1 {
			continue // none, or several: which pods run this config is not one answer
		}
		w := mounts[0]
		for _, h := range hopsIn[e.Path] {
			if h.Workload != nil {
				continue
			}
			h.Workload = w
			if c := proxyContainer(w, e.Format); c != nil {
				c.App = proxyApp(h, c)
			}
		}
	}
	// Backends that reach a workload running a proxy lead to that proxy.
	hopsOf := map[*parsers.Workload][]*parsers.Hop{}
	for _, h := range m.Hops {
		if h.Workload != nil {
			hopsOf[h.Workload] = append(hopsOf[h.Workload], h)
		}
	}
	for _, be := range m.Backends {
		for _, w := range be.Workloads {
			for _, h := range hopsOf[w] {
				addHop(be, h)
			}
		}
	}
}

// ownerConfigMap splits "ConfigMap/ns/name".
func ownerConfigMap(owner string) (ns, name string, ok bool) {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 || parts[0] != "ConfigMap" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// proxyContainer picks the container that runs the proxy: the one whose command or image
// says nginx (or Caddy), else the only container.
func proxyContainer(w *parsers.Workload, format string) *parsers.Container {
	var found *parsers.Container
	for _, c := range w.Containers {
		if c.App != nil && c.App.Name == format {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	if found == nil && len(w.Containers) == 1 {
		found = w.Containers[0]
	}
	return found
}

// proxyApp describes the proxy as the app server of its container: its client keep-alive
// and its bounded drain. An unbounded drain (nginx without worker_shutdown_timeout,
// Caddy's eternal grace_period) stays unknown: the kill decides, and
// proxy-shutdown-unbounded speaks about Caddy's.
func proxyApp(h *parsers.Hop, c *parsers.Container) *parsers.AppServer {
	a := &parsers.AppServer{Name: h.Format, Pos: h.Pos, Note: "runs " + h.Format + " config " + h.Block.File}
	if c.App != nil && c.App.Pos.IsValid() {
		a.Pos = c.App.Pos
	}
	ka := h.ClientIdleTimeout
	if ka.Known() && ka.Value == 0 && h.Format == parsers.FormatNginx {
		a.Closes = true // keepalive_timeout 0 disables keep-alive
	} else {
		a.KeepAlive = ka
	}
	g, delay := h.ShutdownTimeout, h.ShutdownDelay
	if g.Known() && g.Value > 0 {
		a.GracefulTimeout = g
		if delay.Known() && delay.Value > 0 {
			total := g
			total.Value = g.Value + delay.Value
			total.Text = g.Text + " + " + delay.Text
			total.SetVia(append(append([]parsers.Pos{}, g.Via()...), delay.Pos))
			a.GracefulTimeout = total
		}
	}
	return a
}
