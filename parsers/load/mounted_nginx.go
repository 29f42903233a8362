package load

import (
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
