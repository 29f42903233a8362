package compose

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers"
)

// caddyConfigArgs returns the config files the container's command line starts Caddy
// with: the absolute path after --config (-config, --config=PATH, and -c, the shorthand
// of Caddy 2.7 and later) of a `caddy run` or `caddy start` command, in the exec form's
// words or a shell string (sh -c "caddy run --config /srv/Caddyfile"). A path with a
// variable or a relative one is left out: which file it names is not known.
func caddyConfigArgs(words []string) []string {
	var toks []string
	for _, w := range words {
		toks = append(toks, shellWords(w)...)
	}
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		if path.Base(toks[i]) != "caddy" || toks[i+1] != "run" && toks[i+1] != "start" {
			continue
		}
		for j := i + 2; j < len(toks) && !shellSeparator(toks[j]); j++ {
			var v string
			switch t := toks[j]; {
			case t == "--config" || t == "-config" || t == "-c":
				if j+1 < len(toks) {
					v = toks[j+1]
				}
			case strings.HasPrefix(t, "--config="):
				v = strings.TrimPrefix(t, "--config=")
			case strings.HasPrefix(t, "-config="):
				v = strings.TrimPrefix(t, "-config=")
			}
			if v != "" && path.IsAbs(v) && !strings.ContainsAny(v, "$`*?[{") {
				out = append(out, path.Clean(v))
				break
			}
		}
	}
	return out
}

// shellWords splits one word of a command line the way a shell string would be read
// closely enough to find flags: on blanks and quotes, with ;, &, | and the operators
// made of them as words of their own.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '"', '\'':
			flush()
		case ';', '&', '|':
			flush()
			out = append(out, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// shellSeparator reports whether a word of shellWords ends a command.
func shellSeparator(w string) bool {
	return w == ";" || w == "&" || w == "|"
}

// caddyFlagCopies returns, for each config file the command starts Caddy with (at, as
// caddyConfigArgs reads it) outside the directories a Dockerfile copy is linked for
// anyway (configDirs), the file of the build context the Dockerfile copies there: a
// COPY of that file to that path, or of a directory holding it (COPY . /app and
// --config /app/Caddyfile). The last copy to reach the path wins, as in the image. A
// path a volume or config of the service covers is the mount's, not the copy's. copies
// are builtImage's (host paths absolute).
func caddyFlagCopies(s *Service, c *parsers.Container, copies []parsers.ComposeMount) []parsers.ComposeMount {
	if len(copies) == 0 {
		return nil
	}
	var out []parsers.ComposeMount
	for _, at := range caddyConfigArgs(append(append([]string(nil), c.Command...), c.Args...)) {
		if inConfigDir(at) || mountedOver(s, at) {
			continue
		}
		var found *parsers.ComposeMount
		for _, mt := range copies {
			t := path.Clean(mt.Target)
			switch {
			case t == at:
				// A copy to the path itself replaces what an earlier one put there.
				found = nil
				if st, err := os.Stat(mt.Path); err == nil && st.Mode().IsRegular() {
					found = &parsers.ComposeMount{Path: mt.Path, Target: at, Pos: mt.Pos}
				}
			case strings.HasPrefix(at, t+"/"):
				// A directory copied above it: its contents merge into the image's,
				// so only a file it holds at that place replaces an earlier one.
				host := filepath.Join(mt.Path, filepath.FromSlash(strings.TrimPrefix(at, t+"/")))
				if st, err := os.Stat(mt.Path); err != nil || !st.IsDir() {
					continue
				}
				if st, err := os.Stat(host); err == nil && st.Mode().IsRegular() {
					found = &parsers.ComposeMount{Path: host, Target: at, Pos: mt.Pos}
				} else if err == nil {
					found = nil
				}
			}
		}
		if found != nil {
			out = append(out, *found)
		}
	}
	return out
}
