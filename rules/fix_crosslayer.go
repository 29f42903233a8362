package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// Fixes of the cross-layer rules that no shared correction (fix.go) covers: an app
// server's keep-alive (a command-line flag or an environment variable in the container
// spec) and a proxy's idle timeouts. Where a value cannot be written mechanically (a
// shell-wrapped command, a Node app's code, a server outside the files), the fix carries
// a description and a snippet only.

// appFlag is the keep-alive flag or environment variable of each server.
var appFlag = map[string]struct{ flag, env string }{
	"gunicorn":  {flag: "--keep-alive"},
	"uvicorn":   {flag: "--timeout-keep-alive"},
	"hypercorn": {flag: "--keep-alive"},
	"puma":      {env: "PUMA_PERSISTENT_TIMEOUT"},
	"spring":    {env: "SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT"},
}

// appKeepAliveFix raises the keep-alive of the app server in s to want.
func appKeepAliveFix(s side, want time.Duration) *Fix {
	a := s.c.App
	n := secondsFlag(want)
	desc := fmt.Sprintf("keep idle connections open %ss in %s", n, a.Name)
	f, ok := appFlag[a.Name]
	inK8s := s.w != nil && s.w.Format == parsers.FormatK8s
	switch {
	case a.Name == "node":
		return &Fix{Description: desc + " (set it in the app's code)",
			Snippet: fmt.Sprintf("// where the app creates its HTTP server (Express: const server = app.listen(...))\nserver.keepAliveTimeout = %d000;\nserver.headersTimeout = %d000;  // above keepAliveTimeout\n", want/time.Second, want/time.Second+1)}
	case ok && s.w != nil && s.w.Kind == parsers.ECSService && f.env == "":
		return ecsFlagFix(s, desc, f.flag, n)
	case !ok || !inK8s:
		return &Fix{Description: desc, Snippet: fmt.Sprintf("# %s: keep idle client connections open for %ss\n", a.Name, n)}
	case f.env != "" || fromEnv(s.c, "GUNICORN_CMD_ARGS", a.KeepAlive):
		name, val := f.env, n
		if a.Name == "spring" {
			val += "s"
		}
		if name == "" {
			// The flag lives in GUNICORN_CMD_ARGS: rewrite that variable.
			name = "GUNICORN_CMD_ARGS"
			val = strings.Join(withFlag(strings.Fields(s.c.Env[name].Value), f.flag, n), " ")
		}
		env := []k8s.Patch{k8s.Patch{}.Set("name", name).Set("value", k8s.Quote(val))}
		return k8sFix(desc, k8s.ContainerPatch(s.w, s.c, k8s.Patch{}.Set("env", env)))
	}
	// Rewrite the list that sets the flag the server reads last (args come after
	// command, and the last occurrence wins), else the list (command or args) that holds
	// the server's name.
	lists := map[string][]string{"command": s.c.Command, "args": s.c.Args}
	for _, key := range []string{"args", "command"} {
		if hasFlag(lists[key], f.flag) {
			fields := k8s.Patch{}.Set(key, k8s.FlowList(withFlag(lists[key], f.flag, n)))
			return k8sFix(desc, k8s.ContainerPatch(s.w, s.c, fields))
		}
	}
	for _, key := range []string{"command", "args"} {
		list := lists[key]
		if !containsServer(list, a.Name) {
			continue
		}
		fields := k8s.Patch{}.Set(key, k8s.FlowList(withFlag(list, f.flag, n)))
		return k8sFix(desc, k8s.ContainerPatch(s.w, s.c, fields))
	}
	return &Fix{Description: desc, Snippet: flagSnippet(a, f.flag, n, "")}
}

// flagSnippet tells the user to set flag to value on the app server's command line (a
// shell script, or a list no502 does not rewrite). A flag already written there is to be
// changed, not added to: a second one would leave two, and the one that counts depends
// on their order. of names the container for an ECS task definition, "" otherwise.
func flagSnippet(a *parsers.AppServer, flag, value, of string) string {
	if t := a.KeepAlive.Text; a.KeepAlive.Explicit() && (t == flag || strings.HasPrefix(t, flag+"=") || strings.HasPrefix(t, flag+" ")) {
		return fmt.Sprintf("# replace %s with %s %s in the %s command line%s (do not add a second %s)\n", t, flag, value, a.Name, of, flag)
	}
	return fmt.Sprintf("# add %s %s to the %s command line%s\n", flag, value, a.Name, of)
}

