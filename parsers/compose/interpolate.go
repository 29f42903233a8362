package compose

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// environment holds the variables interpolation may use: those of the project's .env
// file (and any the caller passes explicitly), never the environment of the process
// running the linter, so that a finding does not depend on whose shell ran it.
type environment struct {
	vars map[string]envVar
	// unknown are the variables a dotenv file assigns from a variable it does not define
	// (left out of vars).
	unknown []string
}

// envVar is one variable and where it was set (invalid for variables passed in code).
type envVar struct {
	val string
	pos parsers.Pos
}

func (e *environment) lookup(name string) (envVar, bool) {
	if e == nil {
		return envVar{}, false
	}
	v, ok := e.vars[name]
	return v, ok
}

// interpolate substitutes the variables of a scalar in place. A scalar that uses an unset
// variable without a default (${VAR}, $VAR, ${VAR:?err}) becomes unknown and keeps the text
// as written: docker compose would substitute an empty string (or refuse to start), and
// the value it will really run with cannot be known from the repository.
func (e *environment) interpolate(v *value) {
	if !strings.Contains(v.s, "$") {
		return
	}
	out, unknown, via := e.expand(v.s)
	if unknown {
		v.unknown = true
		v.via = via
		return
	}
	v.s, v.via = out, via
	// What the substitution produced is a string: docker compose re-types it by the
	// attribute's schema, and so do the readers of the typed model.
	v.tag = "!!str"
}

// Expand interpolates s with vars as docker compose would; unknown reports that s uses a
// variable that is not set and has no default. It is exported for the linker (labels,
// Caddyfile placeholders) and for tests.
func Expand(s string, vars map[string]string) (out string, unknown bool) {
	e := &environment{vars: make(map[string]envVar, len(vars))}
	for k, v := range vars {
		e.vars[k] = envVar{val: v}
	}
	out, unknown, _ = e.expand(s)
	return out, unknown
}

func (e *environment) expand(s string) (out string, unknown bool, via []parsers.Pos) {
	return e.expandDepth(s, 0)
}

// maxNesting bounds defaults nested in defaults (${A:-${B:-...}}): each level rescans
// the rest of the value, so hostile nesting would otherwise take quadratic time.
const maxNesting = 16

func (e *environment) expandDepth(s string, depth int) (out string, unknown bool, via []parsers.Pos) {
	if depth > maxNesting {
		return s, true, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch n := s[i+1]; {
		case n == '$':
			b.WriteByte('$')
			i += 2
		case n == '{':
			end := closingBrace(s, i+2)
			if end < 0 {
				// An unterminated ${: docker compose refuses the file; the value is not
				// known.
				return s, true, via
			}
			val, unk, vv := e.braced(s[i+2:end], depth)
			via = append(via, vv...)
			if unk {
				return s, true, via
			}
			b.WriteString(val)
			i = end + 1
		case isNameStart(n):
			j := i + 2
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			ev, ok := e.lookup(s[i+1 : j])
			if !ok {
				return s, true, via
			}
			if ev.pos.IsValid() {
				via = append(via, ev.pos)
			}
			b.WriteString(ev.val)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), false, via
}

// braced evaluates the inside of ${...}: a name, optionally followed by an operator
// (:- - :? ? :+ +) and an argument that may itself hold variables.
func (e *environment) braced(in string, depth int) (string, bool, []parsers.Pos) {
	j := 0
	for j < len(in) && isNameChar(in[j]) {
		j++
	}
	name, rest := in[:j], in[j:]
	if name == "" || !isNameStart(name[0]) {
		return "", true, nil
	}
	ev, set := e.lookup(name)
	var via []parsers.Pos
	if set && ev.pos.IsValid() {
		via = append(via, ev.pos)
	}
	if rest == "" {
		return ev.val, !set, via
	}
	colon := strings.HasPrefix(rest, ":")
	if colon {
		rest = rest[1:]
	}
	if rest == "" {
		return "", true, nil
	}
	op, arg := rest[0], rest[1:]
	// With a colon an empty variable counts as unset.
	present := set && (!colon || ev.val != "")
	switch op {
	case '-':
		if present {
			return ev.val, false, via
		}
		v, unk, vv := e.expandDepth(arg, depth+1)
		return v, unk, append(via, vv...)
	case '?':
		if present {
			return ev.val, false, via
		}
		// A required variable: supplied where the project is deployed, unknown here.
		return "", true, via
	case '+':
		if !present {
			return "", false, via
		}
		v, unk, vv := e.expandDepth(arg, depth+1)
		return v, unk, append(via, vv...)
	}
	return "", true, nil
}

// closingBrace finds the } that closes a ${ whose inside starts at i, skipping nested
// ${...}.
func closingBrace(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNameChar(c byte) bool { return isNameStart(c) || '0' <= c && c <= '9' }
