package link

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// linkCompose ties nginx and Caddy configs to the Docker Compose services that run them
// and to the services they forward to.
//
// A config file bind-mounted into a service (a volumes: entry of the file or of a
// directory holding it, a configs: entry whose file: it is, or a file the Dockerfile the
// service builds copies where nginx or Caddy reads it) is that service's proxy:
// its hops run there (Hop.Workload), and the container gets the proxy's own timeouts as
// its app server, as for a ConfigMap mounted into a pod. The most specific mount decides
// (mountingService); a file two services mount alike is tied to neither: which one
// answers cannot be known.
//
// Upstream hosts then resolve as Docker's embedded DNS resolves them for the proxy's
// container: a service name (or a network alias) of the same project on a network both
// services join. The port must be one the service declares (ports: target or expose:)
// unless it declares none. A proxy on the host's network (network_mode: host) reaches
// 127.0.0.1:port, which is the service publishing that port. As for Kubernetes Service
// names, a backend is linked only when every active target resolves.
func linkCompose(m *parsers.Model) {
	var services []*parsers.Workload
	for _, w := range m.Workloads {
		if w.Compose != nil {
			services = append(services, w)
		}
	}
	if len(services) == 0 {
		return
	}
	ran := map[*parsers.Workload][]*parsers.Hop{}
	unread := map[unreadKey]parsers.Pos{}
	defer noteUnread(m, unread)
	for _, h := range m.Hops {
		if h.Workload != nil || (h.Kind != parsers.HopNginx && h.Kind != parsers.HopCaddy) {
			continue
		}
		w := mountingService(m, services, h, unread)
		if w == nil {
			continue
		}
		h.Workload = w
		if c := proxyContainer(w, h.Format); c != nil {
			c.App = proxyApp(h, c)
		}
		ran[w] = append(ran[w], h)
	}
	for w, hops := range ran {
		for _, h := range hops {
			for _, be := range routeBackends(h) {
				if be.Service != nil || len(be.Workloads) > 0 {
					continue
				}
				var targets []*parsers.Workload
				var named []*parsers.Target
				active := 0
				var backups []*parsers.Workload
				for _, t := range be.Targets {
					if t.Backup && !t.Down {
						if t.Env != nil && renderedAtStart(m, w, h, t) {
							t.FillFromEnv(containerEnv(w.Containers[0]))
						}
						if x := resolveCompose(w, t); x != nil && !slices.Contains(backups, x) {
							backups = append(backups, x)
						}
					}
					if t.Backup || t.Down {
						continue
					}
					active++
					if t.Env != nil && renderedAtStart(m, w, h, t) {
						t.FillFromEnv(containerEnv(w.Containers[0]))
					}
					if x := resolveCompose(w, t); x != nil {
						targets = append(targets, x)
						named = append(named, t)
					}
				}
				if active == 0 || len(targets) != active {
					continue
				}
				be.Backups = backups
				for i, x := range targets {
					addWorkload(be, x)
					if t := named[i]; !t.Local && !t.IP {
						t.Compose = x // a name Docker's DNS answers, not a published port
					}
				}
			}
		}
	}
	// A backend that reaches a service running a proxy leads to that proxy (Caddy in
	// front of nginx in front of the app).
	for _, be := range m.Backends {
		for _, w := range be.Workloads {
			for _, h := range ran[w] {
				addHop(be, h)
			}
		}
	}
}

