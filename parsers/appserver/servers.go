package appserver

import (
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// gunicorn reads gunicorn's flags: GUNICORN_CMD_ARGS first, the command line over it
// (gunicorn's own precedence). Defaults: keep-alive 2s, timeout 30s, graceful-timeout 30s;
// the sync worker does not keep connections alive at all (GUN:851-906).
//
// open is a word before rest that may expand to any flags (a variable): like a config
// file, it may set every flag rest does not.
func gunicorn(c *parsers.Container, at word, rest []word, open *flagVal) *parsers.AppServer {
	short := map[string]string{"-k": "--worker-class", "-t": "--timeout", "-c": "--config", "-w": "--workers"}
	takes := map[string]bool{"--worker-class": true, "--timeout": true, "--keep-alive": true,
		"--graceful-timeout": true, "--config": true, "--threads": true, "--workers": true}
	f := flagSet{}
	env, envUnknown := envWords(c, "GUNICORN_CMD_ARGS")
	parseFlags(env, short, takes, f)
	parseFlags(rest, short, takes, f)

	a := &parsers.AppServer{Name: Gunicorn, Pos: at.pos}
	cfg, hasCfg := f["--config"]
	if !hasCfg && open != nil {
		cfg, hasCfg = *open, true
	}
	if f, ok := c.Built.HasFile("gunicorn.conf.py"); ok && !hasCfg {
		// Without -c gunicorn reads ./gunicorn.conf.py; the image is built from a context
		// that holds one, most likely copied into the working directory.
		cfg, hasCfg = flagVal{pos: c.Built.Pos, text: f + " in the build context"}, true
	}
	if !hasCfg && envUnknown != nil {
		// GUNICORN_CMD_ARGS from a Secret or a ConfigMap not among the files: like a
		// config file, it may set any flag the command line does not.
		cfg, hasCfg = *envUnknown, true
	}
	// A value the command line does not give is gunicorn's default, unless a config file
	// may set it: one named with -c, or ./gunicorn.conf.py, which gunicorn reads without
	// -c: seen only in a Compose service's local build context (an image pulled by name
	// may hold one too, which no file shows; messages say the default is assumed).
	def := func(name string, d time.Duration, src string) parsers.Duration {
		if s, ok := f.seconds(name); ok {
			return s
		}
		if hasCfg {
			return unknownAt(cfg)
		}
		return parsers.Def(d, src)
	}
	a.GracefulTimeout = def("--graceful-timeout", 30*time.Second, "gunicorn default 30s (--graceful-timeout)")
	if open == nil {
		a.Ports = gunicornPorts(rest)
	}

	worker := "sync"
	wc, hasWorker := f["--worker-class"]
	switch {
	case hasWorker:
		worker = gunicornWorker(wc.value)
	case hasCfg:
		worker = "" // the config file may choose one
	}
	threaded := false
	if worker == "sync" {
		// gunicorn switches a sync worker to gthread when --threads is above 1.
		if t, ok := f["--threads"]; ok {
			if n, err := strconv.Atoi(t.value); err == nil && n > 1 {
				worker, threaded = "gthread", true
			} else if err != nil {
				worker = ""
			}
		} else if hasCfg {
			worker = "" // the config file may set threads, which makes it gthread
		}
	}
	switch {
	case worker == "sync":
		// Only a sync worker is killed by --timeout for one slow request; other workers
		// use it as a heartbeat, which a long request in a thread does not miss.
		a.RequestTimeout = def("--timeout", 30*time.Second, "gunicorn default 30s (--timeout)")
		if a.RequestTimeout.Known() && a.RequestTimeout.Value == 0 {
			a.RequestTimeout = parsers.Duration{} // --timeout 0: workers are never killed
		}
		a.Closes = true
		a.Note = "sync worker: every connection is closed after one response (no keep-alive)"
		if !hasWorker {
			a.Note = "sync worker (gunicorn's default): every connection is closed after one response (no keep-alive)"
		}
	case worker == "" || !keepAliveWorker[worker]:
		// The config file may choose the worker, or the worker's server keeps idle
		// connections for a time of its own (tornado's idle_connection_timeout, gevent's
		// pywsgi, a third-party class): not --keep-alive.
		a.KeepAlive = parsers.Duration{Unknown: true}
	default:
		a.KeepAlive = def("--keep-alive", 2*time.Second, "gunicorn default 2s (--keep-alive)")
		a.Note = "worker class " + wc.value
		if threaded {
			a.Note = "worker class gthread (--threads above 1)"
		}
	}
	return a
}

// keepAliveWorker lists the gunicorn worker classes that close an idle connection after
// --keep-alive: gthread (ThreadWorker.murder_keepalived), gevent and eventlet (the async
// worker's timeout_ctx), and the uvicorn and aiohttp workers, which hand cfg.keepalive to
// their server (timeout_keep_alive, keepalive_timeout). gunicorn's tornado worker only
// turns keep-alive off at 0 (tornado keeps idle connections for its own
// idle_connection_timeout), and gevent_pywsgi serves through gevent's pywsgi server.
var keepAliveWorker = map[string]bool{
	"gthread": true, "gevent": true, "eventlet": true,
	"uvicorn.workers.UvicornWorker": true, "uvicorn.workers.UvicornH11Worker": true,
	"uvicorn_worker.UvicornWorker": true, "uvicorn_worker.UvicornH11Worker": true,
	"aiohttp.GunicornWebWorker": true, "aiohttp.GunicornUVLoopWebWorker": true,
	"aiohttp.worker.GunicornWebWorker": true, "aiohttp.worker.GunicornUVLoopWebWorker": true,
}

// gunicornWorker names a worker class by gunicorn's short name when it is one of
// gunicorn's own given by class path (gunicorn.workers.sync.SyncWorker is "sync").
func gunicornWorker(class string) string {
	for short, path := range map[string]string{
		"sync":          "gunicorn.workers.sync.SyncWorker",
		"gthread":       "gunicorn.workers.gthread.ThreadWorker",
		"gevent":        "gunicorn.workers.ggevent.GeventWorker",
		"gevent_pywsgi": "gunicorn.workers.ggevent.GeventPyWSGIWorker",
		"eventlet":      "gunicorn.workers.geventlet.EventletWorker",
		"tornado":       "gunicorn.workers.gtornado.TornadoWorker",
	} {
		if class == path || class == "egg:gunicorn#"+short {
			return short
		}
	}
	if class == "gevent_wsgi" {
		return "gevent_pywsgi"
	}
	return class
}

// uwsgi reads the one timeout uWSGI has that bounds a request: --harakiri (-t; also
// UWSGI_HARAKIRI, as uWSGI reads every option from a UWSGI_ variable), after which the
// worker handling a request is killed, measured in wall-clock seconds. It is off by
// default. A config file (--ini, --yaml, --json, --xml, or a bare file argument uWSGI
// loads by its extension) may set it, so without the flag the value is unknown then, and
// so it is when the file is named after the flag (uWSGI reads options in order, a file
// where it is named, UWSGI_ variables first).
// Keep-alive and shutdown depend on the mode (--http router, --http-socket, behind
// uwsgi_pass) and stay unknown; without an HTTP flag the port speaks the uwsgi protocol
// (NotHTTP), unless a config file says otherwise.
func uwsgi(c *parsers.Container, at word, rest []word, open *flagVal) *parsers.AppServer {
	short := map[string]string{"-t": "--harakiri"}
	takes := map[string]bool{"--harakiri": true, "--ini": true, "--yaml": true, "--json": true, "--xml": true}
	f := flagSet{}
	if e, ok := c.EnvVar("UWSGI_HARAKIRI"); ok {
		if e.Unknown {
			e.Value = "?" // not a number: an unknown --harakiri
		}
		f["--harakiri"] = flagVal{value: e.Value, pos: e.Pos, text: e.Text}
	}
	parseFlags(rest, short, takes, f)
	a := &parsers.AppServer{Name: UWSGI, Pos: at.pos, NotHTTP: true}
	for _, w := range rest {
		name, _, _ := strings.Cut(w.s, "=")
		switch name {
		case "--http", "--http-socket", "--https", "--http11-socket", "--https-socket":
			a.NotHTTP = false
		}
	}
	if !a.NotHTTP {
		a.Note = "serves HTTP"
	} else {
		a.Note = "no --http or --http-socket: the uwsgi protocol (behind uwsgi_pass), or set in a config file"
	}
	cfg := open // a variable may name a config file or set --harakiri
	for _, name := range []string{"--ini", "--yaml", "--json", "--xml"} {
		if v, ok := f[name]; ok {
			cfg = &v
		}
	}
	for _, w := range rest {
		if cfg == nil && !strings.HasPrefix(w.s, "-") && uwsgiConfigFile(w.s) {
			cfg = &flagVal{value: w.s, pos: w.pos, text: w.s}
		}
	}
	// uWSGI reads a config file where the command line names it, after the UWSGI_
	// variables: one named after the last --harakiri may set it again.
	harakiriAt, cfgAt := -1, -1
	for i, w := range rest {
		name, _, _ := strings.Cut(w.s, "=")
		switch {
		case name == "--harakiri" || name == "-t" || strings.HasPrefix(name, "-t") && len(name) > 2 && name[2] >= '0' && name[2] <= '9':
			harakiriAt = i
		case name == "--ini" || name == "--yaml" || name == "--json" || name == "--xml":
			cfgAt = i
		case !strings.HasPrefix(w.s, "-") && uwsgiConfigFile(w.s) && (i == 0 || !strings.HasPrefix(rest[i-1].s, "-") || strings.Contains(rest[i-1].s, "=")):
			cfgAt = i
		}
	}
	switch s, ok := f.seconds("--harakiri"); {
	case ok && cfg != nil && (cfgAt > harakiriAt || harakiriAt < 0 && open != nil):
		// A config file named later, or a variable before the server's own flags, may
		// set harakiri over UWSGI_HARAKIRI or the flag.
		a.RequestTimeout = unknownAt(*cfg)
	case ok && s.Known() && s.Value == 0:
		// --harakiri 0: requests are never killed.
	case ok:
		a.RequestTimeout = s
	case cfg != nil:
		a.RequestTimeout = unknownAt(*cfg)
	}
	return a
}

// uwsgiConfigFile reports whether a bare uwsgi argument is a config file it loads by its
// extension.
func uwsgiConfigFile(s string) bool {
	for _, ext := range []string{".ini", ".yaml", ".yml", ".json", ".xml"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// uvicorn: --timeout-keep-alive (default 5s) and --timeout-graceful-shutdown (default
// none: waits for requests without limit) (UVI:214-216). uvicorn's command line reads every
// option from a UVICORN_ variable too (click's auto_envvar_prefix "UVICORN", uvicorn/main.py),
// below the flag.
func uvicorn(c *parsers.Container, at word, rest []word, open *flagVal) *parsers.AppServer {
	takes := map[string]bool{"--timeout-keep-alive": true, "--timeout-graceful-shutdown": true}
	f := flagSet{}
	for flag, env := range map[string]string{"--timeout-keep-alive": "UVICORN_TIMEOUT_KEEP_ALIVE", "--timeout-graceful-shutdown": "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"} {
		if e, ok := c.EnvVar(env); ok {
			if e.Unknown {
				e.Value = "?" // not a number: unknown
			}
			f[flag] = flagVal{value: e.Value, pos: e.Pos, text: e.Text}
		}
	}
	parseFlags(rest, nil, takes, f)
	a := &parsers.AppServer{Name: Uvicorn, Pos: at.pos}
	if open != nil {
		// A variable before rest may set either flag, over the environment too.
		for _, flag := range []string{"--timeout-keep-alive", "--timeout-graceful-shutdown"} {
			f[flag] = flagVal{value: "?", pos: open.pos, text: open.text}
		}
		parseFlags(rest, nil, takes, f)
	}
	if s, ok := f.seconds("--timeout-keep-alive"); ok {
		a.KeepAlive = s
	} else {
		a.KeepAlive = parsers.Def(5*time.Second, "uvicorn default 5s (--timeout-keep-alive)")
	}
	if s, ok := f.seconds("--timeout-graceful-shutdown"); ok {
		a.GracefulTimeout = s
	}
	if open == nil {
		a.Ports = uvicornPorts(rest)
	}
	return a
}

// gunicornPorts are the TCP ports of the --bind (-b) flags written on gunicorn's command
// line, which replace any other bind setting (gunicorn's settings: the command line
// wins over GUNICORN_CMD_ARGS and the config file): host:port, a host alone (port 8000),
// unix:PATH (no TCP port). Nil when none is written or one is not known (fd://N, a
// variable).
func gunicornPorts(rest []word) []string {
	vals, known := flagValues(rest, "--bind", "-b")
	if !known || len(vals) == 0 {
		return nil
	}
	ports := []string{}
	for _, v := range vals {
		switch {
		case strings.HasPrefix(v, "unix:"):
			continue
		case strings.Contains(v, "://"):
			return nil
		}
		port := "8000"
		if _, p, err := net.SplitHostPort(v); err == nil {
			port = p
		} else if strings.Count(strings.Trim(v, "[]"), ":") == 1 {
			return nil // not host:port as gunicorn reads it
		}
		if _, err := strconv.Atoi(port); err != nil {
			return nil
		}
		ports = append(ports, port)
	}
	return ports
}

// uvicornPorts is the TCP port of uvicorn's --port flag (the last one written), or none
// with --uds (a unix socket, in place of the host and port). Nil when no flag says
// (uvicorn's default 8000, or UVICORN_PORT) or --fd passes a socket.
func uvicornPorts(rest []word) []string {
	if fds, _ := flagValues(rest, "--fd", ""); len(fds) > 0 {
		return nil
	}
	if uds, _ := flagValues(rest, "--uds", ""); len(uds) > 0 {
		return []string{}
	}
	vals, known := flagValues(rest, "--port", "")
	if !known || len(vals) == 0 {
		return nil
	}
	p := vals[len(vals)-1]
	if _, err := strconv.Atoi(p); err != nil {
		return nil
	}
	return []string{p}
}

// hypercorn: only what the command line says; its defaults are not in the researched
// table, so they stay unknown.
func hypercorn(at word, rest []word) *parsers.AppServer {
	takes := map[string]bool{"--keep-alive": true, "--graceful-timeout": true}
	f := flagSet{}
	parseFlags(rest, nil, takes, f)
	a := &parsers.AppServer{Name: Hypercorn, Pos: at.pos}
	if s, ok := f.seconds("--keep-alive"); ok {
		a.KeepAlive = s
	}
	if s, ok := f.seconds("--graceful-timeout"); ok {
		a.GracefulTimeout = s
	}
	return a
}

// puma: persistent_timeout from PUMA_PERSISTENT_TIMEOUT, else the default, which changed
// from 20s to 65s in Puma 7.0 (PUMA configuration.rb:164, History.md:137). The version
// cannot be seen, so the later default is assumed (the one that reports less) and the
// setting says so. A config file (-C, or config/puma.rb, which Puma loads by default)
// may set it too.
//
// A config file's persistent_timeout wins over PUMA_PERSISTENT_TIMEOUT, which only
// changes the default (Puma ≥ 7), so with -C (or a variable that may add it) both values
// are unknown.
func puma(c *parsers.Container, at word, rest []word, open *flagVal) *parsers.AppServer {
	short := map[string]string{"-C": "--config", "-w": "--workers"}
	takes := map[string]bool{"--config": true, "--workers": true}
	f := flagSet{}
	parseFlags(rest, short, takes, f)
	a := &parsers.AppServer{Name: Puma, Pos: at.pos}
	cfg, hasCfg := f["--config"]
	if !hasCfg && open != nil {
		cfg, hasCfg = *open, true
	}
	for _, name := range []string{"config/puma.rb", "config/puma"} {
		if f, ok := c.Built.HasFile(name); ok && !hasCfg {
			// Puma reads config/puma.rb (or config/puma/<environment>.rb) without -C.
			cfg, hasCfg = flagVal{pos: c.Built.Pos, text: f + " in the build context"}, true
		}
	}
	if hasCfg {
		a.KeepAlive = unknownAt(cfg)
	} else if s, ok := envSeconds(c, "PUMA_PERSISTENT_TIMEOUT"); ok {
		a.KeepAlive = s
	} else {
		a.KeepAlive = parsers.Def(65*time.Second, "Puma default persistent_timeout 65s (assumed Puma ≥ 7.0; 20s before)")
		a.Note = "Puma version unknown: assumed ≥ 7.0 (persistent_timeout 65s; 20s before 7.0)"
	}
	if hasCfg {
		a.GracefulTimeout = unknownAt(cfg) // workers and worker_shutdown_timeout may be set there
	} else if w, ok := f["--workers"]; ok {
		if n, err := strconv.Atoi(w.value); err == nil && n > 0 {
			a.GracefulTimeout = parsers.Def(30*time.Second, "Puma default worker_shutdown_timeout 30s")
		}
	}
	return a
}

// node: the http server's keepAliveTimeout is 5s in released Node versions, and the
// socket is closed then, or a buffer of 1s later in recent releases (NODE;
// nodejs/node#59243). Frameworks that set
// their own (Fastify) cannot be seen from the command line; the note says what was
// assumed.
//
// A Compose service built from a local context where the app may set its own (Fastify,
// a source that sets keepAliveTimeout) gets an unknown keep-alive.
//
// Node 26 raised the default to 65s (nodejs/node#62782, semver-major): an image that
// says it runs Node 26 or later, or a moving tag (node:latest, node:lts), has an unknown
// keep-alive. An image that does not say (the app's own) keeps the assumption above.
//
// Next.js sets its server's keepAliveTimeout from KEEP_ALIVE_TIMEOUT (the server.js of a
// standalone build) and from next start's --keepAliveTimeout (which npm start -- passes
// on): the variable set, a word among the arguments that names it, or a variable there
// that may hold it, makes the keep-alive unknown.
func node(c *parsers.Container, at word, rest []word, open *flagVal) *parsers.AppServer {
	if c.Built != nil && c.Built.NodeKeepAlive != "" {
		return &parsers.AppServer{Name: Node, Pos: at.pos,
			KeepAlive: parsers.Duration{Pos: c.Built.Pos, Text: c.Built.NodeKeepAlive, Unknown: true}}
	}
	if e, ok := c.EnvVar("KEEP_ALIVE_TIMEOUT"); ok {
		return &parsers.AppServer{Name: Node, Pos: at.pos,
			KeepAlive: parsers.Duration{Pos: e.Pos, Text: e.Text + " (Next.js's keepAliveTimeout)", Unknown: true}}
	}
	for _, w := range rest {
		if strings.Contains(strings.ToLower(w.s), "keepalivetimeout") {
			return &parsers.AppServer{Name: Node, Pos: at.pos, KeepAlive: parsers.Duration{Pos: w.pos, Text: w.s, Unknown: true}}
		}
	}
	if open != nil {
		return &parsers.AppServer{Name: Node, Pos: at.pos, KeepAlive: unknownAt(*open)}
	}
	image, pos := c.Image, c.Pos
	if c.Built != nil && c.Built.From != "" {
		image, pos = c.Built.From, c.Built.Pos
	}
	major, ok := nodeMajor(image)
	if ok && (major == 0 || major >= 26) {
		return &parsers.AppServer{Name: Node, Pos: at.pos,
			KeepAlive: parsers.Duration{Pos: pos, Text: "image " + image + " (Node 26 raised keepAliveTimeout to 65s)", Unknown: true}}
	}
	// The socket closes a 1s buffer after keepAliveTimeout in Node 24 and 25, and in 20
	// and 22 from a minor release on (measured 5.0s on 18.20.4, 20.16.0, 22.0.0; 6.0s on
	// 20.19.0, 22.10.0, 24.0.0): a tag of 20 or 22, or an image that says no version, may
	// close at 5s, the time a race and a fix below it must go by.
	ka := parsers.Def(5*time.Second, "Node.js default keepAliveTimeout 5s (+ 1s buffer in Node 24, and 20 and 22 from a minor release on)")
	if ok && major >= 24 {
		ka = parsers.Def(6*time.Second, "Node.js default keepAliveTimeout 5s + 1s buffer (Node 24 and 25; 65s since 26)")
	}
	return &parsers.AppServer{
		Name:      Node,
		Pos:       at.pos,
		KeepAlive: ka,
		Note:      "assumed Node's http server defaults (Express and plain http; a framework may set its own)",
	}
}

// spring recognises Spring Boot by its environment: SERVER_SHUTDOWN and
// SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE (default 30s) give the graceful drain;
// SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT the keep-alive. Without SERVER_SHUTDOWN the mode
// depends on the Boot version (graceful by default since 3.4), so the drain is unknown.
//
// Spring binds a property from its canonical variable (dots to underscores, dashes
// removed: SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE) and from the legacy one (dashes to
// underscores too): SystemEnvironmentPropertyMapper maps both, the canonical first.
func spring(c *parsers.Container) *parsers.AppServer {
	phaseVars := []string{"SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"}
	keepVars := []string{"SERVER_TOMCAT_KEEPALIVETIMEOUT", "SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT"}
	_, hasShutdown := c.Env["SERVER_SHUTDOWN"]
	hasPhase := c.Env[phaseVars[0]].Pos.IsValid() || c.Env[phaseVars[1]].Pos.IsValid()
	hasKeep := c.Env[keepVars[0]].Pos.IsValid() || c.Env[keepVars[1]].Pos.IsValid()
	if !hasShutdown && !hasPhase && !hasKeep {
		return nil
	}
	// Recognised by a variable it sets: the others may come from a source no502 cannot
	// read (EnvVar says so), and are unknown then.
	shutdown, hasShutdown := c.EnvVar("SERVER_SHUTDOWN")
	phase, hasPhase := envFirst(c, phaseVars)
	keep, hasKeep := envFirst(c, keepVars)
	if shutdown.Unknown {
		a := &parsers.AppServer{Name: Spring, Pos: c.Pos, GracefulTimeout: parsers.Duration{Pos: shutdown.Pos, Text: shutdown.Text, Unknown: true}}
		if hasKeep {
			a.KeepAlive = springDuration(keep)
		}
		return a
	}
	a := &parsers.AppServer{Name: Spring, Pos: c.Pos}
	switch {
	case hasShutdown && strings.EqualFold(shutdown.Value, "graceful"):
		a.Pos = shutdown.Pos
		cfg, hasCfg := c.Built.SpringConfig()
		switch {
		case hasPhase:
			a.GracefulTimeout = springDuration(phase)
		case hasCfg:
			// The application config the jar carries may set the phase.
			a.GracefulTimeout = parsers.Duration{Pos: c.Built.Pos, Text: cfg + " in the build context", Unknown: true}
		default:
			a.GracefulTimeout = parsers.Def(30*time.Second, "Spring Boot default spring.lifecycle.timeout-per-shutdown-phase 30s")
		}
	case hasShutdown:
		a.Pos = shutdown.Pos // immediate: no drain to account for
	default:
		a.GracefulTimeout = parsers.Duration{Pos: phase.Pos, Text: phase.Text, Unknown: true}
		a.Note = "SERVER_SHUTDOWN not set: graceful only in Spring Boot 3.4 and later"
	}
	if hasKeep {
		a.KeepAlive = springDuration(keep)
	}
	return a
}

// envFirst returns the first of names the container's environment sets (one set in its
// own environment before one that only an unread source may set).
func envFirst(c *parsers.Container, names []string) (parsers.Setting[string], bool) {
	for _, n := range names {
		if e, ok := c.Env[n]; ok {
			return e, true
		}
	}
	for _, n := range names {
		if e, ok := c.EnvVar(n); ok {
			return e, true
		}
	}
	return parsers.Setting[string]{}, false
}

// springDuration reads a Spring Boot duration: "30s", "1m", "PT30S", or a bare number
// of milliseconds.
func springDuration(e parsers.Setting[string]) parsers.Duration {
	v := strings.TrimSpace(e.Value)
	var d time.Duration
	var err error
	switch {
	case strings.HasPrefix(strings.ToUpper(v), "PT"):
		d, err = time.ParseDuration(strings.ToLower(v[2:]))
	default:
		if n, e2 := strconv.Atoi(v); e2 == nil {
			d = time.Duration(n) * time.Millisecond
		} else {
			d, err = time.ParseDuration(v)
		}
	}
	s := parsers.Set(d, e.Pos, e.Text)
	s.Unknown = err != nil || d < 0
	return s
}

// phpFPM: php-fpm speaks FastCGI (behind nginx fastcgi_pass), not HTTP. Its request
// timeout, request_terminate_timeout, is set in pool files, not on the command line: the
// link step fills it from the pool files mounted into the container (off by default).
// A config file named on the command line (-y, --fpm-config) may include pools from
// anywhere, so then the timeout is unknown and the link step leaves it so.
func phpFPM(pos parsers.Pos, from string, rest []word) *parsers.AppServer {
	a := &parsers.AppServer{Name: PHPFPM, Pos: pos, NotHTTP: true, Note: from + "speaks FastCGI (behind fastcgi_pass), not HTTP"}
	for _, w := range rest {
		if w.s == "-y" || w.s == "--fpm-config" || strings.HasPrefix(w.s, "--fpm-config=") {
			a.RequestTimeout = parsers.Duration{Pos: w.pos, Text: w.s, Unknown: true}
		}
	}
	return a
}

// phpFPMImage reports whether an image runs php-fpm by default: the official php image's
// fpm variants (php:8.3-fpm, php:fpm-alpine) and bitnami/php-fpm.
func phpFPMImage(ref string) bool {
	ref, _, _ = strings.Cut(ref, "@")
	name, tag, _ := strings.Cut(path.Base(ref), ":")
	switch strings.ToLower(name) {
	case "php-fpm":
		return true
	case "php":
		return strings.Contains(strings.ToLower(tag), "fpm")
	}
	return false
}

// phpFPMAppImage reports whether an image is one of the official images of PHP apps
// whose fpm variants are built FROM php's fpm image and run php-fpm by default
// (ENTRYPOINT a setup script that execs its arguments, CMD ["php-fpm"]: matomo-org/docker
// fpm-alpine/Dockerfile, monicahq/docker 4/fpm/Dockerfile; docker-library's wordpress and
// nextcloud fpm variants). A command: (cron.sh, queue.sh) runs something else. Their
// pool files are the image's, which no file here shows.
func phpFPMAppImage(ref string) bool {
	ref, _, _ = strings.Cut(ref, "@")
	ref = strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "library/")
	name, tag, _ := strings.Cut(ref, ":")
	switch strings.ToLower(name) {
	case "matomo", "monica", "wordpress", "nextcloud":
		return strings.Contains(strings.ToLower(tag), "fpm")
	}
	return false
}

// phpFPMVersioned reports whether a command is php-fpm with a version suffix, as
// Debian and Ubuntu install it (php-fpm8.2, php-fpm7).
func phpFPMVersioned(base string) bool {
	v, ok := strings.CutPrefix(base, "php-fpm")
	if !ok || v == "" {
		return false
	}
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// nodeCodenames are the LTS lines' names the node image tags by (node:iron-alpine).
var nodeCodenames = map[string]int{"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12,
	"fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}

// nodeMajor reads the Node.js major version an image runs from its name and tag: node:22,
// node:22.11-alpine, node:iron, distroless nodejs22. ok is false for an image that is not a
// Node image (the app's own); major is 0 for a Node image whose tag moves (latest, lts,
// current, none).
func nodeMajor(ref string) (major int, ok bool) {
	ref, _, _ = strings.Cut(ref, "@")
	name, tag, _ := strings.Cut(path.Base(ref), ":")
	name = strings.ToLower(name)
	if v, found := strings.CutPrefix(name, "nodejs"); found {
		v, _, _ = strings.Cut(v, "-") // nodejs22-debian12
		if n, err := strconv.Atoi(v); err == nil {
			return n, true
		}
		return 0, false
	}
	if name != "node" {
		return 0, false
	}
	tag = strings.ToLower(tag)
	digits := 0
	for digits < len(tag) && tag[digits] >= '0' && tag[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		n, _ := strconv.Atoi(tag[:digits])
		return n, true
	}
	word, _, _ := strings.Cut(tag, "-")
	if n, found := nodeCodenames[word]; found {
		return n, true
	}
	return 0, true
}
