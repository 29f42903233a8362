package urlpath

import (
	"strings"
	"testing"
)

func TestRequestPath(t *testing.T) {
	for _, p := range []string{"/", "/healthz", "/health?probe=lb&full=1", "/a%20b", "/~user/@x:1/(v1);a=b,c!*+$'"} {
		if err := RequestPath("--health-path", p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for p, want := range map[string]string{
		"healthz":    "must be a path starting with /",
		"/health z":  "a space is not a character a request path may hold: percent-encode it (%20)",
		"/a\"b":      `"\"" is not a character a request path may hold: percent-encode it (%22)`,
		"/{id}":      `"{" is not a character`,
		"/caf\u00e9": `"é" (U+00E9) is not a character a request path may hold: percent-encode it (%C3%A9)`,
		"/h#top":     "# starts a fragment, which is never sent to the server",
		"/100%":      "a % must start a percent-encoding",
		"/a%2":       "a % must start a percent-encoding",
		"/a%zz":      "a % must start a percent-encoding",
		"/a\tb":      "a tab is not",
		"/a[1]":      `"[" is not`,
		"/a\\b":      `"\\" is not`,
		"/a|b":       `"|" is not`,
		"/a\x01":     "control character U+0001",
	} {
		err := RequestPath("--health-path", p)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "--health-path ") {
			t.Errorf("%q: got %v, want %q", p, err, want)
		}
	}
}

func TestALBPathPattern(t *testing.T) {
	for _, p := range []string{"/", "/hooks/*", "/api/v?/x", "/a_b-c.d$e/~f\"g'h@i:j+k&l"} {
		if err := ALBPathPattern("--path", p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for p, want := range map[string]string{
		"hooks/*":    "must be a path pattern starting with /",
		"/a[1]/*":    `"[" is not allowed in an ALB path pattern (AWS accepts letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * and ?): match it with the wildcard ?`,
		"/a b":       "a space is not allowed in an ALB path pattern",
		"/a%20b":     `"%" is not allowed in an ALB path pattern`,
		"/caf\u00e9": `"é" (U+00E9) is not allowed`,
		"/a;b":       `";" is not allowed`,
		"/a=b":       `"=" is not allowed`,
		"/a,b":       `"," is not allowed`,
		"/(x)":       `"(" is not allowed`,
	} {
		err := ALBPathPattern("--path", p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", p, err, want)
		}
	}
}
