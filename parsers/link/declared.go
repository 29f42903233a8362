package link

import (
	"path"
	"strings"

	"github.com/no502/no502/parsers"
)

// refs is what one chain step or backends: match names.
type refs struct {
	cloudflare bool
	hops       []*parsers.Hop
	backends   []*parsers.Backend
	workloads  []*parsers.Workload
}

func (r refs) empty() bool {
	return !r.cloudflare && len(r.hops) == 0 && len(r.backends) == 0 && len(r.workloads) == 0
}

// resolveRef finds what a reference names: "cloudflare"; a file ("nginx/nginx.conf": its
// hops, else its workloads, else its backends); "file:name"; or a name alone, matched
// against hop names (server_name, aws_lb.web, ns/ingress), backend names (upstream name,
// target group address) and workloads (Kind/name, Kind/ns/name, or a Terraform address).
func resolveRef(m *parsers.Model, ref string) refs {
	ref = strings.TrimSpace(ref)
	if strings.EqualFold(ref, "cloudflare") {
		return refs{cloudflare: true}
	}
	file, name := "", ref
	if i := strings.Index(ref, ":"); i > 0 && hasFile(m, ref[:i]) {
		file, name = ref[:i], ref[i+1:]
	} else if hasFile(m, ref) {
		file, name = ref, ""
	}
	var out refs
	for _, h := range m.Hops {
		if inFile(file, m.HostPos(h.Pos).File, h.Block.File) && (name == "" || h.Name == name) {
			out.hops = append(out.hops, h)
		}
	}
	if name == "" && len(out.hops) > 0 {
		return out
	}
	for _, w := range m.Workloads {
		if inFile(file, w.Pos.File, w.Block.File) && (name == "" || workloadNamed(w, name)) {
			out.workloads = append(out.workloads, w)
		}
	}
	if name == "" && len(out.workloads) > 0 {
		return out
	}
	for _, be := range m.Backends {
		if inFile(file, m.HostPos(be.Pos).File, be.Block.File) && (name == "" || be.Name == name) {
			out.backends = append(out.backends, be)
		}
	}
	return out
}

func workloadNamed(w *parsers.Workload, name string) bool {
	kind := string(w.Kind)
	return name == w.Name || name == kind+"/"+w.Name || name == kind+"/"+w.Namespace+"/"+w.Name
}

// hasFile reports whether a file of the run is ref: equal, or ending in /ref (the config
// names files relative to itself; the model holds them relative to the working directory).
func hasFile(m *parsers.Model, ref string) bool {
	for _, f := range m.Files {
		if sameFile(f.Path, ref) {
			return true
		}
	}
	return false
}

func sameFile(p, ref string) bool {
	p, ref = path.Clean(filepathToSlash(p)), path.Clean(filepathToSlash(ref))
	return p == ref || strings.HasSuffix(p, "/"+strings.TrimPrefix(ref, "./"))
}

func filepathToSlash(s string) string { return strings.ReplaceAll(s, "\\", "/") }

func inFile(file string, paths ...string) bool {
	if file == "" {
		return true
	}
	for _, p := range paths {
		if p != "" && sameFile(p, file) {
			return true
		}
	}
	return false
}

// outBackends are the backends requests leave a step through: the backends it names,
// and the routes' backends of its hops and of the proxies its workloads run. Of those
// routes' backends, the ones the files already link elsewhere (a target group an ECS
// service registers in, an upstream naming a Service or a Compose service) are left out
// when some are not: a chain from an ALB to nginx says where the ALB's unlinked target
// group leads, not that its /api/* rule's target group, which the ECS service api
// registers in, leads to nginx too. When every one is linked, the chain adds to all of
// them, as it names no route.
func outBackends(m *parsers.Model, r refs) []*parsers.Backend {
	out := append([]*parsers.Backend{}, r.backends...)
	hops := append([]*parsers.Hop{}, r.hops...)
	for _, w := range r.workloads {
		for _, h := range m.Hops {
			if h.Workload == w {
				hops = append(hops, h)
			}
		}
	}
	seen := map[*parsers.Backend]bool{}
	for _, be := range out {
		seen[be] = true
	}
	var free, linked []*parsers.Backend
	for _, h := range hops {
		for _, rt := range h.Routes {
			be := rt.Backend
			if be == nil || rt.Respond != nil || seen[be] {
				continue
			}
			seen[be] = true
			if be.Service != nil || len(be.Workloads) > 0 || len(be.Hops) > 0 {
				linked = append(linked, be)
			} else {
				free = append(free, be)
			}
		}
	}
	if len(free) > 0 {
		return append(out, free...)
	}
	return append(out, linked...)
}

