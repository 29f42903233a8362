// Package appserver recognises the HTTP server a container runs from its command line
// and environment (gunicorn, uWSGI, uvicorn, hypercorn, Puma, Node, Spring Boot, php-fpm, nginx,
// Caddy)
// and reads the timeouts the cross-layer rules compare: idle keep-alive, request timeout,
// graceful shutdown. A value written on the command line or in the environment is
// explicit, with its position; a value not written is the server's documented default
// (../shared/reference/defaults.md, "Application servers"); a value that cannot be known
// (a config file may set it, a shell variable) is Unknown. Nothing is guessed: a server
// that is not recognised gives nil.
package appserver

import (
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// Server names, as AppServer.Name carries them.
const (
	Gunicorn  = "gunicorn"
	UWSGI     = "uwsgi"
	Uvicorn   = "uvicorn"
	Hypercorn = "hypercorn"
	Puma      = "puma"
	Node      = "node"
	Spring    = "spring"
	Nginx     = "nginx"
	Caddy     = "caddy"
	PHPFPM    = "php-fpm"
)

// word is one command-line token with where it was written and how it reads in a
// message.
type word struct {
	s   string
	pos parsers.Pos
	env string // set for words that came from an environment variable (its name)
}

// Detect returns the app server container c runs, or nil when it cannot be told.
func Detect(c *parsers.Container) *parsers.AppServer {
	if c == nil {
		return nil
	}
	a := detect(c)
	if a != nil && c.CommandFrom != "" {
		// The command is the image's own (a Dockerfile's CMD): say where it was read.
		if a.Note != "" {
			a.Note += "; "
		}
		a.Note += "command from " + c.CommandFrom
	}
	if sc := c.StartScript; a != nil && sc != nil && a.Pos.File == sc.File {
		// Read from the start script the command line runs: say which.
		if c.CommandFrom != "" {
			a.Note += ", which runs " + sc.File
		} else {
			if a.Note != "" {
				a.Note += "; "
			}
			a.Note += "started by " + sc.File
		}
	}
	return a
}

func detect(c *parsers.Container) *parsers.AppServer {
	ws := words(c)
	branches := conditional(ws)
	var first *parsers.AppServer
	for i := range ws {
		name := serverName(ws, i)
		if name == "" || notServing(ws, i) {
			continue
		}
		a := serve(c, ws, i, name)
		if !branches {
			return a
		}
		// A script that chooses between commands (if RELOAD; then uvicorn --reload ...;
		// else gunicorn ...; fi) runs one of them, which the environment decides: the
		// server is known only when every one it may start reads the same.
		switch {
		case first == nil:
			first = a
		case !sameServer(first, a):
			return nil
		}
	}
	if first != nil {
		return first
	}
	if a := spring(c); a != nil {
		return a
	}
	// An nginx, Caddy or php-fpm image run with its own entrypoint and command. Args
	// (Compose's command:, a pod's args:) replace the image's command, so another program
	// runs (a start script, supervisord), except that the php image's entrypoint runs
	// php-fpm with args that start with "-" (docker-php-entrypoint).
	if len(c.Command) == 0 {
		img := imageName(c.Image)
		switch {
		case len(c.Args) > 0 && phpFPMImage(c.Image) && strings.HasPrefix(c.Args[0], "-"):
			return phpFPM(c.Pos, "from the image "+c.Image+"; ", ws)
		case len(c.Args) > 0:
		case img == "nginx" || strings.HasPrefix(img, "nginx-") || img == "openresty":
			return &parsers.AppServer{Name: Nginx, Pos: c.Pos, Note: "from the image " + c.Image}
		case img == "caddy":
			return &parsers.AppServer{Name: Caddy, Pos: c.Pos, Note: "from the image " + c.Image}
		case phpFPMImage(c.Image):
			return phpFPM(c.Pos, "from the image "+c.Image+"; ", nil)
		case phpFPMAppImage(c.Image):
			a := phpFPM(c.Pos, "from the image "+c.Image+"; ", nil)
			a.RequestTimeout = parsers.Duration{Pos: c.Pos, Text: "the pool files of the image " + c.Image, Unknown: true}
			return a
		case c.Built != nil && c.Built.InheritsCommand && phpFPMImage(c.Built.From):
			// A Dockerfile FROM php:8.3-fpm that adds extensions and writes no command of
			// its own: the image's entrypoint runs php-fpm.
			return phpFPM(c.Built.Pos, "from the image "+c.Built.From+" the "+c.Built.Dockerfile+" builds on; ", nil)
		}
	}
	return nil
}

// serve reads the server named at ws[i] (name, from serverName) with its own arguments.
func serve(c *parsers.Container, ws []word, i int, name string) *parsers.AppServer {
	w := ws[i]
	rest, open := ownArgs(ws[i+1:])
	if open == nil {
		open = shellAssignment(ws[:i])
	}
	switch name {
	case Gunicorn:
		return gunicorn(c, w, rest, open)
	case UWSGI:
		return uwsgi(c, w, rest, open)
	case Uvicorn:
		return uvicorn(c, w, rest, open)
	case Hypercorn:
		return hypercorn(w, rest)
	case Puma:
		return puma(c, w, rest, open)
	case Node:
		return node(c, w, rest, open)
	case PHPFPM:
		a := phpFPM(w.pos, "", rest)
		if open != nil && !a.RequestTimeout.Unknown {
			a.RequestTimeout = unknownAt(*open) // it may name a config file (-y)
		}
		return a
	}
	return &parsers.AppServer{Name: name, Pos: w.pos} // nginx, Caddy
}

// conditional reports whether a shell script among the words chooses which commands run
// (if, case, ||): a server named in it may not be the one that starts.
func conditional(ws []word) bool {
	for _, w := range ws {
		switch strings.TrimSuffix(w.s, ";") {
		case "if", "elif", "else", "case", "||":
			return true
		}
	}
	return false
}

// sameServer reports whether a and b read alike in everything the rules compare.
func sameServer(a, b *parsers.AppServer) bool {
	same := func(x, y parsers.Duration) bool { return x.Unknown == y.Unknown && x.Value == y.Value }
	return a.Name == b.Name && a.Closes == b.Closes && a.NotHTTP == b.NotHTTP &&
		same(a.KeepAlive, b.KeepAlive) && same(a.RequestTimeout, b.RequestTimeout) &&
		same(a.GracefulTimeout, b.GracefulTimeout) &&
		(a.Ports == nil) == (b.Ports == nil) && slices.Equal(a.Ports, b.Ports)
}

// ownArgs returns the server's own arguments from the words after its name: up to a
// shell operator that ends its command (&&, ;, |), and after the last word that expands to
// words no502 cannot see (${EXTRA}, "$@", $(OPTS)), which it returns as open. Such a word
// may hold any flags, a later flag winning, so only what follows it is known. A variable
// that is a flag's value (--bind 0.0.0.0:$PORT, --workers $N) is only that value.
func ownArgs(ws []word) (rest []word, open *flagVal) {
	for i, w := range ws {
		if end := shellOperator(w.s); end {
			if s, ok := strings.CutSuffix(w.s, ";"); ok && s != "" {
				// The last word of the command, with the ; that ends it glued on
				// (--timeout-keep-alive 75; fi): the word is the command's.
				w.s = s
				ws = append(ws[:i:i], w)
				break
			}
			ws = ws[:i]
			break
		}
	}
	rest = ws
	for i, w := range ws {
		if !strings.Contains(w.s, "$") || strings.HasPrefix(w.s, "-") {
			continue
		}
		if i > 0 && flagTakingValue(ws[i-1].s) {
			continue
		}
		rest = ws[i+1:]
		open = &flagVal{value: w.s, pos: w.pos, text: w.s}
	}
	return rest, open
}

// notServing reports whether the server name at ws[i] is not the server the container
// runs: an argument of another command in a script (echo "starting gunicorn", pip install
// gunicorn, which gunicorn), or a run of the server that only prints its version or
// checks its config (gunicorn --check-config app && exec gunicorn ...). The server that
// serves is named later in the script, or nowhere.
func notServing(ws []word, i int) bool {
	start := 0
	for j := i - 1; j >= 0; j-- {
		if shellOperator(ws[j].s) {
			start = j + 1
			break
		}
	}
	for j, w := range ws[start:i] {
		if j == 0 && notLauncher[path.Base(w.s)] || packageSubcommand[w.s] {
			return true
		}
	}
	for _, w := range ws[i+1:] {
		switch strings.TrimSuffix(w.s, ";") {
		case "--version", "--help", "--check-config", "--print-config":
			return true
		}
		if shellOperator(w.s) {
			break
		}
	}
	return false
}

// notLauncher are commands that take a server's name as an argument without running it,
// when they start the command.
var notLauncher = map[string]bool{
	"echo": true, "printf": true, "which": true, "whereis": true, "type": true,
	"hash": true, "command": true, "test": true, "[": true, "cat": true, "ls": true,
	"grep": true, "sed": true, "awk": true, "chmod": true, "chown": true, "touch": true,
	"mkdir": true, "rm": true, "cp": true, "mv": true, "ln": true, "find": true,
	"kill": true, "pkill": true, "pgrep": true, "killall": true,
}

// packageSubcommand are package managers' subcommands that name a server to install it
// (pip install gunicorn, poetry add uvicorn, apk add nodejs).
var packageSubcommand = map[string]bool{
	"install": true, "add": true, "uninstall": true, "remove": true, "download": true, "show": true,
}

// shellAssignment returns a word of a shell script before the server that sets a
// variable app servers read their options from (GUNICORN_CMD_ARGS=..., export
// UVICORN_TIMEOUT_KEEP_ALIVE=75): the value is the script's, which no502 does not follow,
// so it is an open source of options like a variable among the arguments.
func shellAssignment(before []word) *flagVal {
	for _, w := range before {
		name, _, ok := strings.Cut(w.s, "=")
		if !ok {
			continue
		}
		for _, prefix := range []string{"GUNICORN_", "UVICORN_", "UWSGI_", "PUMA_", "SERVER_", "SPRING_"} {
			if strings.HasPrefix(name, prefix) {
				return &flagVal{value: w.s, pos: w.pos, text: w.s}
			}
		}
	}
	return nil
}

// shellOperator reports whether a word of a shell script ends the command before it.
func shellOperator(s string) bool {
	switch s {
	case "&&", "||", ";", "|", "&":
		return true
	}
	return strings.HasSuffix(s, ";")
}

// flagTakingValue reports whether the word before a variable is a flag that takes it as
// its value: a flag without "=" that is not one of the servers' switches.
func flagTakingValue(s string) bool {
	if !strings.HasPrefix(s, "-") || strings.Contains(s, "=") || s == "-" || s == "--" {
		return false
	}
	switch s {
	case "--reload", "--preload", "--daemon", "-D", "--check-config", "--print-config",
		"--spew", "--capture-output", "--enable-stdio-inheritance", "--no-sendfile",
		"--reuse-port", "--proxy-protocol", "--factory", "--proxy-headers",
		"--no-proxy-headers", "--no-access-log", "--use-colors", "--no-use-colors",
		"--server-header", "--no-server-header", "--date-header", "--no-date-header",
		"-F", "--nodaemonize", "-R", "--allow-to-run-as-root", "--preload-app",
		"--master", "--enable-threads", "--lazy-apps", "--die-on-term", "--vacuum",
		"--strip-header-spaces", "--suppress-ragged-eofs", "--do-handshake-on-connect",
		"--disable-redirect-access-to-syslog", "--access-log", "--debug", "--single-interpreter":
		return false
	}
	return true
}

// imageName is an image reference's last path element without tag or digest
// ("docker.io/library/nginx:1.27-alpine" → "nginx").
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	base := path.Base(ref)
	base, _, _ = strings.Cut(base, ":")
	return strings.ToLower(base)
}

