package appserver

import (
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// flagSet is the flags of one server's command line: the last occurrence of each wins,
// as argparse and optparse do.
type flagSet map[string]flagVal

type flagVal struct {
	value string
	pos   parsers.Pos
	text  string // as a message quotes it: "--keep-alive 75", "GUNICORN_CMD_ARGS=--keep-alive 75"
}

// parseFlags reads --name value, --name=value and -x value forms. short maps short flags
// to long names; takesValue lists the long flags that take a value (others are booleans).
func parseFlags(ws []word, short map[string]string, takesValue map[string]bool, into flagSet) {
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if !strings.HasPrefix(w.s, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(w.s, "=")
		if long, ok := short[name]; ok {
			name = long
		} else if long, ok := short[w.s[:min(2, len(w.s))]]; ok && len(w.s) > 2 && w.s[1] != '-' && takesValue[long] {
			// A short option with its value glued on (-t120, -kgevent), as argparse,
			// getopt and Ruby's OptionParser read it.
			name, val, hasVal = long, w.s[2:], true
		}
		if !takesValue[name] {
			continue
		}
		text := w.s
		if !hasVal {
			if i+1 >= len(ws) {
				continue
			}
			val = ws[i+1].s
			text = w.s + " " + val
			i++
		}
		if w.env != "" {
			text = w.env + "=" + text
		}
		into[name] = flagVal{value: val, pos: w.pos, text: text}
	}
}

// seconds turns a flag into a duration setting (whole or fractional seconds); a value
// that is not a number (a shell variable) is Unknown.
func (f flagSet) seconds(name string) (parsers.Duration, bool) {
	v, ok := f[name]
	if !ok {
		return parsers.Duration{}, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(v.value), 64)
	s := parsers.Set(time.Duration(n*float64(time.Second)), v.pos, v.text)
	s.Unknown = err != nil || n < 0
	return s, true
}

// envWords splits an environment variable holding command-line flags
// (GUNICORN_CMD_ARGS) into words at its position.
//
// unknown is set when the variable comes from a source no502 cannot read (a Secret, a
// ConfigMap not among the files): any flag it does not see may be set there.
func envWords(c *parsers.Container, name string) (ws []word, unknown *flagVal) {
	e, ok := c.EnvVar(name)
	if !ok {
		return nil, nil
	}
	if e.Unknown {
		return nil, &flagVal{pos: e.Pos, text: name + " (" + e.Text + ")"}
	}
	for _, f := range strings.Fields(e.Value) {
		ws = append(ws, word{s: strings.Trim(f, `"'`), pos: e.Pos, env: name})
	}
	return ws, nil
}

// envSeconds reads an environment variable holding whole seconds.
func envSeconds(c *parsers.Container, name string) (parsers.Duration, bool) {
	e, ok := c.EnvVar(name)
	if !ok {
		return parsers.Duration{}, false
	}
	if e.Unknown {
		return parsers.Duration{Pos: e.Pos, Text: e.Text, Unknown: true}, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(e.Value))
	s := parsers.Set(time.Duration(n)*time.Second, e.Pos, e.Text)
	s.Unknown = err != nil || n < 0
	return s, true
}

// unknownAt is a value that a config file given on the command line may set.
func unknownAt(v flagVal) parsers.Duration {
	return parsers.Duration{Pos: v.pos, Text: v.text, Unknown: true}
}

// flagValues returns every value given to the flag long (--bind) or its short form (-b,
// also glued on: -b:8000) in ws, in order; known is false when a value is not known (a
// shell variable in it).
func flagValues(ws []word, long, short string) (vals []string, known bool) {
	for i := 0; i < len(ws); i++ {
		s := ws[i].s
		var v string
		switch {
		case s == long || short != "" && s == short:
			if i+1 >= len(ws) {
				return nil, false
			}
			i++
			v = ws[i].s
		case strings.HasPrefix(s, long+"="):
			v = s[len(long)+1:]
		case short != "" && strings.HasPrefix(s, short) && len(s) > len(short) && !strings.HasPrefix(s, "--"):
			v = s[len(short):]
		default:
			continue
		}
		if strings.ContainsAny(v, "$`") || ws[i].env != "" {
			return nil, false
		}
		vals = append(vals, v)
	}
	return vals, true
}
