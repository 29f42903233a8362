package load

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
)

// Files whose name gives no format but may be nginx config by their content alone: the
// site files nginx setups name without an extension (a Debian `example`, `default`) or
// after the host they serve (`api.example.com`, `163.gs`), wherever they are kept
// (`router/calc.ntipa.com`, `config/nginx/nxtranet.com`). The files in nginx's own
// directories (sites-enabled/, conf.d/...) are picked by their directory (formatByName);
// these are the others. Only the first probeHead bytes are read to decide, so a large
// tree's scripts, licences and binaries cost one short read each, and only a file
// whose text is plainly nginx (nginxByContent) is then read whole and linted. A file
// that is not is skipped silently, as any file of no known format: a probe never
// reports a binary, an unreadable or an over-size file.

// probeHead is how much of a probed file is read to decide: two pages, as looksBinary
// looks at. A site file states its first server or upstream well within it.
const probeHead = 8 << 10

// hostTLDs are the last labels of host names site files are named after. Extensions of
// source and data files that are also country codes (.sh, .py, .pl, .md, .rs, .ps, .ml,
// .so, .cc, .cl, .ar, .tr) are left out: those files are not probed at all; so are .in
// (nginx.conf.in, a build template with @VAR@ placeholders) and .example
// (nginx.conf.example, a sample no server loads).
var hostTLDs = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`com net org io dev app co me info biz xyz site online tech
		cloud ai gs ly to gg tv fm us uk eu de fr es it nl be ch at se no dk fi cz sk hu ro gr pt
		ie ru su ua kz cn jp kr tw hk sg vn id th ph au nz ca mx br za il ir local lan
		internal localhost test host`) {
		hostTLDs[t] = true
	}
}

// probeName reports whether a file named base (no name rule gave it a format) is worth a
// look at its content: a name without an extension, conf.d, or one written like a host
// name (labels of letters, digits, '-' and '_', the last one a top-level domain of
// hostTLDs). Hidden files (.env, .htaccess) are not.
func probeName(base string) bool {
	if lower := strings.ToLower(base); base == "" || base[0] == '.' || strings.HasPrefix(lower, "dockerfile") || strings.HasPrefix(lower, "containerfile") {
		return false // hidden, or a Dockerfile (formatByName)
	}
	if !strings.Contains(base, ".") || strings.EqualFold(base, "conf.d") {
		// conf.d: a file named like nginx's include directory (nginx/conf.d, a site
		// or main file in 180+ public repositories), nginx only by its content as the rest.
		return true
	}
	labels := strings.Split(strings.ToLower(base), ".")
	if !hostTLDs[labels[len(labels)-1]] {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// probeFile reads the head of the file at abs and reports whether it is nginx config by
// its content (nginxByContent). A file that cannot be read is not (it is no known
// config, so nothing is said of it). One open and one read: the size limit and the rest
// are the full read's business (fileCache.read), once the head said nginx.
func probeFile(abs string) bool {
	f, err := os.OpenFile(abs, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	bp := probeBufs.Get().(*[]byte)
	defer probeBufs.Put(bp)
	buf := *bp
	n, _ := io.ReadFull(f, buf)
	if n == 0 {
		return false
	}
	// One byte past the head says whether the file goes on.
	return nginxByContent(buf[:min(n, probeHead)], n > probeHead)
}

// probeBufs hold probeFile's buffers: the head and one byte more.
var probeBufs = sync.Pool{New: func() any { b := make([]byte, probeHead+1); return &b }}

// nginxByContent reports whether src, the start of a file whose name says nothing (cut:
// the file goes on past it), is plainly nginx config: not a script (#!) nor binary, and
// every statement at the top level, up to where src ends, is a directive nginx knows
// (nginxDirective) ending in ';' or opening a block, with at least one block of a site
// or main file (server, upstream, http, events, stream, map, geo, split_clients,
// location). Comments and quoted strings are skipped as nginx's lexer skips them; inside
// a block nothing but the braces is looked at. This is stricter than the *.conf sniff
// (nginxLooking, one telling line anywhere): a shell script, an Apache or HAProxy config,
// a BIND zone or a Caddyfile named like a host has a first word nginx does not know.
func nginxByContent(src []byte, cut bool) bool {
	if bytes.HasPrefix(src, []byte("#!")) || bytes.IndexByte(src, 0) >= 0 {
		return false
	}
	for _, mark := range templateMarks {
		if bytes.Contains(src, mark) {
			// A Jinja, Go or ERB template of nginx config (an Ansible role's
			// templates/site): what it holds is decided when it is rendered, and as
			// written it does not parse ("server_name {{ domain }};" opens a block).
			return false
		}
	}
	depth, sawBlock := 0, false
	var name string // the name of the top-level statement being read, "" between them
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#':
			j := bytes.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j + 1
			}
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return cut && sawBlock // a string the head cuts
			}
			if depth == 0 && name == "" {
				return false // a statement starting with a string
			}
			i = j + 1
		case c == ';':
			if depth == 0 {
				if name == "" {
					return false
				}
				name = ""
			}
			i++
		case c == '{':
			if depth == 0 {
				if name == "" {
					return false
				}
				if siteBlocks[name] {
					sawBlock = true
				} else if !blockDirectives[name] {
					return false
				}
				name = ""
			}
			depth++
			i++
		case c == '}':
			if depth == 0 {
				return false
			}
			depth--
			i++
		default:
			j := i
			for j < len(src) && !isNginxSep(src[j]) || j < len(src) && src[j] == '{' && j > i && src[j-1] == '$' {
				j++
			}
			if depth == 0 && name == "" {
				if j == len(src) && cut {
					return sawBlock // a word the head cuts
				}
				name = string(src[i:j])
				if !nginxDirective(name) {
					return false
				}
			}
			i = j
		}
	}
	if !cut && (depth != 0 || name != "") {
		return false // an unclosed block or statement in the whole file
	}
	return sawBlock
}