// words splits the container's command and args into tokens with positions. A shell
// wrapper (sh -c "exec gunicorn ...") is split into its words, all at the script's
// position; the script starts a command and each of its lines ends one (";" words),
// unless a backslash continues it.
func words(c *parsers.Container) []word {
	all := append(append([]string{}, c.Command...), c.Args...)
	var out []word
	for i, s := range all {
		pos := c.Pos
		if len(c.ArgPos) == len(all) {
			pos = c.ArgPos[i]
		}
		if sc := c.StartScript; sc != nil && sc.Word == i && !namesServer(all[i+1:]) {
			// A start script the files show (ENTRYPOINT ["/entrypoint.sh"]): its lines
			// in place of its name, each at its own place in the script.
			out = append(out, word{s: ";", pos: pos})
			out = append(out, scriptWords(sc)...)
			continue
		}
		if i > 0 && shellCommandFlag(all[i-1]) && isShell(all[:i-1]) {
			out = append(out, word{s: ";", pos: pos}) // the script starts a command
			// A span over several lines with no end offset is a block scalar's content
			// (parsers/k8s argPos): line n of the script is line n of the span.
			lines := pos.EndLine > pos.Line && pos.EndOffset == 0
			n := int32(0)
			for line := range strings.Lines(s) {
				line, continued := strings.CutSuffix(strings.TrimRight(line, " \t\r\n"), `\`)
				at := 0
				for _, f := range strings.Fields(line) {
					wpos := pos
					if lines {
						i := at + strings.Index(line[at:], f)
						at = i + len(f)
						col := pos.Col + int32(utf8.RuneCountInString(line[:i]))
						wpos = parsers.Pos{File: pos.File, Line: pos.Line + n, Col: col, EndLine: pos.Line + n, EndCol: col + int32(utf8.RuneCountInString(f))}
					}
					out = append(out, word{s: strings.Trim(f, `"'`), pos: wpos})
				}
				n++
				if !continued && len(out) > 0 && !shellOperator(out[len(out)-1].s) {
					out = append(out, word{s: ";", pos: pos})
				}
			}
			continue
		}
		out = append(out, word{s: s, pos: pos})
	}
	return out
}

