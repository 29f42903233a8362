package link

import (
	"path"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
	"github.com/no502/no502/parsers/phpfpm"
)

// linkPHPFPM gives each php-fpm container the request timeout its pool files set (files
// a Compose service mounts; ConfigMap keys a pod mounts), and links the fastcgi_pass
// routes of nginx hops running in Compose services or pods to the php-fpm they reach
// (Route.PassBackend), as proxy_pass upstreams are linked. Run after linkConfigMaps and
// linkCompose, which place the hops.
func linkPHPFPM(m *parsers.Model, embedded []parsers.Embedded) {
	cmPools := configMapPools(embedded)
	for _, w := range m.Workloads {
		for _, c := range w.Containers {
			if c.App == nil || c.App.Name != appserver.PHPFPM || c.App.RequestTimeout.Unknown {
				continue // Unknown: a config file named on the command line decides
			}
			var files []poolFile
			var wholeDir bool
			switch {
			case w.Compose != nil:
				files, wholeDir = composePoolFiles(m.PHPPools, w.Compose.Mounts)
			case w.Format == parsers.FormatK8s:
				files, wholeDir = configMapPoolFiles(cmPools, c.ConfigMapMounts)
			}
			if rt, ok := poolTimeout(files, wholeDir); ok {
				c.App.RequestTimeout = rt
			}
		}
	}
	services := map[string]*parsers.Service{}
	for _, s := range m.Services {
		services[s.Namespace+"/"+s.Name] = s
	}
	for _, h := range m.Hops {
		if (h.Kind != parsers.HopNginx && h.Kind != parsers.HopCaddy) || h.Workload == nil {
			continue // Caddy: php_fastcgi's route
		}
		for _, r := range h.Routes {
			be := r.PassBackend
			if be == nil || r.Pass != "fastcgi" || len(be.Workloads) > 0 {
				continue
			}
			var targets []*parsers.Workload
			active, resolved := 0, 0
			for _, t := range be.Targets {
				if t.Backup || t.Down {
					continue
				}
				active++
				found := fastcgiTargets(h.Workload, t, services)
				if len(found) > 0 {
					resolved++
				}
				if len(found) == 1 && found[0].Compose != nil && found[0] != h.Workload && h.Workload.Compose != nil {
					// The Compose service the name resolves to, as for a proxy_pass
					// target: nginx resolves a fastcgi_pass name once at startup too.
					t.Compose = found[0]
				}
				targets = append(targets, found...)
			}
			if active == 0 || resolved != active {
				continue
			}
			for _, x := range targets {
				if !containsWorkload(be.Workloads, x) {
					be.Workloads = append(be.Workloads, x)
				}
				if x.Compose != nil {
					// nginx forwards to this php-fpm container as a proxy_pass does to an
					// app's: the Compose checks of a served service (one container, a
					// grace period) apply. A pod is served through its Service already.
					x.Served = true
				}
			}
		}
	}
}

// fastcgiTargets finds the php-fpm workloads a fastcgi_pass target of an nginx running in
// from reaches: a Compose service by name (as Docker's DNS answers), a Kubernetes
// Service's pods by its DNS name, or the nginx's own pod at 127.0.0.1 (a php-fpm sidecar).
// Nil when the target does not lead to php-fpm.
func fastcgiTargets(from *parsers.Workload, t *parsers.Target, services map[string]*parsers.Service) []*parsers.Workload {
	var out []*parsers.Workload
	switch {
	case from.Compose != nil:
		if x := resolveCompose(from, t); x != nil {
			out = append(out, x)
		}
	case from.Format != parsers.FormatK8s:
	case t.Local && !t.Unix:
		out = append(out, from)
	default:
		if s := resolve(services, t, from.Namespace); s != nil {
			out = append(out, s.Workloads...)
		}
	}
	for _, x := range out {
		if !runsPHPFPM(x) {
			return nil
		}
	}
	return out
}

// poolFile is a pool file as one php-fpm sees it.
type poolFile struct {
	target string // where php-fpm reads it, for the order it reads files in
	pools  []*parsers.PHPPool
}