// renderedAtStart reports whether target t of hop h, written with environment
// references, is rendered with the environment of w's container. Caddy replaces {$VAR}
// as it reads the Caddyfile, when it starts. An nginx template is rendered with it by the
// entrypoint of the official image (nginx, nginxinc/nginx-unprivileged, or a Dockerfile
// FROM one of them that keeps it), which runs envsubst on /etc/nginx/templates before it
// starts nginx when the command is nginx or nginx-debug (docker-entrypoint.sh and
// 20-envsubst-on-templates.sh of nginxinc/docker-nginx): the template must be mounted or
// copied there and the service must not replace the entrypoint or the command. A script
// of the service's own may set other values (export BACKEND_HOST=...), and a template a
// Dockerfile renders with RUN envsubst gets the build's environment: not known.
func renderedAtStart(m *parsers.Model, w *parsers.Workload, h *parsers.Hop, t *parsers.Target) bool {
	if h.Kind == parsers.HopCaddy {
		return true
	}
	c := w.Containers[0]
	image := c.Image
	if c.Built != nil {
		image = c.Built.From
	}
	if !officialNginxImage(image) || len(c.Command) > 0 || len(c.Args) > 0 && c.Args[0] != "nginx" && c.Args[0] != "nginx-debug" {
		return false
	}
	files := []string{t.Pos.File}
	for f := m.File(t.Pos.File); f != nil && f.IncludedBy != nil && len(files) < 100; f = m.File(f.IncludedBy.File) {
		files = append(files, f.IncludedBy.File)
	}
	for _, mt := range w.Compose.Mounts {
		if mt.Target != "/etc/nginx/templates" && !strings.HasPrefix(mt.Target, "/etc/nginx/templates/") {
			continue
		}
		for _, f := range files {
			if f == mt.Path || strings.HasPrefix(f, strings.TrimSuffix(mt.Path, "/")+"/") {
				return true
			}
		}
	}
	return false
}

// officialNginxImage reports whether an image reference names the official nginx image
// or nginxinc's unprivileged one (any tag), whose entrypoint renders templates.
func officialNginxImage(ref string) bool {
	ref, _, _ = strings.Cut(ref, "@")
	name := ref
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		name = ref[:i] // the tag
	}
	name = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(name), "docker.io/"), "library/")
	return name == "nginx" || name == "nginxinc/nginx-unprivileged"
}

// containerEnv is c's environment as the link step knows it: the values Compose sets
// (environment:, env_file), unknown where a source no file shows may set it (an env_file
// not read, the ENV of the Dockerfile the service builds).
func containerEnv(c *parsers.Container) parsers.EnvLookup {
	return func(name string) (string, bool, bool) {
		v, ok := c.EnvVar(name)
		switch {
		case !ok:
			return "", false, true
		case v.Known():
			return v.Value, true, true
		}
		return "", true, false
	}
}

