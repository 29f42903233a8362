package load

import (
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/phpfpm"
)

// readPHPPools reads the php-fpm pool files Compose services mount where php-fpm looks
// for them (phpfpm.ConfigTarget): a file (./php/www.conf:/usr/local/etc/php-fpm.d/www.conf)
// or a directory of *.conf files mounted as php-fpm.d. Only mounted files are read: a pool
// file nobody mounts configures no php-fpm no502 can see. Files that cannot be read are
// skipped (the mount still names them; the php-fpm then has no known request timeout).
func readPHPPools(m *parsers.Model, c *fileCache, cwd string, ignored func(string) bool) map[string][]*parsers.PHPPool {
	out := map[string][]*parsers.PHPPool{}
	read := func(abs, display string) {
		if _, done := out[display]; done || ignored(abs) {
			return
		}
		if src, diag := c.read(abs, display); diag == nil {
			out[display] = phpfpm.Parse(display, src)
		}
	}
	for _, w := range m.Workloads {
		if w.Compose == nil {
			continue
		}
		for _, mt := range w.Compose.Mounts {
			if !phpfpm.ConfigTarget(mt.Target) {
				continue
			}
			abs := filepath.FromSlash(mt.Path)
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(cwd, abs)
			}
			st, err := os.Stat(abs)
			switch {
			case err != nil:
			case !st.IsDir():
				read(abs, mt.Path)
			case phpfpm.PoolDir(mt.Target):
				files, _ := filepath.Glob(filepath.Join(abs, "*.conf"))
				sort.Strings(files)
				for _, f := range files {
					read(f, path.Join(mt.Path, filepath.Base(f)))
				}
			}
		}
	}
	return out
}
