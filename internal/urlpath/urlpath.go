// Package urlpath checks the paths no502's generators take from the user against what
// the tool receiving them accepts: an HTTP request path (a health check, a probe) and an
// AWS Application Load Balancer listener rule's path pattern.
package urlpath

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxHealthCheckPath is the longest health check path of a target group
// (CreateTargetGroup's HealthCheckPath: 1-1024 characters; the AWS provider's
// aws_lb_target_group validation says the same).
const MaxHealthCheckPath = 1024

// MaxPathPattern is the longest path pattern of a listener rule condition.
const MaxPathPattern = 128

// RequestPath checks p as the path (and optional query) of an HTTP request that a
// health checker or prober sends: it starts with /, and every character is one a URI
// may hold there (RFC 3986: unreserved, sub-delims, ':', '@', '/', '?', and '%'
// followed by two hex digits). Anything else (a space, '"', '<', '{', '#', a non-ASCII
// letter) is not sent as written; the error names the character and its
// percent-encoding. flag names the flag in the error.
func RequestPath(flag, p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%s %q: must be a path starting with /, e.g. /healthz", flag, p)
	}
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return fmt.Errorf("%s %q: a %% must start a percent-encoding (%% and two hex digits, e.g. %%20); write a literal %% as %%25", flag, p)
			}
		case r == '#':
			return fmt.Errorf("%s %q: # starts a fragment, which is never sent to the server: leave it out, or write %%23 for a literal #", flag, p)
		case !uriChar(r):
			return fmt.Errorf("%s %q: %s is not a character a request path may hold: percent-encode it (%s)", flag, p, describe(r), encode(p[i:i+n]))
		}
		i += n
	}
	return nil
}

// ALBPathPattern checks p as the value of an ALB listener rule's path-pattern
// condition (the caller checks its length, MaxPathPattern): A-Z, a-z, 0-9, _ - . $ / ~ " ' @ : + & and the
// wildcards * and ? (Elastic Load Balancing API reference, RuleCondition Values and the
// user guide's "Path conditions"). '%' is not among them, so a percent-encoded
// character cannot be matched literally: '?' matches any one character in its place.
func ALBPathPattern(flag, p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%s %q: must be a path pattern starting with /, e.g. /hooks/*", flag, p)
	}
	for _, r := range p {
		if !albPatternChar(r) {
			hint := "match it with the wildcard ? (any one character) or * instead"
			if r == ' ' || r == '%' {
				hint = "a pattern cannot hold a space or a percent-encoding; match that character with the wildcard ? (any one character)"
			}
			return fmt.Errorf("%s %q: %s is not allowed in an ALB path pattern (AWS accepts letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?): %s", flag, p, describe(r), hint)
		}
	}
	return nil
}

func albPatternChar(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("_-.$/~\"'@:+&*?", r))
}

func uriChar(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("-._~!$&'()*+,;=:@/?", r))
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// describe names a character for a message: "a space", "a tab", `"["`, `"é" (U+00E9)`.
func describe(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n':
		return "a newline"
	}
	if r < 0x20 || r == 0x7f {
		return fmt.Sprintf("control character U+%04X", r)
	}
	if r >= utf8.RuneSelf {
		return fmt.Sprintf("%q (U+%04X)", string(r), r)
	}
	return fmt.Sprintf("%q", string(r))
}

// encode percent-encodes the bytes of s.
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}