// mountingService returns the Compose service that mounts the file defining hop h (or a
// file that includes it), or nil. The most specific mount decides: a service that mounts
// the file itself wins over one that mounts a directory holding it (a dev service that
// mounts the whole repository, .:/app, does not run the nginx.conf in it), and a deeper
// directory over a shallower one; two services mounting it alike are not one answer.
func mountingService(m *parsers.Model, services []*parsers.Workload, h *parsers.Hop, unread map[unreadKey]parsers.Pos) *parsers.Workload {
	files := []string{h.Block.File}
	for f := m.File(h.Block.File); f != nil && f.IncludedBy != nil && len(files) < 100; f = m.File(f.IncludedBy.File) {
		files = append(files, f.IncludedBy.File)
	}
	var found []*parsers.Workload
	best := 0
	for _, w := range services {
		score := mountScore(w, h.Kind, files, unread)
		switch {
		case score == 0 || score < best:
		case score == best:
			found = append(found, w)
		default:
			found, best = []*parsers.Workload{w}, score
		}
	}
	if len(found) > 1 {
		// The same service in the default project and in a variant's (compose.yaml with
		// compose.prod.yaml, where the variant changes the proxy service): the default
		// project's is the one `docker compose up` runs. Anything else is not one answer.
		found = inDefaultProject(found)
	}
	if len(found) > 1 {
		// A proxy service started by default and one only under a profile (nginx and
		// nginx-debug mounting the same nginx.conf): a plain up runs the first alone.
		// COMPOSE_PROFILES in the project's .env enables its profiles for a plain up
		// (getsentry/self-hosted: feature-complete's nginx, not errors-only's).
		var plain []*parsers.Workload
		for _, w := range found {
			if w.Compose.StartsByDefault() {
				plain = append(plain, w)
			}
		}
		if len(plain) == 1 {
			found = plain
		}
	}
	if len(found) > 1 && h.Kind == parsers.HopCaddy {
		found = caddyRunner(found)
	}
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// caddyRunner keeps, of services that all hold a Caddyfile alike (the caddy service's
// bind mount, and an app's image whose Dockerfile copies the same file to
// /etc/caddy/Caddyfile), the one whose container runs Caddy, when exactly one does
// (caddyProcess yes) and every other is known to run something else (no): the file in
// the app's image is never read. Any other mix is returned as it is (no answer).
func caddyRunner(ws []*parsers.Workload) []*parsers.Workload {
	var yes []*parsers.Workload
	for _, w := range ws {
		switch caddyProcess(w.Containers[0]) {
		case runsCaddy:
			yes = append(yes, w)
		case runsUnknown:
			return ws
		}
	}
	if len(yes) != 1 {
		return ws
	}
	return yes
}

type caddyRun int

const (
	runsUnknown caddyRun = iota
	runsCaddy
	runsOther
)

// caddyProcess says whether container c runs Caddy on its configuration file:
//   - runsCaddy: its command line starts `caddy run` or `caddy start` (in the exec form's
//     words or a shell string), or it keeps the official caddy image's own command
//     (`caddy run --config /etc/caddy/Caddyfile --adapter caddyfile`), by image: or as
//     the FROM of a Dockerfile that writes neither ENTRYPOINT nor CMD;
//   - runsOther: its command line is written (command:, entrypoint:, or the Dockerfile's
//     CMD/ENTRYPOINT), starts a program directly (not a shell, a script, or a process
//     supervisor or init that starts others: sh -c, ./start.sh, supervisord, tini), names
//     no caddy anywhere, and neither its image nor its Dockerfile's FROM names caddy
//     (gunicorn myproject.wsgi, python manage.py migrate);
//   - runsUnknown: anything else (a script may start Caddy beside the app, as the
//     all-in-one images do).
//
// The ENTRYPOINT of a base image that no file shows is not known: a service that sets
// only command: on an image built FROM python runs python's (none), as the model reads
// app servers from command: elsewhere.
func caddyProcess(c *parsers.Container) caddyRun {
	words := append(append([]string(nil), c.Command...), c.Args...)
	from := ""
	if c.Built != nil {
		from = c.Built.From
	}
	if len(words) == 0 {
		if c.Built == nil && officialCaddyImage(c.Image) || c.Built != nil && c.Built.InheritsCommand && officialCaddyImage(from) {
			return runsCaddy
		}
		return runsUnknown
	}
	var toks []string
	for _, w := range words {
		toks = append(toks, strings.FieldsFunc(w, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '"' || r == '\'' || r == ';' || r == '&' || r == '|'
		})...)
	}
	for i, t := range toks {
		if path.Base(t) == "caddy" {
			if i+1 < len(toks) && (toks[i+1] == "run" || toks[i+1] == "start") {
				return runsCaddy
			}
			return runsUnknown
		}
	}
	if strings.Contains(strings.ToLower(c.Image), "caddy") || strings.Contains(strings.ToLower(from), "caddy") {
		return runsUnknown
	}
	if len(toks) == 0 || launcher(toks[0]) {
		return runsUnknown
	}
	return runsOther
}

// launcher reports whether a command line's first word starts other programs rather
// than being the container's one server or job: a shell, a script, an init or process
// supervisor, or a privilege or environment wrapper.
func launcher(prog string) bool {
	base := strings.ToLower(path.Base(prog))
	if strings.HasSuffix(base, ".sh") || strings.Contains(base, "entrypoint") || strings.Contains(base, "start") ||
		strings.Contains(base, "run") || strings.Contains(base, "init") || strings.Contains(base, "supervisor") ||
		strings.HasPrefix(base, "s6") || strings.HasPrefix(base, "$") || strings.ContainsAny(base, "{`") {
		return true
	}
	switch base {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox", "env", "exec", "tini", "dumb-init",
		"gosu", "su-exec", "su", "sudo", "chpst", "setpriv", "s6-svscan", "runsvdir", "honcho",
		"foreman", "overmind", "pm2", "pm2-runtime", "concurrently", "nohup", "make", "just", "npm", "yarn", "pnpm":
		return true
	}
	return false
}

// officialCaddyImage reports whether an image reference names the official caddy image
// (any tag), whose command runs Caddy on /etc/caddy/Caddyfile.
func officialCaddyImage(ref string) bool {
	ref, _, _ = strings.Cut(ref, "@")
	name := ref
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		name = ref[:i]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(name), "docker.io/"), "library/")
	return name == "caddy"
}