// templateMarks are the delimiters of the template languages nginx config is kept in:
// Jinja and Go templates ({{ }}, {% %}), ERB (<% %>). None can appear in nginx config
// outside a string or a Lua block.
var templateMarks = [][]byte{[]byte("{{"), []byte("{%"), []byte("<%")}

// isNginxSep reports whether c ends a word. As in nginx's lexer (ngx_conf_read_token),
// '#', quotes and '}' are special only at the start of a word, and '{' right after '$'
// (${name}) is part of it.
func isNginxSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v', ';', '{':
		return true
	}
	return false
}

// siteBlocks are the blocks one of which a file must open at its top level to be taken
// for nginx by its content: what a main file, a site or a conf.d fragment holds.
var siteBlocks = map[string]bool{
	"http": true, "events": true, "stream": true, "mail": true, "server": true, "upstream": true,
	"map": true, "geo": true, "split_clients": true, "location": true,
}

// blockDirectives are the other directives that take a block at a file's top level.
var blockDirectives = map[string]bool{
	"if": true, "types": true, "limit_except": true, "match": true,
}

// nginxDirective reports whether name is a directive of nginx or of a module commonly
// built in (the directive index of nginx.org), by its exact name or its module's
// prefix. A word nginx does not know (export, global, zone, <VirtualHost, $TTL, a host
// name) rules a file out.
func nginxDirective(name string) bool {
	if nginxDirectives[name] || strings.HasSuffix(name, "_by_lua") || strings.HasSuffix(name, "_by_lua_block") || strings.HasSuffix(name, "_by_lua_file") {
		return true
	}
	for _, p := range nginxPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

var nginxPrefixes = []string{
	"proxy_", "fastcgi_", "uwsgi_", "scgi_", "grpc_", "memcached_", "ssl_", "gzip", "gunzip",
	"client_", "limit_", "keepalive", "open_file_cache", "open_log_file_cache", "http2_",
	"http3_", "quic_", "real_ip", "set_real_ip_from", "sub_filter", "auth_", "log_", "lua_",
	"lingering_", "sendfile", "send_", "tcp_", "types_hash", "server_names_hash", "variables_hash",
	"map_hash", "large_client_header", "worker_", "ssi", "charset", "source_charset",
	"more_set_", "more_clear_", "zone", "health_check", "resolver", "output_buffers",
	"postpone_output", "reset_timedout", "directio", "aio", "mp4", "hls", "f4f", "slice",
	"secure_link", "geoip", "perl", "image_filter", "xslt", "dav_", "create_full_put_path",
	"min_delete_depth", "autoindex", "random_index", "empty_gif", "stub_status", "userid",
	"split_clients", "mirror", "js_", "njs_", "brotli", "vhost_traffic_status", "modsecurity",
	"pagespeed", "passenger_", "upload_", "push_stream", "rtmp", "cache_purge", "add_", "expires", "etag", "if_modified_since", "ignore_invalid_headers",
	"underscores_in_headers", "merge_slashes", "msie_", "port_in_redirect",
	"server_name_in_redirect", "absolute_redirect", "chunked_transfer_encoding",
	"recursive_error_pages", "error_page", "error_log", "access_log", "default_type",
	"disable_symlinks", "internal", "log_not_found", "server_tokens", "satisfy", "allow", "deny",
}

var nginxDirectives = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`user worker_processes pid error_log events http stream mail include
		load_module daemon env pcre_jit thread_pool timer_resolution working_directory lock_file
		master_process debug_points google_perftools_profiles accept_mutex accept_mutex_delay
		multi_accept use debug_connection server upstream map geo location listen server_name
		root alias index return rewrite rewrite_log set if break try_files default_type types
		sendfile sendfile_max_chunk access_log log_format error_page add_header add_trailer
		expires charset uninitialized_variable_warn variables_hash_max_size ip_hash hash
		least_conn least_time random ntlm sticky queue keepalive keepalive_requests
		keepalive_timeout keepalive_time resolver
		resolver_timeout etag gzip limit_except internal chunked_transfer_encoding
		server_tokens ssi sub_filter valid_referers referer_hash_bucket_size
		referer_hash_max_size if_modified_since output_buffers postpone_output
		read_ahead request_pool_size connection_pool_size large_client_header_buffers
		satisfy allow deny auth_basic auth_basic_user_file auth_request auth_request_set
		image_filter mirror mirror_request_body status status_zone api match
		underscores_in_headers ignore_invalid_headers open_file_cache open_file_cache_errors
		open_file_cache_min_uses open_file_cache_valid lingering_close lingering_time
		lingering_timeout reset_timedout_connection send_timeout send_lowat
		server_names_hash_bucket_size server_names_hash_max_size types_hash_bucket_size
		types_hash_max_size tcp_nodelay tcp_nopush directio directio_alignment aio
		aio_write msie_padding msie_refresh log_subrequest log_not_found max_ranges
		merge_slashes port_in_redirect absolute_redirect server_name_in_redirect
		recursive_error_pages subrequest_output_buffer_size disable_symlinks http2
		quic_retry spdy_headers_comp ssl perl_modules perl_require perl_set perl`) {
		nginxDirectives[n] = true
	}
}
