package caddy

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// envValue resolves {$VAR:default} placeholders to their defaults, the only value the
// linter can know without reading its own environment (which is not the server's). ok is
// false when a {$VAR} has no default or a runtime placeholder ({http.*}, {upstream})
// remains.
func envValue(s string) (string, bool) {
	for {
		i := strings.Index(s, "{$")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s, false
		}
		inner := s[i+2 : i+j]
		k := strings.IndexByte(inner, ':')
		if k < 0 {
			return s, false
		}
		s = s[:i] + inner[k+1:] + s[i+j+1:]
	}
	if strings.Contains(s, "{") && !strings.Contains(s, `\{`) {
		return s, false
	}
	return s, true
}

// parseDuration reads a Caddy duration: Go's syntax plus a "d" (day) unit.
// ParseDuration reads a Caddyfile duration ("30s", "1m30s", "2d"); false when s is none.
func ParseDuration(s string) (time.Duration, bool) { return parseDuration(s) }

func parseDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	var total time.Duration
	// Split off day components, which Go's parser does not know.
	for {
		i := strings.IndexByte(s, 'd')
		if i < 0 {
			break
		}
		j := i
		for j > 0 && (s[j-1] >= '0' && s[j-1] <= '9' || s[j-1] == '.') {
			j--
		}
		if j == i {
			return 0, false
		}
		days, err := strconv.ParseFloat(s[j:i], 64)
		if err != nil {
			return 0, false
		}
		total += time.Duration(days * float64(24*time.Hour))
		s = s[:j] + s[i+1:]
	}
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, false
		}
		total += d
	}
	if total < 0 {
		return 0, false
	}
	return total, true
}

// durationOf reads argument i of d as a duration setting (unknown when it cannot be
// evaluated).
func durationOf(d *Directive, i int) parsers.Duration {
	v, ok := envValue(d.Arg(i))
	if !ok {
		return atArg(unknown[time.Duration](d), d, i)
	}
	dur, ok := parseDuration(v)
	if !ok {
		return atArg(unknown[time.Duration](d), d, i)
	}
	return atArg(set(dur, d), d, i)
}

// intOf reads argument i of d as an integer setting.
func intOf(d *Directive, i int) parsers.Setting[int] {
	v, ok := envValue(d.Arg(i))
	if !ok {
		return atArg(unknown[int](d), d, i)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return atArg(unknown[int](d), d, i)
	}
	return atArg(set(n, d), d, i)
}

// atArg places a setting whose value, argument i of d, came from an import's
// arguments where that argument is written: the import line is where this site's value
// is changed (the snippet line is every importer's).
func atArg[T any](s parsers.Setting[T], d *Directive, i int) parsers.Setting[T] {
	if i+1 < len(d.Tokens) && d.Tokens[i+1].Arg.IsValid() {
		s.Pos = d.Tokens[i+1].Arg
	}
	return s
}

// targets reads one upstream token; a port range (localhost:8001-8003) is one target
// per port, as Caddy expands it.
func targets(t Token) []*parsers.Target {
	text := t.Text
	if i := strings.LastIndexByte(text, ':'); i >= 0 {
		if lo, hi, ok := portRange(text[i+1:]); ok && hi-lo < 1000 {
			var out []*parsers.Target
			for p := lo; p <= hi; p++ {
				nt := t
				nt.Text = text[:i+1] + strconv.Itoa(p)
				out = append(out, target(nt))
			}
			return out
		}
	}
	return []*parsers.Target{target(t)}
}

func portRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo > hi || lo < 0 {
		return 0, 0, false
	}
	return lo, hi, true
}

