package k8s

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// readProbe reads a probe of container c, or nil when there is none.
func readProbe(s *source, c *yaml.Node, key string) *parsers.Probe {
	k, p := get(c, key)
	if p == nil || p.Kind != yaml.MappingNode {
		return nil
	}
	pr := &parsers.Probe{Pos: s.pos(k)}
	switch {
	case val(p, "httpGet") != nil:
		pr.Handler = "httpGet"
		pr.Path = str(p, "httpGet", "path")
		if pr.Path == "" {
			pr.Path = "/"
		}
		pr.Port = str(p, "httpGet", "port")
		readHTTPGetRequest(val(p, "httpGet"), pr)
	case val(p, "tcpSocket") != nil:
		pr.Handler = "tcpSocket"
		pr.Port = str(p, "tcpSocket", "port")
	case val(p, "exec") != nil:
		pr.Handler = "exec"
		pr.Command = strList(val(p, "exec", "command"))
	case val(p, "grpc") != nil:
		pr.Handler = "grpc"
		pr.Port = str(p, "grpc", "port")
		pr.GRPCService = str(p, "grpc", "service")
	}
	pr.InitialDelay = secondsSetting(s, p, "initialDelaySeconds", 0, "Kubernetes default initialDelaySeconds 0")
	pr.Period = secondsSetting(s, p, "periodSeconds", defPeriod, "Kubernetes default periodSeconds 10")
	pr.Timeout = secondsSetting(s, p, "timeoutSeconds", defTimeout, "Kubernetes default timeoutSeconds 1")
	pr.FailureThreshold = intSetting(s, p, "failureThreshold", defFailure, "Kubernetes default failureThreshold 3")
	pr.SuccessThreshold = intSetting(s, p, "successThreshold", defSuccess, "Kubernetes default successThreshold 1")
	return pr
}

// readHTTPGetRequest reads the fields of an httpGet probe that decide what the kubelet
// asks besides path and port: scheme, host and httpHeaders. Any other field, or one of
// these it cannot read (not a plain scalar, a header without a name), makes the probe
// HTTPOpaque.
func readHTTPGetRequest(h *yaml.Node, pr *parsers.Probe) {
	if h == nil || h.Kind != yaml.MappingNode {
		pr.HTTPOpaque = true
		return
	}
	scalar := func(n *yaml.Node) bool {
		n = deref(n)
		return n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null"
	}
	for i := 0; i+1 < len(h.Content); i += 2 {
		k, v := h.Content[i], deref(h.Content[i+1])
		switch k.Value {
		case "path", "port":
			if !scalar(v) {
				pr.HTTPOpaque = true
			}
		case "scheme", "host":
			switch {
			case isNull(v):
			case !scalar(v):
				pr.HTTPOpaque = true
			case k.Value == "scheme":
				pr.Scheme = v.Value
			default:
				pr.Host = v.Value
			}
		case "httpHeaders":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				pr.HTTPOpaque = true
				continue
			}
			for _, it := range items(v) {
				name, value := val(it, "name"), val(it, "value")
				if !scalar(name) || value != nil && !scalar(value) {
					pr.HTTPOpaque = true
					continue
				}
				pr.Headers = append(pr.Headers, parsers.ProbeHeader{Name: name.Value, Value: str(it, "value")})
			}
		default:
			pr.HTTPOpaque = true
		}
	}
}

