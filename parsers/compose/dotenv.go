package compose

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// parseDotEnv reads a .env file as docker compose does: KEY=VALUE lines, an optional
// "export " prefix, # comments, single quotes taken literally, double quotes with \n-style
// escapes, and ${VAR} in unquoted and double-quoted values expanded with the variables
// defined above (a reference to an unset one makes that variable unknown, so it is left
// unset). Lines that are not assignments are reported and skipped.
func parseDotEnv(s *source, diags *[]parsers.Diag) *environment {
	env := &environment{vars: map[string]envVar{}}
	text := string(s.src)
	line := 0
	for len(text) > 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		start := line
		t := strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		if t == "" || t[0] == '#' {
			continue
		}
		t = strings.TrimPrefix(t, "export ")
		key, raw, ok := strings.Cut(t, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			if !ok && validName(key) {
				continue // a bare name: docker compose takes it from the shell, we do not
			}
			*diags = append(*diags, parsers.Errorf(s.at(start, 1), "%s:%d: not a KEY=VALUE line", s.path, start))
			continue
		}
		raw = strings.TrimLeft(raw, " \t")
		var val string
		unknown := false
		switch {
		case strings.HasPrefix(raw, "'"):
			// A single-quoted value may span lines; it is taken literally.
			body := raw[1:]
			for !strings.Contains(body, "'") && text != "" {
				var next string
				if i := strings.IndexByte(text, '\n'); i >= 0 {
					next, text = text[:i], text[i+1:]
				} else {
					next, text = text, ""
				}
				line++
				body += "\n" + next
			}
			val, _, _ = strings.Cut(body, "'")
		case strings.HasPrefix(raw, `"`):
			body := raw[1:]
			for closingQuote(body) < 0 && text != "" {
				var next string
				if i := strings.IndexByte(text, '\n'); i >= 0 {
					next, text = text[:i], text[i+1:]
				} else {
					next, text = text, ""
				}
				line++
				body += "\n" + next
			}
			if i := closingQuote(body); i >= 0 {
				body = body[:i]
			}
			body = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\"`, `"`, `\\`, `\`).Replace(body)
			val, unknown, _ = env.expand(body)
		default:
			if i := strings.Index(raw, " #"); i >= 0 {
				raw = raw[:i]
			}
			val, unknown, _ = env.expand(strings.TrimSpace(raw))
		}
		if unknown {
			delete(env.vars, key)
			env.unknown = append(env.unknown, key)
			continue
		}
		env.vars[key] = envVar{val: val, pos: s.at(start, 1)}
	}
	return env
}

// closingQuote finds the unescaped " that ends a double-quoted value.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func validName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}