// composePoolFiles lists the pool files a Compose service mounts where php-fpm reads
// them, and whether a mount replaces the whole pool directory.
func composePoolFiles(pools map[string][]*parsers.PHPPool, mounts []parsers.ComposeMount) (files []poolFile, wholeDir bool) {
	for _, mt := range mounts {
		if !phpfpm.ConfigTarget(mt.Target) {
			continue
		}
		if p, ok := pools[mt.Path]; ok {
			files = append(files, poolFile{mt.Target, p})
			continue
		}
		if !phpfpm.PoolDir(mt.Target) {
			continue
		}
		wholeDir = true
		for name, p := range pools {
			if path.Dir(name) == strings.TrimSuffix(mt.Path, "/") {
				files = append(files, poolFile{path.Join(mt.Target, path.Base(name)), p})
			}
		}
	}
	return files, wholeDir
}

// configMapPoolFiles lists the pool files a container mounts from ConfigMaps (byKey:
// "ns/name" → key → pools): one key as a file (subPath), or every .conf key of a
// ConfigMap mounted as the pool directory (which it then replaces).
func configMapPoolFiles(byKey map[string]map[string][]*parsers.PHPPool, mounts []parsers.ConfigMapMount) (files []poolFile, wholeDir bool) {
	for _, mt := range mounts {
		keys := byKey[mt.ConfigMap]
		switch {
		case mt.SubPath != "":
			if p, ok := keys[mt.SubPath]; ok && phpfpm.ConfigTarget(mt.Path) {
				files = append(files, poolFile{mt.Path, p})
			}
		case phpfpm.PoolDir(mt.Path):
			wholeDir = true
			for key, p := range keys {
				if strings.HasSuffix(key, ".conf") {
					files = append(files, poolFile{path.Join(mt.Path, key), p})
				}
			}
		}
	}
	return files, wholeDir
}

// poolTimeout is the request_terminate_timeout of a php-fpm reading files, when it bounds
// every request: each pool the files define sets a value above 0, and no pool the image
// may bring is left unseen. php-fpm reads php-fpm.conf, then the pool directory in name
// order, a later value replacing an earlier one (phpfpm.Merge). With several pools the
// shortest counts: a route reaches one pool (by its listen address, not read here), and
// each lets a request run at least that long. Without a [www] pool in the files, and
// unless wholeDir (a mount replaces the whole pool directory), the image's own www.conf
// (no limit) still runs a pool that may be the one answering: no timeout.
func poolTimeout(files []poolFile, wholeDir bool) (parsers.Duration, bool) {
	sort.SliceStable(files, func(i, j int) bool {
		// php-fpm.conf first: it includes the pool directory at its end.
		ci, cj := path.Base(files[i].target) == "php-fpm.conf", path.Base(files[j].target) == "php-fpm.conf"
		if ci != cj {
			return ci
		}
		return files[i].target < files[j].target
	})
	var all []*parsers.PHPPool
	for _, f := range files {
		all = append(all, f.pools...)
	}
	merged := phpfpm.Merge(all)
	var best parsers.Duration
	www := false
	for _, p := range merged {
		www = www || p.Name == "www"
		rt := p.RequestTerminateTimeout
		if !rt.Explicit() || rt.Value <= 0 {
			return parsers.Duration{}, false
		}
		if !best.Pos.IsValid() || rt.Value < best.Value {
			best = rt
		}
	}
	if len(merged) == 0 || !www && !wholeDir {
		return parsers.Duration{}, false
	}
	return best, true
}

// configMapPools parses the pool files held in ConfigMaps, by "ns/name" and key, with
// positions in the manifest that holds them.
func configMapPools(embedded []parsers.Embedded) map[string]map[string][]*parsers.PHPPool {
	out := map[string]map[string][]*parsers.PHPPool{}
	for _, e := range embedded {
		ns, name, ok := ownerConfigMap(e.Owner)
		key := e.Key
		if e.Format != phpfpm.Format || !ok || key == "" {
			continue
		}
		pools := phpfpm.Parse(e.Path, e.Src)
		for _, p := range pools {
			p.Pos = e.MapPos(p.Pos)
			p.RequestTerminateTimeout.Pos = e.MapPos(p.RequestTerminateTimeout.Pos)
		}
		if out[ns+"/"+name] == nil {
			out[ns+"/"+name] = map[string][]*parsers.PHPPool{}
		}
		out[ns+"/"+name][key] = pools
	}
	return out
}

func runsPHPFPM(w *parsers.Workload) bool {
	for _, c := range w.Containers {
		if c.App != nil && c.App.Name == appserver.PHPFPM {
			return true
		}
	}
	return false
}

func containsWorkload(ws []*parsers.Workload, w *parsers.Workload) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}