// readPreStop fills PreStopDelay: a sleep action, or an exec hook that runs sleep N
// (directly or in a shell script). Any other hook is Unknown: it may well drain (ingress-
// nginx's /wait-shutdown does), so rules stay silent about it. No hook is a known 0.
func readPreStop(s *source, c *yaml.Node, ct *parsers.Container) {
	k, ps := get(val(c, "lifecycle"), "preStop")
	if ps == nil || isNull(ps) {
		ct.PreStopDelay = parsers.Def(time.Duration(0), "no preStop hook")
		return
	}
	ct.PreStopPos = s.pos(k)
	if sk, sv := get(val(ps, "sleep"), "seconds"); sv != nil {
		n, ok := atoi(sv)
		ct.PreStopDelay = parsers.Set(time.Duration(n)*time.Second, s.pos(sv), s.text(sk, sv))
		ct.PreStopDelay.Unknown = !ok
		return
	}
	ck, cmd := get(val(ps, "exec"), "command")
	words := strList(cmd)
	ct.PreStopWaitShutdown = len(words) == 1 && base(words[0]) == "wait-shutdown"
	// Without a command of its own the container runs the image's entrypoint with its
	// args: what PID 1 is (a shell script that may not exec them) is not known.
	argv := append(append([]string{}, ct.Command...), ct.Args...)
	if len(ct.Command) == 0 && len(ct.Args) > 0 {
		argv = append([]string{"(image entrypoint)"}, ct.Args...)
	}
	what, unknown := stopsFirst(words, argv)
	if what != "" {
		// Whatever the hook sleeps after, the app no longer accepts: the sleep is no
		// delay before the app stops, and when it does is not known either.
		ct.PreStopStopsApp = s.pos(ck)
		ct.PreStopStops = what
		ct.PreStopCommand = words
	}
	if d, ok := sleepIn(words); ok && what == "" && !unknown {
		ct.PreStopDelay = parsers.Set(d, s.pos(cmd), s.text(ck, cmd))
		return
	}
	ct.PreStopDelay = parsers.Setting[time.Duration]{Pos: ct.PreStopPos, Text: "preStop", Unknown: true}
}

// sleepIn finds the delay of a command that sleeps: ["sleep", "10"], ["/bin/sleep",
// "10"], ["busybox", "sleep", "10"], or a shell running a script that contains "sleep N"
// outside any loop or branch. The script's words are split as a shell does
// (shellCommands): a quoted 'sleep 10' is one word, a command the shell cannot find.
func sleepIn(cmd []string) (time.Duration, bool) {
	if len(cmd) == 0 {
		return 0, false
	}
	if base(cmd[0]) == "sleep" && len(cmd) >= 2 {
		return sleepArg(cmd[1])
	}
	if base(cmd[0]) == "busybox" && len(cmd) >= 3 && cmd[1] == "sleep" {
		return sleepArg(cmd[2])
	}
	if isShell(cmd[0]) {
		for i := 1; i < len(cmd); i++ {
			cmds := shellCommands(cmd[i])
			// A sleep in a loop or a branch lasts as long as the loop runs (until the
			// app's connections drop, a file goes) or the branch taken: not its own
			// argument.
			for _, c := range cmds {
				for _, w := range c {
					if shellKeyword(w) {
						return 0, false
					}
				}
			}
			for _, c := range cmds {
				for j := 0; j+1 < len(c); j++ {
					if base(c[j]) == "sleep" {
						return sleepArg(c[j+1])
					}
				}
			}
		}
	}
	return 0, false
}