// namesServer reports whether the words after a start script (its arguments: the CMD an
// ENTRYPOINT script runs with exec "$@") name a server themselves: the server is then
// read from them, as before the script was read, not from whatever the script starts on
// its way there.
func namesServer(rest []string) bool {
	ws := make([]word, len(rest))
	for i, s := range rest {
		ws[i] = word{s: s}
	}
	for i := range ws {
		if serverName(ws, i) != "" {
			return true
		}
	}
	return false
}

// scriptWords splits a start script's text into words at their places in its file, each
// line ending a command (";") unless a backslash continues it. Comment lines and the
// text after a " #", and the bodies of here-documents (cat <<EOF ... EOF, text the
// script writes somewhere, not commands), are left out.
func scriptWords(sc *parsers.StartScript) []word {
	var out []word
	heredoc := ""
	n := int32(0)
	for line := range strings.Lines(sc.Text) {
		n++
		line = strings.TrimRight(line, " \t\r\n")
		if heredoc != "" {
			if strings.TrimLeft(line, "\t") == heredoc {
				heredoc = ""
			}
			continue
		}
		if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "#") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 && !strings.ContainsAny(line[:i], `"'`) {
			line = line[:i]
		}
		if i := strings.Index(line, "<<"); i >= 0 {
			d := strings.TrimLeft(line[i+2:], "-~ \t")
			if f := strings.Fields(d); len(f) > 0 {
				heredoc = strings.Trim(f[0], `"'\`)
			}
		}
		line, continued := strings.CutSuffix(line, `\`)
		at := 0
		for _, f := range strings.Fields(line) {
			i := at + strings.Index(line[at:], f)
			at = i + len(f)
			col := 1 + int32(utf8.RuneCountInString(line[:i]))
			out = append(out, word{s: strings.Trim(f, `"'`), pos: parsers.Pos{File: sc.File, Line: n, Col: col, EndLine: n, EndCol: col + int32(utf8.RuneCountInString(f))}})
		}
		if !continued && len(out) > 0 && !shellOperator(out[len(out)-1].s) {
			out = append(out, word{s: ";", pos: parsers.Pos{File: sc.File, Line: n, Col: 1}})
		}
	}
	return out
}

// ShellScript returns the index of the script in a command line that runs a shell with
// one (sh -c, sh -ec, bash -e -o pipefail -c), or -1.
func ShellScript(all []string) int {
	for i := 1; i < len(all); i++ {
		if shellCommandFlag(all[i-1]) && isShell(all[:i-1]) {
			return i
		}
	}
	return -1
}

// shellCommandFlag reports whether a shell option takes the script that follows: -c, or
// -c among other single-letter options (-ec, -lc, -euxc).
func shellCommandFlag(s string) bool {
	if len(s) < 2 || s[0] != '-' || s[len(s)-1] != 'c' {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// isShell reports whether prefix is a shell and its options (bash -e -o pipefail).
func isShell(prefix []string) bool {
	for j := len(prefix) - 1; j >= 0; j-- {
		w := prefix[j]
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "+") {
			continue
		}
		if j > 0 && (prefix[j-1] == "-o" || prefix[j-1] == "+o") {
			continue // the option's name (pipefail)
		}
		switch path.Base(w) {
		case "sh", "bash", "ash", "dash", "zsh":
			return true
		}
		return false
	}
	return false
}

// serverName says which server word i starts, looking at the words before it for
// launchers (python -m gunicorn, bundle exec puma, npm start).
func serverName(ws []word, i int) string {
	base := path.Base(ws[i].s)
	prev := ""
	if i > 0 {
		prev = ws[i-1].s
	}
	switch base {
	case Gunicorn, Uvicorn, Hypercorn, UWSGI:
		return base
	case Puma:
		return Puma
	case "node", "nodejs":
		// node script.js, not node --version or a REPL.
		if i+1 < len(ws) && !strings.HasPrefix(ws[i+1].s, "-") {
			return Node
		}
	case "start":
		if prev == "npm" || prev == "yarn" || prev == "pnpm" || (prev == "run" && i >= 2 && (ws[i-2].s == "npm" || ws[i-2].s == "yarn" || ws[i-2].s == "pnpm")) {
			return Node
		}
	case "nginx":
		return Nginx
	case "php-fpm":
		return PHPFPM
	case "caddy":
		if i+1 < len(ws) && (ws[i+1].s == "run" || ws[i+1].s == "start") {
			return Caddy
		}
	}
	if phpFPMVersioned(base) {
		return PHPFPM // php-fpm8.2, Debian's name
	}
	// python -m gunicorn
	if prev == "-m" && (base == Gunicorn || base == Uvicorn || base == Hypercorn) {
		return base
	}
	return ""
}