// ecsFlagFix shows an ECS container definition's entryPoint or command with the app
// server's flag set: a snippet, since container_definitions may be jsonencode(), a JSON
// heredoc or a template, and the edit is left to the user.
func ecsFlagFix(s side, desc, flag, value string) *Fix {
	for _, key := range []string{"entryPoint", "command"} {
		list := s.c.Command
		if key == "command" {
			list = s.c.Args
		}
		if !containsServer(list, s.c.App.Name) {
			continue
		}
		items := withFlag(list, flag, value)
		quoted := make([]string, len(items))
		for i, it := range items {
			quoted[i] = strconv.Quote(it)
		}
		return &Fix{Description: desc, Snippet: fmt.Sprintf("# container %q of the task definition (container_definitions):\n%s = [%s]\n", s.c.Name, key, strings.Join(quoted, ", "))}
	}
	return &Fix{Description: desc, Snippet: flagSnippet(s.c.App, flag, value, fmt.Sprintf(" of container %q", s.c.Name))}
}

// fromEnv reports whether setting s was read from the container's environment variable
// name (gunicorn reads its flags from GUNICORN_CMD_ARGS too).
func fromEnv[T any](c *parsers.Container, name string, s parsers.Setting[T]) bool {
	e, ok := c.Env[name]
	return ok && s.Explicit() && e.Pos == s.Pos
}

// containsServer reports whether a list has the server's name as one of its items (not
// inside a shell script).
func containsServer(list []string, name string) bool {
	for _, s := range list {
		if s == name || strings.HasSuffix(s, "/"+name) {
			return true
		}
	}
	return false
}

// hasFlag reports whether a command line sets flag ("--flag v" or "--flag=v").
func hasFlag(list []string, flag string) bool {
	for _, s := range list {
		if s == flag || strings.HasPrefix(s, flag+"=") {
			return true
		}
	}
	return false
}

// withFlag sets flag to value in a command line, replacing "--flag v" or "--flag=v", or
// appending it.
func withFlag(list []string, flag, value string) []string {
	out := append([]string{}, list...)
	for i := len(out) - 1; i >= 0; i-- { // the last one is the one that counts
		switch {
		case out[i] == flag && i+1 < len(out):
			out[i+1] = value
			return out
		case strings.HasPrefix(out[i], flag+"="):
			out[i] = flag + "=" + value
			return out
		}
	}
	return append(out, flag, value)
}

// hopKeepAliveFix raises a proxy hop's client keep-alive (nginx keepalive_timeout in the
// server block, Caddy's idle timeout) to want.
func hopKeepAliveFix(p *Pass, h *parsers.Hop, want time.Duration, note string) *Fix {
	switch h.Kind {
	case parsers.HopNginx:
		return nginxClientKeepAliveFix(p.Model, h, want, note)
	case parsers.HopIngressNginx:
		return &Fix{Description: "set keep-alive in the ingress-nginx controller's ConfigMap",
			Snippet: fmt.Sprintf("# the ingress-nginx controller ConfigMap (Helm: controller.config)\ndata:\n  keep-alive: %q  # %s\n", secondsFlag(want), note)}
	case parsers.HopCaddy:
		return caddyIdleFix(p, h, want, note)
	}
	return nil
}

// poolIdleFix lowers how long hop h keeps idle upstream connections of be to want.
func poolIdleFix(p *Pass, h *parsers.Hop, be *parsers.Backend, want time.Duration, note string) *Fix {
	switch h.Kind {
	case parsers.HopNginx:
		return nginxPoolIdleFix(p.Model, h, be, want, note)
	case parsers.HopCaddy:
		return caddyPoolIdleFix(p, be, want, note)
	}
	return nil
}