// stopsFirst reports what a preStop exec command stops before it sleeps, so that the pod
// refuses new connections while its endpoint is still in rotation: nginx or OpenResty
// signalled with -s quit or -s stop (it closes its listeners at once: -s quit returned in
// 8ms on loopback and the next connection was refused while a slow request completed),
// Apache's graceful-stop or stop, caddy stop, or a kill of the server argv (the
// container's command and args) runs, with a signal that server shuts down on (gunicorn
// as PID 1 of a PID namespace, sent kill -TERM 1: "Handling signal: term", the next
// request got no answer while the one in flight completed).
//
// unknown is set when the first command may stop the app and may not, and the hook's
// sleep is then no known delay: a kill of PID 1 when PID 1 is not known to be a server
// that handles the signal (the kernel drops, for a PID namespace's init, any signal it
// has no handler for, SIGKILL included: gunicorn after kill -9 1, gunicorn under sh -c
// "true && gunicorn" after kill -TERM 1, and node without a SIGTERM handler each served
// the next request on loopback), a kill of a process that may not run, a call to a local
// stop or shutdown endpoint (Spring's /actuator/shutdown answers 404 unless enabled), a
// stop script. A harmless first command (echo, a deregistration call, kill -0) is
// neither, and neither is anything in a loop, a branch, or after a sleep.
func stopsFirst(cmd, argv []string) (what string, unknown bool) {
	if len(cmd) == 0 {
		return "", false
	}
	cmds := [][]string{cmd}
	if isShell(cmd[0]) {
		cmds = nil
		for _, a := range cmd[1:] {
			cmds = append(cmds, shellCommands(a)...)
		}
	}
	for _, c := range cmds {
		if len(c) > 0 && c[0] == "exec" {
			c = c[1:]
		}
		if len(c) == 0 {
			continue
		}
		name := base(c[0])
		switch {
		case shellKeyword(c[0]), name == "sleep":
			return "", false
		case nginxStop(c):
			return name, false
		case apacheStop(c):
			return "Apache httpd", false
		case name == "caddy" && len(c) > 1 && c[1] == "stop":
			return "Caddy", false
		case name == "kill" || name == "pkill" || name == "killall":
			sig, target, ok := killArgs(c)
			if ok && sig == "0" {
				continue // a check that the process exists
			}
			if ok {
				if server := killedServer(name, sig, target, argv); server != "" {
					return server, false
				}
			}
			return "", true
		case stopCall(c):
			return "", true
		}
	}
	return "", false
}

// apacheStop reports whether words stop Apache httpd: apachectl (apache2ctl) stop or
// graceful-stop, or httpd (apache2, apachectl) -k stop or -k graceful-stop. Both close
// the listening sockets at once; graceful-stop lets requests in flight finish
// (https://httpd.apache.org/docs/2.4/stopping.html).
func apacheStop(words []string) bool {
	switch base(words[0]) {
	case "apachectl", "apache2ctl", "httpd", "apache2":
	default:
		return false
	}
	for i, w := range words[1:] {
		if w == "-k" && i+2 < len(words) {
			w = words[i+2]
		} else if i > 0 || strings.HasPrefix(base(words[0]), "apache2") || base(words[0]) == "httpd" {
			continue
		}
		if w == "stop" || w == "graceful-stop" {
			return true
		}
	}
	return false
}

// stopCall reports whether a command may stop the app some way no502 cannot follow: an
// HTTP call to a local endpoint named stop, shutdown, quit or kill, or a stop argument or
// script (catalina.sh stop, supervisorctl stop, /app/shutdown.sh).
func stopCall(words []string) bool {
	stopWord := func(w string) bool {
		w = strings.ToLower(w)
		return strings.Contains(w, "stop") && !strings.Contains(w, "prestop") || strings.Contains(w, "shutdown") || w == "quit" || w == "quitquitquit" || w == "kill"
	}
	name := base(words[0])
	if name == "curl" || name == "wget" {
		for _, w := range words[1:] {
			local := strings.Contains(w, "localhost") || strings.Contains(w, "127.0.0.1") || strings.Contains(w, "0.0.0.0") || strings.Contains(w, "[::1]")
			if !local {
				continue
			}
			path := w
			if i := strings.IndexAny(path, "?#"); i >= 0 {
				path = path[:i]
			}
			if stopWord(base(strings.TrimSuffix(path, "/"))) {
				return true
			}
		}
		return false
	}
	if name == "echo" || name == "printf" || name == "logger" {
		return false
	}
	for _, w := range words {
		if stopWord(base(w)) {
			return true
		}
	}
	return false
}

