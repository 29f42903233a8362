// Package phpfpm reads the one thing no502 needs from php-fpm configuration: each pool's
// request_terminate_timeout, the wall-clock time after which php-fpm kills the worker
// serving a request. Pool files (www.conf in php-fpm.d/) and php-fpm.conf share one INI
// syntax: [name] starts a section ([global] is not a pool), "key = value" sets a
// directive, and lines starting with ';' or '#' are comments. Everything else in the
// files (pm.*, listen, php_admin_value[...]) is skipped: max_execution_time in
// php_admin_value counts CPU time outside Windows and bounds no request's wall time.
package phpfpm

import (
	"bytes"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Format names pool files held in a ConfigMap (parsers.Embedded.Format): no format parser
// reads them; the link step does, for the php-fpm containers that mount them.
const Format = "php-fpm"

// LooksLikePool reports whether a .conf text is php-fpm configuration: a [section] line
// and a pool directive ("pm = dynamic", "listen = 9000"), not an nginx file with a
// listen line.
func LooksLikePool(text string) bool {
	section, directive := false, false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = true
			continue
		}
		key, _, ok := strings.Cut(line, "=")
		switch strings.TrimSpace(key) {
		case "pm", "listen", "request_terminate_timeout", "pm.max_children", "user", "include":
			directive = directive || ok
		}
	}
	return section && directive
}

// Pool is one [name] section of a pool file.
type Pool = parsers.PHPPool

// Parse returns the pools file path (its text src) defines, in order. A section named twice
// is two entries: php-fpm merges them, the later directive winning, as Merge does.
func Parse(path string, src []byte) []*Pool {
	var pools []*Pool
	var cur *Pool
	for off := 0; off < len(src); {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off
		}
		line, start := src[off:end], off
		off = end + 1
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == ';' || trimmed[0] == '#' {
			continue
		}
		lead := start + bytes.Index(line, trimmed)
		if trimmed[0] == '[' {
			cur = nil
			name, _, ok := strings.Cut(string(trimmed[1:]), "]")
			if ok && name != "" && !strings.EqualFold(name, "global") {
				cur = &Pool{Name: name, Pos: span(path, src, lead, lead+len(trimmed))}
				pools = append(pools, cur)
			}
			continue
		}
		key, value, ok := strings.Cut(string(trimmed), "=")
		if !ok || cur == nil || strings.TrimSpace(key) != "request_terminate_timeout" {
			continue
		}
		d, ok := Duration(value)
		s := parsers.Set(d, span(path, src, lead, lead+len(trimmed)), string(trimmed))
		s.Unknown = !ok
		cur.RequestTerminateTimeout = s
	}
	return pools
}

// Duration reads a php-fpm time value: a number of seconds, or a number followed by s, m,
// h or d (fpm_conf_set_time). A value may be quoted and followed by a ';' comment.
func Duration(v string) (time.Duration, bool) {
	v, _, _ = strings.Cut(v, ";")
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	unit := time.Second
	if v != "" {
		switch v[len(v)-1] {
		case 's':
			v = v[:len(v)-1]
		case 'm':
			unit, v = time.Minute, v[:len(v)-1]
		case 'h':
			unit, v = time.Hour, v[:len(v)-1]
		case 'd':
			unit, v = 24*time.Hour, v[:len(v)-1]
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || int64(n) > int64(365*24*time.Hour/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// Merge folds pools of one php-fpm into one per name, in the order php-fpm reads the files
// (php-fpm.conf, then its includes in name order): a later request_terminate_timeout
// replaces an earlier one.
func Merge(pools []*Pool) []*Pool {
	var out []*Pool
	byName := map[string]*Pool{}
	for _, p := range pools {
		m := byName[p.Name]
		if m == nil {
			m = &Pool{Name: p.Name, Pos: p.Pos}
			byName[p.Name] = m
			out = append(out, m)
		}
		if p.RequestTerminateTimeout.Pos.IsValid() {
			m.RequestTerminateTimeout = p.RequestTerminateTimeout
		}
	}
	return out
}

// span is the position of src[start:end], one line of the file.
func span(path string, src []byte, start, end int) parsers.Pos {
	line, col := parsers.LineCol(src, start)
	endLine, endCol := parsers.LineCol(src, end)
	return parsers.Pos{File: path, Line: int32(line), Col: int32(col), Offset: int32(start),
		EndLine: int32(endLine), EndCol: int32(endCol), EndOffset: int32(end)}
}

// ConfigTarget reports whether a path inside a container is where php-fpm reads its
// configuration: php-fpm.conf, or a pool directory (php-fpm.d in the official image,
// Debian's /etc/php/8.2/fpm/pool.d) or a *.conf file in one.
func ConfigTarget(target string) bool {
	target = strings.TrimSuffix(target, "/")
	base := path.Base(target)
	return base == "php-fpm.conf" || PoolDir(target) || strings.HasSuffix(base, ".conf") && PoolDir(path.Dir(target))
}

// PoolDir reports whether dir is a php-fpm pool directory.
func PoolDir(dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	return path.Base(dir) == "php-fpm.d" || path.Base(dir) == "pool.d" && path.Base(path.Dir(dir)) == "fpm"
}
