package load

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers"
)

// mountedNginx returns the files Compose services mount, or copy into their image
// (Dockerfile COPY), where nginx reads its configuration, when discovery did not take
// them for nginx by their name: ./proxy/default.conf.tpl copied to
// /etc/nginx/conf.d/default.conf, a file named nginx-conf.d mounted there. The target
// says what the file is. Only the files nginx loads as they are count: nginx.conf,
// conf.d/*.conf (the official image's http{} includes them) and sites-enabled/; a
// template the image renders (templates/) or a file the entrypoint renders elsewhere keeps
// values the environment fills in, which are not this file's. The content must still read
// like nginx (a pool file or notes mounted there are not), and the file must lie in the
// linted paths.
func mountedNginx(models []*parsers.Model, nginxInputs []parsers.Input, cache *fileCache, cwd string, opts Options, popts parsers.Options) []parsers.Input {
	seen := map[string]bool{}
	for _, in := range nginxInputs {
		seen[filepath.Clean(in.Abs)] = true
	}
	var out []parsers.Input
	for _, m := range models {
		if m == nil {
			continue
		}
		for _, w := range m.Workloads {
			if w.Compose == nil {
				continue
			}
			for _, mt := range w.Compose.Mounts {
				if !nginxLoads(mt.Target) {
					continue
				}
				abs := filepath.FromSlash(mt.Path)
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(cwd, abs)
				}
				abs = filepath.Clean(abs)
				if seen[abs] || !popts.Within(abs) || opts.Ignored(abs) {
					continue
				}
				seen[abs] = true
				if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
					continue
				}
				src, diag := cache.read(abs, mt.Path)
				if diag != nil || !sniff(parsers.FormatNginx, abs, src) {
					continue
				}
				out = append(out, parsers.Input{Path: mt.Path, Abs: abs, Src: src})
			}
		}
	}
	return out
}

// nginxLoads reports whether nginx (the official image's layout, or a distribution
// package's) reads the file at target in a container as its configuration.
func nginxLoads(target string) bool {
	t := path.Clean(target)
	switch path.Dir(t) {
	case "/etc/nginx":
		return path.Base(t) == "nginx.conf"
	case "/etc/nginx/conf.d":
		return strings.HasSuffix(t, ".conf")
	case "/etc/nginx/sites-enabled":
		return true
	}
	return false
}

// containerMounts lists, per Compose service, the files and directories of the linted
// tree it bind-mounts, for the services through which an nginx include may be read
// (parsers.Options.ContainerMounts): the service sees one of the nginx files (mounts it,
// or a directory holding it), and that file names an absolute path under a directory
// the service mounts. Nil when there is none, so that nginx is not parsed again.
func containerMounts(models []*parsers.Model, nginx []parsers.Input, cwd string, popts parsers.Options) [][]parsers.Mount {
	if len(nginx) == 0 {
		return nil
	}
	var out [][]parsers.Mount
	for _, m := range models {
		if m == nil {
			continue
		}
		for _, w := range m.Workloads {
			if w.Compose == nil {
				continue
			}
			var mounts []parsers.Mount
			for _, mt := range w.Compose.Mounts {
				if !path.IsAbs(mt.Target) {
					continue
				}
				abs := filepath.FromSlash(mt.Path)
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(cwd, abs)
				}
				abs = filepath.Clean(abs)
				if !popts.Within(abs) {
					continue
				}
				st, err := os.Stat(abs)
				if err != nil {
					continue
				}
				mounts = append(mounts, parsers.Mount{Host: abs, Target: path.Clean(mt.Target), Dir: st.IsDir()})
			}
			if servesInclude(mounts, nginx) {
				out = append(out, mounts)
			}
		}
	}
	return out
}

// servesInclude reports whether one of the nginx files the mounts show in the container
// names a path under a directory they mount there, or a file they mount (a byte scan:
// the include resolver decides what it names).
func servesInclude(mounts []parsers.Mount, nginx []parsers.Input) bool {
	for _, in := range nginx {
		abs := filepath.Clean(in.Abs)
		seen := false
		for _, m := range mounts {
			if abs == m.Host || m.Dir && strings.HasPrefix(abs, m.Host+string(filepath.Separator)) {
				seen = true
			}
		}
		if !seen {
			continue
		}
		for _, m := range mounts {
			if m.Dir && m.Target != "/" && bytes.Contains(in.Src, []byte(m.Target+"/")) ||
				!m.Dir && bytes.Contains(in.Src, []byte(m.Target)) {
				return true
			}
		}
	}
	return false
}
