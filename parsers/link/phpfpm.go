package link

import (
	"path"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
	"github.com/no502/no502/parsers/phpfpm"
)

// linkPHPFPM gives each php-fpm container of a Compose service the request timeout its
// mounted pool files set, and links the fastcgi_pass routes of the nginx hops running in
// Compose services to the php-fpm services they name (Route.PassBackend), as proxy_pass
// upstreams are linked. Run after linkCompose, which places the hops.
func linkPHPFPM(m *parsers.Model) {
	for _, w := range m.Workloads {
		if w.Compose == nil {
			continue
		}
		for _, c := range w.Containers {
			if c.App != nil && c.App.Name == appserver.PHPFPM {
				if rt, ok := poolTimeout(m.PHPPools, w.Compose.Mounts); ok {
					c.App.RequestTimeout = rt
				}
			}
		}
	}
	for _, h := range m.Hops {
		if h.Kind != parsers.HopNginx || h.Workload == nil || h.Workload.Compose == nil {
			continue
		}
		for _, r := range h.Routes {
			be := r.PassBackend
			if be == nil || len(be.Workloads) > 0 {
				continue
			}
			var targets []*parsers.Workload
			active := 0
			for _, t := range be.Targets {
				if t.Backup || t.Down {
					continue
				}
				active++
				if x := resolveCompose(h.Workload, t); x != nil && runsPHPFPM(x) {
					targets = append(targets, x)
				}
			}
			if active > 0 && len(targets) == active {
				for _, x := range targets {
					if !containsWorkload(be.Workloads, x) {
						be.Workloads = append(be.Workloads, x)
					}
				}
			}
		}
	}
}

// poolTimeout is the request_terminate_timeout of a php-fpm whose configuration mounts
// holds, when it bounds every request: each pool the files define sets a value above 0,
// and no pool the image may bring is left unseen. php-fpm reads php-fpm.conf, then the
// pool directory in name order, a later value replacing an earlier one (phpfpm.Merge).
// The longest value wins, as among several app servers behind one route. Without a
// [www] pool in the files, and without a mount of the whole pool directory, the image's
// own www.conf (no limit) still runs a pool that may be the one answering: no timeout.
func poolTimeout(pools map[string][]*parsers.PHPPool, mounts []parsers.ComposeMount) (parsers.Duration, bool) {
	type file struct {
		target string // where php-fpm sees it, for the order it reads files in
		pools  []*parsers.PHPPool
	}
	var files []file
	wholeDir := false
	for _, mt := range mounts {
		if !phpfpm.ConfigTarget(mt.Target) {
			continue
		}
		if p, ok := pools[mt.Path]; ok {
			files = append(files, file{mt.Target, p})
			continue
		}
		if !phpfpm.PoolDir(mt.Target) {
			continue
		}
		for name, p := range pools {
			if path.Dir(name) == strings.TrimSuffix(mt.Path, "/") {
				files = append(files, file{path.Join(mt.Target, path.Base(name)), p})
				wholeDir = true
			}
		}
	}
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
		if rt.Value > best.Value {
			best = rt
		}
	}
	if len(merged) == 0 || !www && !wholeDir {
		return parsers.Duration{}, false
	}
	return best, true
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