// inDefaultProject keeps the workloads of services that belong to a project docker
// compose loads by default (not only to variants), when they all share one name; else
// it returns ws as it is.
func inDefaultProject(ws []*parsers.Workload) []*parsers.Workload {
	var out []*parsers.Workload
	for _, w := range ws {
		if w.Name != ws[0].Name {
			return ws
		}
		for _, p := range w.Compose.Projects {
			if !p.Variant {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// mountScore says how specifically w mounts one of files: 0 not at all, else the length
// of the mounted path, with a mount of the file itself above any directory. An nginx
// file that the mount places where w's nginx neither reads it nor has it rendered
// (readsAt) does not count; it is recorded in unread.
func mountScore(w *parsers.Workload, kind parsers.HopKind, files []string, unread map[unreadKey]parsers.Pos) int {
	score := 0
	for _, mt := range w.Compose.Mounts {
		for _, f := range files {
			s, at := 0, ""
			switch {
			case f == mt.Path:
				s, at = 1<<20+len(mt.Path), mt.Target
			case mt.Path == ".":
				s = 1
				if !path.IsAbs(f) {
					at = path.Join(mt.Target, f)
				}
			case strings.HasPrefix(f, strings.TrimSuffix(mt.Path, "/")+"/"):
				s, at = len(mt.Path)+1, path.Join(mt.Target, strings.TrimPrefix(f, strings.TrimSuffix(mt.Path, "/")+"/"))
			}
			if s == 0 {
				continue
			}
			if kind == parsers.HopNginx && at != "" && path.IsAbs(at) && !readsAt(w, f, at) {
				// A note where the file was meant for nginx (placed in its
				// directories), not for a repository mounted whole into an app.
				k := unreadKey{file: f, service: w.Name, at: at}
				if _, ok := unread[k]; !ok && inNginxRoot(at) {
					unread[k] = mt.Pos
				}
				continue
			}
			score = max(score, s)
		}
	}
	return score
}

// The official nginx image's entrypoint (20-envsubst-on-templates.sh of
// nginxinc/docker-nginx) renders every file under NGINX_ENVSUBST_TEMPLATE_DIR whose name
// ends with NGINX_ENVSUBST_TEMPLATE_SUFFIX into NGINX_ENVSUBST_OUTPUT_DIR, which its
// nginx.conf includes as conf.d/*.conf.
const (
	templateDir    = "/etc/nginx/templates"
	templateSuffix = ".template"
)

// nginxRoots are the directories nginx builds read their configuration from: the
// distributions' and the official image's, OpenResty's, Bitnami's, a source build's,
// and linuxserver.io's nginx and swag images (/config/nginx/site-confs).
var nginxRoots = []string{"/etc/nginx", "/usr/local/openresty/nginx/conf", "/etc/openresty",
	"/opt/bitnami/nginx/conf", "/usr/local/nginx/conf", "/usr/local/etc/nginx", "/config/nginx"}

// inNginxRoot reports whether the container path at lies in one of nginxRoots.
func inNginxRoot(at string) bool {
	return slices.ContainsFunc(nginxRoots, func(r string) bool { return at == r || strings.HasPrefix(at, r+"/") })
}

// renderTools are the commands a RUN line or a service's command renders or copies a
// template with, so that nginx reads what comes out.
var renderTools = []string{"envsubst", "sed", "gomplate", "perl", "awk", "dockerize", "cp ", "mv "}

// readsAt reports whether the nginx in w's container reads, directly or as rendered at
// start, the nginx file host that a mount or a Dockerfile copy places at at. Three cases
// are told apart from reading every mounted file as the service's config:
//   - at lies outside the directories nginx reads config from (nginxRoots) and no
//     command the files show names it (a repository mounted at /app by an app's service):
//     no nginx reads it.
//   - at lies in the image's template directory (/etc/nginx/templates, or a known
//     NGINX_ENVSUBST_TEMPLATE_DIR): the entrypoint renders it only when its name ends with
//     the template suffix (.template, or a known NGINX_ENVSUBST_TEMPLATE_SUFFIX); nginx
//     never reads that directory itself.
//   - host is a template by its name (*.template) placed elsewhere: nginx reads it only
//     where it reads config as it is (/etc/nginx/nginx.conf, conf.d/*.conf,
//     sites-enabled/), or when a command the files show renders it: a RUN line of the
//     Dockerfile, the service's entrypoint or command, or a start script the files show
//     (ComposeService.Scripts) naming the file and a render tool (envsubst, sed, ...).
//     A script no file shows is not taken to render it.
func readsAt(w *parsers.Workload, host, at string) bool {
	if len(w.Containers) == 0 {
		return true
	}
	c := w.Containers[0]
	dir, suffix := templateDir, templateSuffix
	if v, ok := c.EnvVar("NGINX_ENVSUBST_TEMPLATE_DIR"); ok && v.Known() && v.Value != "" {
		dir = path.Clean(v.Value)
	}
	suffixKnown := true
	if v, ok := c.EnvVar("NGINX_ENVSUBST_TEMPLATE_SUFFIX"); ok {
		suffixKnown = v.Known()
		if v.Known() && v.Value != "" {
			suffix = v.Value
		}
	}
	if strings.HasPrefix(at, dir+"/") {
		return !suffixKnown || strings.HasSuffix(at, suffix)
	}
	var cmds []string
	if len(c.Command)+len(c.Args) > 0 {
		cmds = append(cmds, strings.Join(append(slices.Clone(c.Command), c.Args...), " "))
	}
	if c.Built != nil {
		cmds = append(cmds, c.Built.Runs...)
	}
	cmds = append(cmds, w.Compose.Scripts...)
	if !inNginxRoot(at) && !slices.ContainsFunc(cmds, func(cmd string) bool { return strings.Contains(cmd, at) }) {
		// .:/app in an app's service puts the repository's nginx/nginx.conf at
		// /app/nginx/nginx.conf, which no nginx reads unless a command names it
		// (nginx -c /app/nginx/nginx.conf, a script that copies it).
		return false
	}
	if !strings.HasSuffix(strings.ToLower(host), templateSuffix) {
		return true
	}
	switch path.Dir(at) {
	case "/etc/nginx":
		if path.Base(at) == "nginx.conf" {
			return true
		}
	case "/etc/nginx/conf.d":
		if strings.HasSuffix(at, ".conf") {
			return true
		}
	case "/etc/nginx/sites-enabled":
		return true
	}
	for _, cmd := range cmds {
		if !strings.Contains(cmd, path.Base(at)) {
			continue
		}
		for _, t := range renderTools {
			if strings.Contains(cmd, t) {
				return true
			}
		}
	}
	return false
}

// unreadKey is an nginx file that a service's mount or Dockerfile copy places where its
// nginx does not read it.
type unreadKey struct{ file, service, at string }

// noteUnread notes each nginx file a service places where its nginx does not read it
// and that no service runs: its findings are the file's alone, not that service's.
func noteUnread(m *parsers.Model, unread map[unreadKey]parsers.Pos) {
	if len(unread) == 0 {
		return
	}
	linked := map[string]bool{}
	for _, h := range m.Hops {
		if h.Workload != nil && h.Block.File != "" {
			linked[h.Block.File] = true
		}
	}
	keys := make([]unreadKey, 0, len(unread))
	for k := range unread {
		if !linked[k.file] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b unreadKey) int {
		return strings.Compare(a.file+"\x00"+a.service+"\x00"+a.at, b.file+"\x00"+b.service+"\x00"+b.at)
	})
	for _, k := range keys {
		m.Diags = append(m.Diags, parsers.Notef(unread[k],
			"%s lands at %s in service %s, where nginx does not read it, so its findings are not %s's: not linked (nginx reads /etc/nginx/nginx.conf and, in the nginx image, conf.d/*.conf and what its entrypoint renders from %s/*%s; no command or script here names the file)",
			k.file, k.at, k.service, k.service, templateDir, templateSuffix))
	}
}

// resolveCompose finds the service an upstream target of a proxy running in service
// from names, as Docker's DNS answers inside from's container; nil when it does not
// resolve to exactly one service.
func resolveCompose(from *parsers.Workload, t *parsers.Target) *parsers.Workload {
	if t.Local && !t.Unix && from.Compose.NetworkMode.Known() && from.Compose.NetworkMode.Value == "host" {
		return publishing(from, t.Port)
	}
	if t.IP || t.Unix || t.Local || t.Host == "" {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(t.Host), ".")
	for _, h := range from.Compose.ExtraHosts {
		if h == host || h == "?" {
			return nil // /etc/hosts answers it (extra_hosts), not Docker's DNS
		}
	}
	var found []*parsers.Workload
	for _, p := range from.Compose.Projects {
		for _, w := range p.Services {
			nets := sharedNetworks(from, w, p)
			if w == from || !answers(w, host, nets) && !linkedAs(from, w, host, nets) {
				continue
			}
			if !listensOn(w, t.Port) {
				return nil
			}
			if !slices.Contains(found, w) {
				found = append(found, w)
			}
		}
	}
	if len(found) > 1 {
		// A proxy no variant changes is in every project of its directory, and the name
		// may answer another service in each (app in docker-compose.yml, and app as
		// docker-compose.prod.yml changes it): a plain up runs the default project's.
		found = inDefaultProject(found)
	}
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// publishing finds the one service of from's projects that publishes port on the host:
// what a proxy on the host's network (network_mode: host) reaches at 127.0.0.1:port.
func publishing(from *parsers.Workload, port string) *parsers.Workload {
	var found *parsers.Workload
	for _, p := range from.Compose.Projects {
		for _, w := range p.Services {
			for _, pub := range w.Compose.Published {
				if w == from || pub.Value != port {
					continue
				}
				if found != nil && found != w {
					return nil
				}
				found = w
			}
		}
	}
	return found
}

// answers reports whether host is w's service name, its container_name, or an alias of w
// on one of nets. Docker's embedded DNS answers a container's name on every user-defined
// network it joins, as it answers the service name (Compose's networks are all
// user-defined).
func answers(w *parsers.Workload, host string, nets []string) bool {
	if len(nets) == 0 {
		return false
	}
	if strings.ToLower(w.Name) == host {
		return true
	}
	if cn := w.Compose.ContainerName; cn.Known() && cn.Value != "" && strings.ToLower(cn.Value) == host {
		return true
	}
	for _, n := range w.Compose.Networks {
		for _, shared := range nets {
			if n.Name != shared {
				continue
			}
			for _, a := range n.Aliases {
				if strings.ToLower(a) == host {
					return true
				}
			}
		}
	}
	return false
}

// linkedAs reports whether from's links: name w by the alias host ("w:host", or "w"
// alone), on a network both join: Docker's DNS answers that alias to from's container
// only.
func linkedAs(from, w *parsers.Workload, host string, nets []string) bool {
	svc, ok := from.Compose.Links[host]
	return ok && len(nets) > 0 && svc == w.Name
}

// sharedNetworks are the networks both services join (for network_mode: service:x, x's).
func sharedNetworks(a, b *parsers.Workload, p *parsers.ComposeProject) []string {
	an, bn := networksOf(a, p), networksOf(b, p)
	var out []string
	for _, x := range an {
		for _, y := range bn {
			if x.Name == y.Name {
				out = append(out, x.Name)
			}
		}
	}
	return out
}

func networksOf(w *parsers.Workload, p *parsers.ComposeProject) []parsers.ComposeNetwork {
	mode := w.Compose.NetworkMode
	if mode.Known() && strings.HasPrefix(mode.Value, "service:") {
		if x := p.Services[strings.TrimPrefix(mode.Value, "service:")]; x != nil && x != w && x.Compose.NetworkMode.Value == "" {
			return x.Compose.Networks
		}
		return nil
	}
	return w.Compose.Networks
}

// listensOn reports whether the service takes connections on port (as written in the
// upstream address): a port it declares, or any port when it declares none.
func listensOn(w *parsers.Workload, port string) bool {
	n, err := strconv.Atoi(port)
	if err != nil {
		return false
	}
	declared := false
	for _, c := range w.Containers {
		for _, p := range c.Ports {
			declared = true
			if p.Port == n {
				return true
			}
		}
	}
	if declared {
		return false
	}
	// No ports: or expose:. The app server's own flags may say where it listens
	// (gunicorn --bind 0.0.0.0:5000): a port they do not name reaches something else, or
	// nothing (connection refused), not that server, whose settings must not be judged
	// against the proxy's.
	for _, c := range w.Containers {
		if c.App != nil && c.App.Ports != nil && !slices.Contains(c.App.Ports, port) {
			return false
		}
	}
	return true
}
