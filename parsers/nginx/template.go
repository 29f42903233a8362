package nginx

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// TemplateSuffix ends the files the official nginx Docker image renders at start:
// /docker-entrypoint.d/20-envsubst-on-templates.sh runs envsubst on every
// /etc/nginx/templates/*.template and writes the result, without the suffix, to
// /etc/nginx/conf.d (NGINX_ENVSUBST_TEMPLATE_SUFFIX, default ".template";
// https://github.com/nginxinc/docker-nginx, "Using environment variables in nginx
// configuration"). A repository holds templates/default.conf.template.
const TemplateSuffix = ".template"

// IsTemplate reports whether path is such a template of an nginx config file.
func IsTemplate(path string) bool {
	return strings.HasSuffix(strings.ToLower(path), ".conf"+TemplateSuffix)
}

// templated reports whether d, in a template file, has an argument envsubst rewrites at
// container start: a reference to an environment variable ($NAME or ${NAME}). What the
// variable holds is the container's environment, which no file here says for sure: the
// directive's value is unknown (and its parse errors are no errors: nginx sees another
// text). The image substitutes only variables that are set, so nginx's own variables
// ($host, $request_uri, all lower case) pass through; a name with an upper-case letter is
// taken as the environment's (BACKEND_TIMEOUT, NGINX_PORT).
func (d *Directive) templated() bool {
	if d.cfg == nil || !IsTemplate(d.cfg.Path) {
		return false
	}
	for i := range d.Args {
		if envReference(d.RawArg(i)) {
			return true
		}
	}
	return false
}

// envReference reports whether s holds $NAME or ${NAME} with an upper-case letter in
// NAME.
func envReference(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		if j < len(s) && s[j] == '{' {
			j++
		}
		for ; j < len(s); j++ {
			c := s[j]
			if c >= 'A' && c <= 'Z' {
				return true
			}
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				break
			}
		}
	}
	return false
}

// blankPlaceholderLines returns text with every line that holds nothing but one
// environment reference (${HTTPS_CONFIG}) turned into blanks of the same length, and a
// note for each. A template's entrypoint replaces such a line with whole directives, or
// with nothing (langgenius/dify's default.conf.template: ${ACME_CHALLENGE_LOCATION},
// ${HTTPS_CONFIG}); read as it is, nginx syntax would make it a directive without its
// ';' and fail the parse. What it will hold is the container's environment's: not read.
// Offsets are kept, so positions and edits stay those of the file.
func blankPlaceholderLines(path, text string) (string, []parsers.Diag) {
	var b []byte
	var notes []parsers.Diag
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += off
		}
		line := strings.TrimSpace(text[off:end])
		if placeholderOnly(line) {
			if b == nil {
				b = []byte(text)
			}
			start := off + strings.Index(text[off:end], line)
			for i := start; i < start+len(line); i++ {
				b[i] = ' '
			}
			notes = append(notes, parsers.Notef(parsers.CharAt(path, []byte(text), start),
				"%s on a line of its own: the container's environment puts directives here when it starts; not read", line))
		}
		off = end + 1
	}
	if b == nil {
		return text, nil
	}
	return string(b), notes
}

// placeholderOnly reports whether s is one environment reference and nothing else:
// ${NAME} or $NAME with an upper-case letter in NAME.
func placeholderOnly(s string) bool {
	name, ok := strings.CutPrefix(s, "$")
	if !ok {
		return false
	}
	if inner, ok := strings.CutPrefix(name, "{"); ok {
		if name, ok = strings.CutSuffix(inner, "}"); !ok {
			return false
		}
	}
	if name == "" || !envReference(s) {
		return false
	}
	for _, c := range name {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// envOnly reports whether every $ in s starts an environment reference ($NAME or
// ${NAME} with an upper-case letter in NAME): no nginx variable ($host) is left once
// envsubst has run.
func envOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && !envReference(s[i:i+refLen(s[i:])]) {
			return false
		}
	}
	return true
}

// refLen is the length of the reference s starts with ($NAME, ${NAME}); 1 for a lone $.
func refLen(s string) int {
	j := 1
	braced := j < len(s) && s[j] == '{'
	if braced {
		j++
	}
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if braced {
		if j < len(s) && s[j] == '}' {
			return j + 1
		}
		return 1
	}
	return j
}
