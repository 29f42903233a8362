package parsers

import (
	"net"
	"net/netip"
	"strings"
)

// Env reference syntaxes of an EnvAddress.
const (
	// EnvCaddy is the Caddyfile's {$VAR} and {$VAR:default}, replaced as Caddy reads the
	// Caddyfile: a variable that is set wins (caddy 2.6.2 uses it even when empty), else
	// the default.
	EnvCaddy = "caddy"
	// EnvSubst is envsubst's $VAR and ${VAR}, as the official nginx image renders
	// /etc/nginx/templates: only variables that are set are replaced (the others are
	// left to nginx, which reads them as its own); a name with an upper-case letter is
	// taken as the environment's (nginx's own variables are lower case).
	EnvSubst = "envsubst"
)

// EnvAddress is an upstream address written with environment references.
type EnvAddress struct {
	Written string // as written: "{$API_HOST}:{$API_PORT}", "${BACKEND_HOST}:${BACKEND_PORT}"
	Syntax  string // EnvCaddy or EnvSubst
	// DefPort is the port when the rendered address gives none (80; 443 for https).
	DefPort string
	// NeedPort: an address rendered without a port stays unknown (nginx's proxy_pass,
	// where a name without a port may be an upstream{} block's).
	NeedPort bool
}

// FillFromEnv renders t's address with env, the environment of the container that runs
// the proxy, and sets its host and port; it reports whether every reference had a known
// value and the result is one address. Host stays empty (unknown) otherwise.
func (t *Target) FillFromEnv(env EnvLookup) bool {
	t.Host, t.Port, t.IP, t.Local, t.Unix = "", "", false, false, false
	if t.Env == nil {
		return false
	}
	var addr string
	var ok bool
	switch t.Env.Syntax {
	case EnvCaddy:
		addr, ok = renderCaddy(t.Env.Written, env)
	case EnvSubst:
		addr, ok = renderEnvsubst(t.Env.Written, env)
	}
	if !ok || addr == "" || strings.ContainsAny(addr, "${} \t") {
		return false
	}
	defPort := t.Env.DefPort
	switch {
	case strings.HasPrefix(addr, "unix:"), strings.HasPrefix(addr, "unix/"), strings.HasPrefix(addr, "unix+h2c/"):
		_, path, _ := strings.Cut(addr, "/")
		if strings.HasPrefix(addr, "unix:") {
			path = addr[len("unix:"):]
		}
		t.Unix, t.Local, t.Host = true, true, path
		return true
	case strings.HasPrefix(addr, "https://"):
		defPort, addr = "443", addr[len("https://"):]
	case strings.HasPrefix(addr, "http://"), strings.HasPrefix(addr, "h2c://"):
		addr = addr[strings.Index(addr, "://")+3:]
	case strings.Contains(addr, "://"), strings.HasPrefix(addr, "srv+"):
		return false // another scheme, or an SRV lookup: the instances are not one address
	}
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	host, port, err := net.SplitHostPort(addr)
	switch {
	case err == nil:
	case t.Env.NeedPort:
		return false
	default:
		host, port = strings.Trim(addr, "[]"), defPort
	}
	if host == "" || port == "" {
		return false
	}
	t.Host, t.Port = host, port
	if ip, err := netip.ParseAddr(host); err == nil {
		t.IP, t.Local = true, ip.IsLoopback()
	} else {
		t.Local = strings.EqualFold(host, "localhost")
	}
	return true
}

// renderCaddy replaces {$VAR} and {$VAR:default} in s with env; false when a variable
// is set to a value no file shows or to nothing, or is not set and has no default.
func renderCaddy(s string, env EnvLookup) (string, bool) {
	for {
		i := strings.Index(s, "{$")
		if i < 0 {
			return s, true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", false
		}
		name, def, hasDefault := strings.Cut(s[i+2:i+j], ":")
		val := def
		if v, set, known := env(name); set {
			if !known || v == "" {
				// caddy 2.6.2 puts an empty value in (no upstream), later versions the
				// default: not one address either way.
				return "", false
			}
			val, hasDefault = v, true
		}
		if !hasDefault {
			return "", false
		}
		s = s[:i] + val + s[i+j+1:]
	}
}

// renderEnvsubst replaces $VAR and ${VAR} (with an upper-case letter in VAR) in s with
// env; false when one is not set (the image leaves it to nginx), set to a value no file
// shows, or a $ starts anything else (an nginx variable, known only per request).
func renderEnvsubst(s string, env EnvLookup) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		name, n := envRef(s[i:])
		if n == 0 || !strings.ContainsAny(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return "", false
		}
		v, set, known := env(name)
		if !set || !known {
			return "", false
		}
		b.WriteString(v)
		i += n
	}
	return b.String(), true
}

// envRef reads the reference s starts with ($NAME or ${NAME}): the name and the length
// of the reference, 0 when s starts with none.
func envRef(s string) (string, int) {
	j := 1
	braced := j < len(s) && s[j] == '{'
	if braced {
		j++
	}
	start := j
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	name := s[start:j]
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return "", 0
	}
	if braced {
		if j >= len(s) || s[j] != '}' {
			return "", 0
		}
		j++
	}
	return name, j
}