// killArgs reads the signal (TERM unless named; "0" for a check) and the target (a PID,
// or a process name for pkill and killall) of a kill, pkill or killall command. ok is
// false when there is not exactly one target, or an option is not one of the signal's.
func killArgs(words []string) (sig, target string, ok bool) {
	sig = "TERM"
	var targets []string
	opts := true
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case !opts || !strings.HasPrefix(w, "-") || w == "-":
			targets = append(targets, w)
		case w == "--":
			opts = false
		case w == "-s" || w == "-n" || w == "--signal":
			if i+1 >= len(words) {
				return "", "", false
			}
			i++
			sig = normSignal(words[i])
		case w == "-f" && base(words[0]) == "pkill", w == "-e" && base(words[0]) == "pkill":
			// -f matches the whole command line, -e echoes: the signal is the same.
		case len(w) > 1 && (w[1] >= '0' && w[1] <= '9' || w[1] >= 'A' && w[1] <= 'Z'):
			sig = normSignal(w[1:])
		default:
			return "", "", false
		}
	}
	if len(targets) != 1 {
		return "", "", false
	}
	return sig, targets[0], true
}

// normSignal writes a signal as kill -l names it, without SIG: TERM, INT, QUIT, KILL.
func normSignal(s string) string {
	s = strings.TrimPrefix(strings.ToUpper(s), "SIG")
	switch s {
	case "15":
		return "TERM"
	case "2":
		return "INT"
	case "3":
		return "QUIT"
	case "9":
		return "KILL"
	case "1":
		return "HUP"
	}
	return s
}

// stopSignals are the signals each server shuts down on when it is PID 1, that is, the
// ones it installs a handler for (the kernel drops any other signal sent to a PID
// namespace's init): gunicorn TERM (graceful), INT and QUIT (quick); uvicorn and
// hypercorn INT and TERM; nginx and php-fpm QUIT (graceful), TERM and INT (fast); Apache
// TERM; Caddy INT, QUIT and TERM; the JVM INT and TERM (QUIT prints a thread dump).
var stopSignals = map[string][]string{
	"gunicorn": {"TERM", "INT", "QUIT"}, "uvicorn": {"TERM", "INT"}, "hypercorn": {"TERM", "INT"},
	"nginx": {"TERM", "INT", "QUIT"}, "openresty": {"TERM", "INT", "QUIT"}, "php-fpm": {"TERM", "INT", "QUIT"},
	"httpd": {"TERM"}, "apache2": {"TERM"}, "caddy": {"TERM", "INT", "QUIT"}, "java": {"TERM", "INT"},
	"puma": {"TERM", "INT"}, "haproxy": {"TERM", "INT"}, "envoy": {"TERM", "INT"}, "traefik": {"TERM", "INT"},
}

// killedServer is the server of argv that a kill (PID 1) or a pkill/killall (a process
// name) with signal sig provably stops, "" when that is not known. PID 1 stops only on a
// signal it handles (stopSignals). A process named in pkill or killall must be one argv
// starts by that name; if it is not PID 1 the signal's default action ends it too.
func killedServer(tool, sig, target string, argv []string) string {
	pid1, named := argvServers(argv)
	handles := func(server string) bool { return slices.Contains(stopSignals[server], sig) }
	if tool == "kill" {
		if target == "1" && pid1 != "" && handles(pid1) {
			return pid1
		}
		return ""
	}
	server := serverName(target)
	if !slices.Contains(named, server) {
		return ""
	}
	if server == pid1 {
		if handles(server) {
			return server
		}
		return ""
	}
	switch sig {
	case "TERM", "INT", "QUIT", "KILL":
		if stopSignals[server] != nil {
			return server
		}
	}
	return ""
}

