package k8s

import (
	"math"
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
	if nginxStopsFirst(words) {
		// Whatever the hook sleeps after, nginx no longer accepts.
		ct.PreStopStopsNginx = s.pos(ck)
		ct.PreStopCommand = words
	}
	if d, ok := sleepIn(words); ok {
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

// nginxStopsFirst reports whether a preStop exec command signals nginx (or OpenResty) to
// quit or stop before it sleeps: `nginx -s quit` returns at once and nginx closes its
// listening sockets, so the pod refuses new connections while its endpoint is still in
// rotation, as if it had no hook (on loopback: -s quit returned in 8ms and the next
// connection was refused, while a request in flight completed). A signal inside a loop
// or a branch, or after a sleep, is not known to come first.
func nginxStopsFirst(cmd []string) bool {
	if len(cmd) == 0 {
		return false
	}
	if !isShell(cmd[0]) {
		return nginxStop(cmd)
	}
	for i := 1; i < len(cmd); i++ {
		for _, c := range shellCommands(cmd[i]) {
			if c[0] == "exec" {
				c = c[1:]
			}
			switch {
			case len(c) == 0:
			case shellKeyword(c[0]):
				return false
			case nginxStop(c):
				return true
			case base(c[0]) == "sleep":
				return false
			}
		}
	}
	return false
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
