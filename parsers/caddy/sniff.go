package caddy

import (
	"bytes"
	"regexp"
	"strings"
)

// LooksLikeCaddyfile recognises a Caddyfile by its content, for files whose name does
// not say (caddy.conf, proxy.caddy, a file in a caddy/ directory). It is conservative:
// it needs a site block (an address Caddy accepts, then "{") whose body starts a line with
// a directive only Caddy has, or a global options block naming Caddy options; and it
// refuses any file with a line ending in ";" (nginx, and most other configs), a YAML
// document marker or a top-level YAML key.
func LooksLikeCaddyfile(src []byte) bool {
	depth := 0
	inSite, found := false, false
	for _, raw := range bytes.Split(src, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, ";") || line == "---" || depth == 0 && yamlKey.MatchString(line) {
			return false
		}
		if depth == 0 {
			inSite = false
			if head, ok := strings.CutSuffix(line, "{"); ok {
				head = strings.TrimSpace(head)
				inSite = head == "" || siteAddresses(head)
			}
		} else if depth == 1 && inSite && !found {
			name, _, _ := strings.Cut(line, " ")
			found = caddyOnly[strings.TrimSuffix(name, "{")]
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth < 0 {
			return false
		}
	}
	return found
}

// yamlKey is a YAML mapping key at the top level ("data:", "kind: Service").
var yamlKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*:(?:\s|$)`)

// caddyOnly are directives and global options no other common config format starts a
// line with inside a block.
var caddyOnly = map[string]bool{
	"reverse_proxy": true, "respond": true, "file_server": true, "encode": true,
	"php_fastcgi": true, "handle_path": true, "redir": true, "basicauth": true,
	"basic_auth": true, "forward_auth": true, "tls": true, "try_files": true,
	"templates": true, "request_body": true, "handle_errors": true,
	// global options
	"auto_https": true, "acme_ca": true, "acme_dns": true, "grace_period": true,
	"shutdown_delay": true, "on_demand_tls": true, "local_certs": true, "skip_install_trust": true,
}

// caddyAddress is one site address: a scheme, a host with a dot, localhost, a wildcard,
// a port alone, or an environment placeholder; optionally a port and a path.
var caddyAddress = regexp.MustCompile(`^(?:(?:https?|h2c)://)?(?:\{\$[A-Za-z0-9_]+(?::[^}]*)?\}|(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|localhost|\*|\[[0-9a-fA-F:]+\])?(?::\d+)?(?:/\S*)?$`)

// siteAddresses reports whether head is a site block's address list.
func siteAddresses(head string) bool {
	n := 0
	for _, a := range strings.FieldsFunc(head, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		// A bare word ("server", "http") is never taken for a host: it must have a
		// dot, a port, a scheme, or be localhost or a placeholder.
		if !caddyAddress.MatchString(a) || !strings.ContainsAny(a, ".:{*[") && a != "localhost" {
			return false
		}
		n++
	}
	return n > 0
}