// argvServers reads a container's command line: the server that runs as PID 1 (through
// tini or dumb-init, which pass signals on, an exec at the end of a shell script, or
// python -m), "" when that is not known (the image's entrypoint, a shell that stays PID 1
// with the server as its child); and the servers its shell script starts by name, which
// pkill and killall can reach.
func argvServers(argv []string) (pid1 string, named []string) {
	a := argv
	for len(a) > 0 && (base(a[0]) == "tini" || base(a[0]) == "dumb-init") {
		a = a[1:]
		for len(a) > 0 && strings.HasPrefix(a[0], "-") {
			a = a[1:]
		}
	}
	if len(a) == 0 {
		return "", nil
	}
	if isShell(a[0]) {
		i := slices.Index(a, "-c")
		if i < 0 || i+1 >= len(a) {
			return "", nil
		}
		cmds := shellCommands(a[i+1])
		for _, c := range cmds {
			if c[0] == "exec" {
				c = c[1:]
			}
			if len(c) > 0 && stopSignals[serverName(c[0])] != nil {
				named = append(named, serverName(c[0]))
			}
		}
		if len(cmds) == 0 || len(cmds[len(cmds)-1]) < 2 || cmds[len(cmds)-1][0] != "exec" {
			return "", named
		}
		a = cmds[len(cmds)-1][1:]
	}
	server := serverName(a[0])
	if (server == "python" || server == "python3") && len(a) > 2 && a[1] == "-m" {
		return serverName(a[2]), named
	}
	if stopSignals[server] == nil {
		return "", named
	}
	return server, append(named, server)
}

// serverName is the program a command runs, with php-fpm's version suffix dropped
// (php-fpm8.2).
func serverName(w string) string {
	w = base(w)
	if strings.HasPrefix(w, "php-fpm") {
		return "php-fpm"
	}
	return w
}

// nginxStop reports whether words run nginx (or OpenResty) with -s quit or -s stop.
func nginxStop(words []string) bool {
	if len(words) == 0 || (base(words[0]) != "nginx" && base(words[0]) != "openresty") {
		return false
	}
	for i, w := range words[1:] {
		sig, ok := strings.CutPrefix(w, "-s")
		if !ok {
			continue
		}
		if sig == "" && i+2 < len(words) {
			sig = words[i+2]
		}
		if sig == "quit" || sig == "stop" {
			return true
		}
	}
	return false
}

func shellKeyword(w string) bool {
	switch w {
	case "while", "until", "for", "if", "case":
		return true
	}
	return false
}

// shellCommands splits a shell script into its simple commands, in order, each the list
// of its words: quotes group what they enclose into one word (and are dropped), and ;,
// &, | and newlines end a command outside them. Enough to find a sleep or an nginx
// signal in a preStop script; not a shell parser ($(...), escapes and redirections stay
// words).
func shellCommands(script string) [][]string {
	var (
		cmds  [][]string
		words []string
		w     strings.Builder
		word  bool // w holds a word, perhaps an empty quoted one
		quote rune
	)
	endWord := func() {
		if word {
			words = append(words, w.String())
			w.Reset()
			word = false
		}
	}
	endCommand := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	for _, r := range script {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, word = r, true
		case r == ' ' || r == '\t':
			endWord()
		case r == ';' || r == '&' || r == '|' || r == '\n':
			endCommand()
		default:
			w.WriteRune(r)
			word = true
		}
	}
	endCommand()
	return cmds
}

func sleepArg(a string) (time.Duration, bool) {
	unit := time.Second
	switch {
	case strings.HasSuffix(a, "s"):
		a = strings.TrimSuffix(a, "s")
	case strings.HasSuffix(a, "m"):
		a, unit = strings.TrimSuffix(a, "m"), time.Minute
	}
	f, err := strconv.ParseFloat(a, 64)
	// ParseFloat also reads "infinity", "inf" and "NaN": sleep infinity holds the hook
	// until the grace period ends, which is no delay of its own.
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e6 {
		return 0, false
	}
	return time.Duration(f * float64(unit)), true
}

func base(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func isShell(p string) bool {
	switch base(p) {
	case "sh", "bash", "ash", "dash", "zsh":
		return true
	}
	return false
}