// linkChains applies chain: entries: each step serves the one before it.
func linkChains(m *parsers.Model, chains []parsers.DeclaredChain) {
	for _, c := range chains {
		steps := make([]refs, len(c.Steps))
		for i, s := range c.Steps {
			steps[i] = resolveRef(m, s.Ref)
			if steps[i].empty() {
				m.Diags = append(m.Diags, parsers.Notef(s.Pos, "chain: %q matches nothing in the linted files; this link is ignored", s.Ref))
			}
		}
		for i := 0; i+1 < len(steps); i++ {
			a, b := steps[i], steps[i+1]
			if a.cloudflare {
				for _, h := range append(b.hops, hopsOf(m, b)...) {
					if !h.Edge.Known() {
						h.Edge = parsers.Set("cloudflare", c.Steps[i].Pos, "chain: cloudflare")
					}
				}
				continue
			}
			for _, be := range outBackends(m, a) {
				for _, h := range b.hops {
					addHop(be, h)
				}
				for _, w := range b.workloads {
					addWorkload(be, w)
					for _, h := range m.Hops {
						if h.Workload == w {
							addHop(be, h)
						}
					}
				}
			}
		}
	}
}

// hopsOf returns the hops run by the workloads a step names.
func hopsOf(m *parsers.Model, r refs) []*parsers.Hop {
	var out []*parsers.Hop
	for _, w := range r.workloads {
		for _, h := range m.Hops {
			if h.Workload == w {
				out = append(out, h)
			}
		}
	}
	return out
}

// applyBackends applies backends: entries: the declared keep-alive, request timeout and
// drain of the app server in the workloads matched, overriding what detection found.
func applyBackends(m *parsers.Model, bs []parsers.DeclaredBackend) {
	for _, b := range bs {
		r := resolveRef(m, b.Match)
		if len(r.workloads) == 0 {
			m.Diags = append(m.Diags, parsers.Notef(b.Pos, "backends: %q matches no workload in the linted files; this entry is ignored", b.Match))
			continue
		}
		for _, w := range r.workloads {
			for _, c := range appContainers(w, b.Pos) {
				if c.App == nil {
					c.App = &parsers.AppServer{Name: "declared", Pos: b.Pos}
				}
				if b.Server.Known() {
					c.App.Name = b.Server.Value
				}
				c.App.Note = "declared in " + b.Pos.Short()
				if b.KeepAlive.Known() {
					c.App.KeepAlive, c.App.Closes = b.KeepAlive, false
				}
				if b.RequestTimeout.Known() {
					c.App.RequestTimeout = b.RequestTimeout
				}
				if b.Drain.Known() {
					c.App.GracefulTimeout = b.Drain
				}
			}
		}
	}
}

// appContainers are the containers a backends: entry describes: those running a detected
// server, else the only one. A workload with no containers in the model (an ECS service)
// gets one standing for its task, at the entry's position.
func appContainers(w *parsers.Workload, pos parsers.Pos) []*parsers.Container {
	if len(w.Containers) == 0 {
		c := &parsers.Container{Name: "app", Pos: pos}
		w.Containers = append(w.Containers, c)
		return []*parsers.Container{c}
	}
	var out []*parsers.Container
	for _, c := range w.Containers {
		if c.App != nil {
			out = append(out, c)
		}
	}
	if len(out) == 0 && len(w.Containers) == 1 {
		out = w.Containers
	}
	return out
}