// target reads one upstream address as Caddy's reverse_proxy accepts it
// (localhost:8080, http://app, https://app:8443, h2c://app:80, unix//run/app.sock,
// {$APP:app:8080}). A placeholder leaves Host empty: the target is unknown.
func target(t Token) *parsers.Target {
	tg := &parsers.Target{Address: t.Text, Pos: t.Pos}
	if t.Arg.IsValid() {
		tg.Pos = t.Arg // an import's argument: written, and changed, at the import line
	}
	if strings.Contains(t.Text, "{$") {
		// The link step knows the container's environment (Compose environment:):
		// its values win over the defaults read here.
		tg.Env = &parsers.EnvAddress{Written: t.Text, Syntax: parsers.EnvCaddy, DefPort: "80"}
	}
	addr, ok := envValue(t.Text)
	if !ok {
		return tg
	}
	for _, pre := range []string{"unix/", "unix+h2c/"} {
		if strings.HasPrefix(addr, pre) {
			tg.Unix, tg.Local, tg.Host = true, true, strings.TrimPrefix(addr, pre)
			return tg
		}
	}
	port := "80"
	switch {
	case strings.HasPrefix(addr, "https://"):
		port = "443"
	case strings.HasPrefix(addr, "srv+"), strings.Contains(addr, "://") && !strings.HasPrefix(addr, "http://") && !strings.HasPrefix(addr, "h2c://"):
		return tg // SRV lookups and unknown schemes: the instances cannot be known
	}
	if i := strings.Index(addr, "://"); i >= 0 {
		addr = addr[i+3:]
	}
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	} else {
		port = p
	}
	tg.Host, tg.Port = host, port
	if ip, err := netip.ParseAddr(host); err == nil {
		tg.IP = true
		tg.Local = ip.IsLoopback()
	}
	if strings.EqualFold(host, "localhost") {
		tg.Local = true
	}
	return tg
}

// dialAddress is the "dial" Caddy's adapter writes for an upstream (used by the corpus
// comparison): scheme removed, default port added.
func dialAddress(tg *parsers.Target) string {
	if tg.Unix {
		return "unix/" + tg.Host
	}
	if tg.Host == "" {
		return tg.Address
	}
	return net.JoinHostPort(tg.Host, tg.Port)
}

// cloudflareRanges are Cloudflare's published edge ranges (https://www.cloudflare.com/ips/).
var cloudflareRanges = []string{
	"173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22",
	"141.101.64.0/18", "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20",
	"197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
	"104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
	"2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32",
	"2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32",
}

// isCloudflareRange reports whether a CIDR lies inside one of Cloudflare's ranges.
func isCloudflareRange(s string) bool {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return false
	}
	for _, r := range cloudflareRanges {
		cf := netip.MustParsePrefix(r)
		if cf.Contains(p.Addr()) && p.Bits() >= cf.Bits() {
			return true
		}
	}
	return false
}

// edgeSignal returns "cloudflare" when directive d says Cloudflare sits in front of
// Caddy: `trusted_proxies cloudflare` (the caddy-cloudflare-ip module), `trusted_proxies
// static` listing Cloudflare ranges, `client_ip_headers Cf-Connecting-Ip`, or a
// header_up/request_header reading the Cf-Connecting-Ip request header.
func edgeSignal(d *Directive) parsers.Setting[string] {
	switch d.Name() {
	case "trusted_proxies":
		if d.Arg(0) == "cloudflare" {
			return set("cloudflare", d)
		}
		if d.Arg(0) == "static" {
			for _, t := range d.Args()[1:] {
				if isCloudflareRange(t.Text) {
					return set("cloudflare", d)
				}
			}
		}
	case "client_ip_headers":
		for _, t := range d.Args() {
			if strings.EqualFold(t.Text, "Cf-Connecting-Ip") {
				return set("cloudflare", d)
			}
		}
	case "header_up", "request_header":
		for _, t := range d.Args() {
			if strings.Contains(strings.ToLower(t.Text), "header.cf-connecting-ip}") {
				return set("cloudflare", d)
			}
		}
	}
	return parsers.Setting[string]{}
}

// binaryOffset returns the offset of the first NUL byte or invalid UTF-8 sequence, or -1.
func binaryOffset(src []byte) int {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return i
	}
	if utf8.Valid(src) {
		return -1
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
