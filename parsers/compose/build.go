package compose

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// typer reads the merged tree into the typed model, reporting values of the wrong type.
type typer struct {
	dir   string
	diags *[]parsers.Diag
}

func (t *typer) errorf(v *value, format string, args ...any) {
	*t.diags = append(*t.diags, parsers.Errorf(v.pos, format, args...))
}

// setting wraps a scalar into a Setting of its string.
func setting(v *value) Setting[string] {
	if v == nil || v.kind != scalarKind {
		return Setting[string]{}
	}
	s := parsers.Setting[string]{Value: v.s, Pos: v.pos, Text: v.text, Unknown: v.unknown}
	if len(v.via) > 0 {
		s.SetVia(v.via)
		s.SetViaNote("interpolated from " + describeVia(v.via))
	}
	return s
}

func describeVia(via []parsers.Pos) string {
	var parts []string
	for _, p := range via {
		parts = append(parts, p.Short())
	}
	return strings.Join(parts, ", ")
}

// convertSetting keeps a setting's provenance and gives it another value.
func convertSetting[T any](s Setting[string], v T) Setting[T] {
	return Setting[T]{Value: v, Pos: s.Pos, Text: s.Text, Unknown: s.Unknown, Origin: s.Origin}
}

func (t *typer) intSetting(v *value, what string) Setting[int] {
	s := setting(v)
	if v == nil || s.Unknown {
		return convertSetting(s, 0)
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.s))
	if err != nil {
		t.errorf(v, "%s must be an integer, not %s", what, v.describe())
		out := convertSetting(s, 0)
		out.Unknown = true
		return out
	}
	return convertSetting(s, n)
}

func (t *typer) boolSetting(v *value, what string) Setting[bool] {
	s := setting(v)
	if v == nil || s.Unknown {
		return convertSetting(s, false)
	}
	switch strings.ToLower(strings.TrimSpace(v.s)) {
	case "true", "yes", "on", "y":
		return convertSetting(s, true)
	case "false", "no", "off", "n":
		return convertSetting(s, false)
	}
	t.errorf(v, "%s must be true or false, not %s", what, v.describe())
	out := convertSetting(s, false)
	out.Unknown = true
	return out
}

func (t *typer) durationSetting(v *value, what string, def time.Duration, defText string) parsers.Duration {
	if v == nil || v.kind != scalarKind {
		return parsers.Def(def, defText)
	}
	s := setting(v)
	if s.Unknown {
		return convertSetting(s, time.Duration(0))
	}
	d, ok := ParseDuration(v.s)
	if !ok {
		t.errorf(v, "%s: %s is not a duration (like 30s, 1m30s)", what, v.describe())
		out := convertSetting(s, time.Duration(0))
		out.Unknown = true
		return out
	}
	return convertSetting(s, d)
}

// ParseDuration parses a Compose duration: Go's syntax (1h30m, 90s, 250ms, 1.5s) plus d
// and w units. A bare number has no unit and is refused, as docker compose refuses it.
func ParseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, d >= 0
	}
	// Days and weeks: split them off and parse the rest.
	var total time.Duration
	rest := s
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		if i := strings.Index(rest, u.unit); i > 0 {
			n, err := strconv.ParseFloat(rest[:i], 64)
			if err != nil || n < 0 || n > 1e4 {
				return 0, false
			}
			total += time.Duration(n * float64(u.d))
			rest = rest[i+1:]
		}
	}
	if rest == s {
		return 0, false
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return 0, false
		}
		total += d
	}
	return total, true
}

// buildProject reads the merged tree into p.
func buildProject(p *Project, root *value) {
	if root == nil {
		return
	}
	t := &typer{dir: p.Dir, diags: &p.Diags}
	p.Name = setting(root.get("name"))
	for _, sec := range []struct {
		name string
		into map[string]*Resource
	}{{"networks", p.Networks}, {"volumes", p.Volumes}, {"configs", p.Configs}, {"secrets", p.Secrets}} {
		m := root.get(sec.name)
		if m != nil && m.kind != mapKind {
			t.errorf(m, "%s must be a mapping", sec.name)
			continue
		}
		for i, k := range keysOf(m) {
			sec.into[k.s] = t.resource(k, m.vals[i])
		}
	}
	services := root.get("services")
	if services != nil && services.kind != mapKind {
		t.errorf(services, "services must be a mapping")
		return
	}
	for i, k := range keysOf(services) {
		if sv := services.vals[i]; sv.reset {
			continue
		}
		p.Services = append(p.Services, t.service(p, k, services.vals[i]))
	}
	sort.Slice(p.Services, func(i, j int) bool { return p.Services[i].Name < p.Services[j].Name })
	checkCycles(p)
}

func keysOf(m *value) []*value {
	if m == nil || m.kind != mapKind {
		return nil
	}
	return m.keys
}

func (t *typer) resource(k, v *value) *Resource {
	r := &Resource{Name: k.s, Pos: k.pos}
	if v.kind != mapKind {
		return r
	}
	if ext := v.get("external"); ext != nil {
		if ext.kind == mapKind {
			// The old external: {name: x} form.
			r.External = convertSetting(setting(ext), true)
			r.External.Pos, r.External.Text = ext.pos, ext.text
		} else {
			r.External = t.boolSetting(ext, "external")
		}
	}
	r.Driver = setting(v.get("driver"))
	r.Inline = v.get("content") != nil
	if f := v.get("file"); f != nil {
		r.File = setting(f)
		if !r.File.Unknown && f.s != "" {
			r.HostPath = resolve(f.dir, f.s)
		}
	}
	return r
}

// resolve makes a host path absolute against dir (~ is left as written).
func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return p
	}
	if dir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

func (t *typer) service(p *Project, k, v *value) *Service {
	s := &Service{Name: k.s, Pos: k.pos, Decls: []parsers.Pos{k.pos}}
	s.StopGracePeriod = parsers.Def(DefaultStopGracePeriod, "Compose default stop_grace_period 10s")
	s.StopSignal = parsers.Def("SIGTERM", "Compose default stop_signal SIGTERM (or the image's STOPSIGNAL)")
	s.Replicas = parsers.Def(1, "Compose default: 1 replica")
	s.Scale = parsers.Def(1, "Compose default: 1 replica")
	s.UpdateConfig.Order = parsers.Def("stop-first", "Compose default update_config.order stop-first")
	s.UpdateConfig.Parallelism = parsers.Def(1, "Compose default update_config.parallelism 1")
	s.UpdateConfig.Delay = parsers.Def(time.Duration(0), "Compose default update_config.delay 0s")
	s.Healthcheck = defaultHealthcheck()
	if v.kind != mapKind {
		if !v.isNull() {
			t.errorf(v, "service %q must be a mapping, not %s", k.s, v.describe())
		}
		return s
	}
	s.Image = setting(v.get("image"))
	s.Build = t.build(v.get("build"))
	s.Command = t.command(v.get("command"), "command")
	s.Entrypoint = t.command(v.get("entrypoint"), "entrypoint")
	s.Environment = t.keyValues(v.get("environment"), "environment")
	s.Labels = t.keyValues(v.get("labels"), "labels")
	for _, it := range asSequence(v.get("env_file")).items {
		var ef EnvFile
		if it.kind == mapKind {
			if r := it.get("required"); r != nil {
				req := t.boolSetting(r, "env_file.required")
				ef.Optional = req.Known() && !req.Value
			}
			it = it.get("path")
		}
		if it != nil && it.kind == scalarKind {
			ef.Path = setting(it)
			if !it.unknown && it.s != "" {
				ef.Abs = resolve(it.dir, it.s)
			}
			s.EnvFiles = append(s.EnvFiles, ef)
		}
	}
	for _, it := range items(v.get("ports")) {
		s.Ports = append(s.Ports, t.port(it))
	}
	for _, it := range items(v.get("expose")) {
		s.Expose = append(s.Expose, setting(it))
	}
	if sc := v.get("scale"); sc != nil {
		s.Scale = t.intSetting(sc, "scale")
	}
	if d := v.get("deploy"); d != nil && d.kind == mapKind {
		if r := d.get("replicas"); r != nil {
			s.Replicas = t.intSetting(r, "deploy.replicas")
		}
		s.DeployMode = setting(d.get("mode"))
		s.EndpointMode = setting(d.get("endpoint_mode"))
		if uc := d.get("update_config"); uc != nil && uc.kind == mapKind {
			if pv := uc.get("parallelism"); pv != nil {
				s.UpdateConfig.Parallelism = t.intSetting(pv, "update_config.parallelism")
			}
			if o := uc.get("order"); o != nil {
				s.UpdateConfig.Order = setting(o)
				if !s.UpdateConfig.Order.Unknown && o.s != "start-first" && o.s != "stop-first" {
					t.errorf(o, "update_config.order must be start-first or stop-first, not %s", o.describe())
				}
			}
			if dl := uc.get("delay"); dl != nil {
				s.UpdateConfig.Delay = t.durationSetting(dl, "update_config.delay", 0, "")
			}
		}
	}
	if g := v.get("stop_grace_period"); g != nil {
		s.StopGracePeriod = t.durationSetting(g, "stop_grace_period", DefaultStopGracePeriod, "")
	}
	if sig := v.get("stop_signal"); sig != nil {
		s.StopSignal = setting(sig)
	}
	if h := v.get("healthcheck"); h != nil {
		s.Healthcheck = t.healthcheck(h)
	}
	s.Restart = setting(v.get("restart"))
	s.DependsOn = t.dependsOn(v.get("depends_on"))
	for _, it := range items(v.get("volumes")) {
		s.Volumes = append(s.Volumes, t.mount(it))
	}
	s.Configs = t.fileMounts(v.get("configs"), "/", p.Configs)
	s.Secrets = t.fileMounts(v.get("secrets"), "/run/secrets/", p.Secrets)
	s.Networks = t.networks(v.get("networks"))
	s.NetworkMode = setting(v.get("network_mode"))
	s.ContainerName = setting(v.get("container_name"))
	if eh := v.get("extra_hosts"); eh != nil && eh.kind == mapKind {
		for _, k := range eh.keys {
			s.ExtraHosts = append(s.ExtraHosts, strings.ToLower(k.s))
		}
	} else if eh != nil {
		for _, it := range asSequence(eh).items {
			host, _, _ := strings.Cut(it.s, "=")
			host, _, _ = strings.Cut(host, ":")
			if it.kind != scalarKind || it.unknown {
				host = "?"
			}
			s.ExtraHosts = append(s.ExtraHosts, strings.ToLower(strings.TrimSpace(host)))
		}
	}
	for _, it := range items(v.get("links")) {
		s.Links = append(s.Links, setting(it))
	}
	for _, it := range items(v.get("profiles")) {
		s.Profiles = append(s.Profiles, setting(it))
	}
	return s
}

// items returns the entries of a list (nil for anything else).
func items(v *value) []*value {
	if v == nil || v.kind != seqKind {
		return nil
	}
	return v.items
}

func (t *typer) build(v *value) *Build {
	if v == nil || v.isNull() {
		return nil
	}
	v = asBuild(v)
	b := &Build{Pos: v.pos}
	if v.kind != mapKind {
		t.errorf(v, "build must be a path or a mapping")
		return b
	}
	b.Context = setting(v.get("context"))
	if c := v.get("context"); c != nil && !b.Context.Unknown && !strings.Contains(c.s, "://") && !strings.HasPrefix(c.s, "git@") {
		b.ContextDir = resolve(c.dir, c.s)
	}
	if c := v.get("context"); c == nil {
		b.ContextDir = t.dir
	}
	b.Dockerfile = setting(v.get("dockerfile"))
	b.Target = setting(v.get("target"))
	b.Inline = v.get("dockerfile_inline") != nil
	b.Args, b.ArgsUnknown = buildArgs(v.get("args"))
	return b
}

// buildArgs reads build.args (a mapping, or a list of NAME=value): an entry without a
// value (NAME, or NAME: null) is taken from the deploying shell, not known here. Anything
// else leaves every argument unknown (unknown true). Compose itself rejects such values;
// what they are is the loader's to say, not this reader's.
func buildArgs(v *value) (args map[string]Setting[string], unknown bool) {
	if v == nil || v.isNull() {
		return nil, false
	}
	if v.kind != mapKind && v.kind != seqKind {
		return nil, true
	}
	m := kvMap(v)
	args = make(map[string]Setting[string], len(m.keys))
	for i, k := range m.keys {
		val := m.vals[i]
		if val.reset {
			continue
		}
		switch val.kind {
		case scalarKind:
			args[k.s] = setting(val)
		default:
			args[k.s] = parsers.Setting[string]{Pos: k.pos, Text: k.text, Unknown: true}
		}
	}
	return args, false
}

// command reads command or entrypoint: a string (split into words) or a list.
func (t *typer) command(v *value, what string) Command {
	var c Command
	if v == nil {
		return c
	}
	switch v.kind {
	case nullKind:
		c.Null = true
		c.Args = parsers.Setting[[]string]{Pos: v.pos, Text: v.text}
	case scalarKind:
		s := setting(v)
		words, ok := SplitWords(v.s)
		if !ok && !s.Unknown {
			t.errorf(v, "%s: unterminated quote", what)
		}
		c.Args, c.Shell = convertSetting(s, words), true
		c.Args.Unknown = s.Unknown || !ok
	case seqKind:
		var args []string
		unknown := false
		var via []parsers.Pos
		for _, it := range v.items {
			if it.kind != scalarKind {
				t.errorf(it, "%s: each word must be a string, not %s", what, it.describe())
				unknown = true
				continue
			}
			args = append(args, it.s)
			unknown = unknown || it.unknown
			via = append(via, it.via...)
		}
		c.Args = parsers.Setting[[]string]{Value: args, Pos: v.pos, Text: v.text, Unknown: unknown}
		if len(via) > 0 {
			c.Args.SetVia(via)
			c.Args.SetViaNote("interpolated from " + describeVia(via))
		}
		c.Null = len(v.items) == 0
	default:
		t.errorf(v, "%s must be a string or a list", what)
	}
	return c
}

// keyValues reads environment or labels (a mapping, or a list of KEY=VALUE).
func (t *typer) keyValues(v *value, what string) map[string]Setting[string] {
	if v == nil || v.isNull() {
		return nil
	}
	if v.kind != mapKind && v.kind != seqKind {
		t.errorf(v, "%s must be a mapping or a list", what)
		return nil
	}
	m := kvMap(v)
	out := make(map[string]Setting[string], len(m.keys))
	for i, k := range m.keys {
		val := m.vals[i]
		if val.reset {
			continue
		}
		switch val.kind {
		case scalarKind:
			out[k.s] = setting(val)
		case nullKind:
			// FOO or FOO: null: taken from the deploying shell.
			out[k.s] = parsers.Setting[string]{Pos: k.pos, Text: k.text, Unknown: true}
		default:
			t.errorf(val, "%s %s must be a string, not %s", what, k.s, val.describe())
		}
	}
	return out
}

func defaultHealthcheck() Healthcheck {
	return Healthcheck{
		Interval:      parsers.Def(DefaultHealthInterval, "Docker default healthcheck interval 30s"),
		Timeout:       parsers.Def(DefaultHealthTimeout, "Docker default healthcheck timeout 30s"),
		StartPeriod:   parsers.Def(time.Duration(0), "Docker default healthcheck start_period 0s"),
		StartInterval: parsers.Def(5*time.Second, "Docker default healthcheck start_interval 5s"),
		Retries:       parsers.Def(DefaultHealthRetries, "Docker default healthcheck retries 3"),
	}
}

func (t *typer) healthcheck(v *value) Healthcheck {
	h := defaultHealthcheck()
	h.Pos = v.pos
	if v.kind != mapKind {
		if !v.isNull() {
			t.errorf(v, "healthcheck must be a mapping")
		}
		return h
	}
	if d := v.get("disable"); d != nil {
		h.Disable = t.boolSetting(d, "healthcheck.disable")
	}
	if tv := v.get("test"); tv != nil {
		switch tv.kind {
		case scalarKind:
			// The string form is run by the shell, like CMD-SHELL.
			s := setting(tv)
			h.Kind, h.Test = HealthCmdShell, convertSetting(s, []string{tv.s})
		case seqKind:
			cmd := t.command(tv, "healthcheck.test")
			args := cmd.Args.Value
			if len(args) == 0 {
				t.errorf(tv, "healthcheck.test must not be empty")
				break
			}
			h.Test = cmd.Args
			switch args[0] {
			case "NONE":
				h.Kind = HealthNone
				h.Test.Value = nil
				h.Disable = convertSetting(setting(tv.items[0]), true)
			case "CMD":
				h.Kind, h.Test.Value = HealthCmd, args[1:]
			case "CMD-SHELL":
				h.Kind, h.Test.Value = HealthCmdShell, []string{strings.Join(args[1:], " ")}
			default:
				t.errorf(tv.items[0], "healthcheck.test must start with CMD, CMD-SHELL or NONE, not %q", args[0])
				h.Test.Unknown = true
			}
		}
	}
	if x := v.get("interval"); x != nil {
		h.Interval = t.durationSetting(x, "healthcheck.interval", DefaultHealthInterval, "")
	}
	if x := v.get("timeout"); x != nil {
		h.Timeout = t.durationSetting(x, "healthcheck.timeout", DefaultHealthTimeout, "")
	}
	if x := v.get("start_period"); x != nil {
		h.StartPeriod = t.durationSetting(x, "healthcheck.start_period", 0, "")
	}
	if x := v.get("start_interval"); x != nil {
		h.StartInterval = t.durationSetting(x, "healthcheck.start_interval", 5*time.Second, "")
	}
	if x := v.get("retries"); x != nil {
		h.Retries = t.intSetting(x, "healthcheck.retries")
	}
	return h
}

func (t *typer) dependsOn(v *value) []Dependency {
	if v == nil || v.isNull() {
		return nil
	}
	started := parsers.Def("service_started", "Compose default condition service_started")
	required := parsers.Def(true, "Compose default required: true")
	var out []Dependency
	switch v.kind {
	case seqKind:
		for _, it := range v.items {
			if it.kind != scalarKind {
				t.errorf(it, "depends_on: a service name must be a string")
				continue
			}
			out = append(out, Dependency{Service: it.s, Pos: it.pos, Condition: started, Required: required})
		}
	case mapKind:
		for i, k := range v.keys {
			d := Dependency{Service: k.s, Pos: k.pos, Condition: started, Required: required}
			if e := v.vals[i]; e.kind == mapKind {
				if c := e.get("condition"); c != nil && c.pos.IsValid() {
					d.Condition = setting(c)
				}
				if r := e.get("required"); r != nil && r.pos.IsValid() {
					d.Required = t.boolSetting(r, "depends_on.required")
				}
				if r := e.get("restart"); r != nil && r.pos.IsValid() {
					d.Restart = t.boolSetting(r, "depends_on.restart")
				}
			}
			out = append(out, d)
		}
	default:
		t.errorf(v, "depends_on must be a list or a mapping")
	}
	return out
}

func (t *typer) networks(v *value) []NetworkAttachment {
	if v == nil || v.isNull() {
		return nil
	}
	var out []NetworkAttachment
	switch v.kind {
	case seqKind:
		for _, it := range v.items {
			if it.kind == scalarKind {
				out = append(out, NetworkAttachment{Name: it.s, Pos: it.pos})
			}
		}
	case mapKind:
		for i, k := range v.keys {
			n := NetworkAttachment{Name: k.s, Pos: k.pos}
			for _, a := range items(v.vals[i].get("aliases")) {
				n.Aliases = append(n.Aliases, setting(a))
			}
			n.Static = v.vals[i].get("ipv4_address") != nil || v.vals[i].get("ipv6_address") != nil
			out = append(out, n)
		}
	default:
		t.errorf(v, "networks must be a list or a mapping")
	}
	return out
}

// checkCycles reports a depends_on cycle, which docker compose refuses to start.
func checkCycles(p *Project) {
	const (
		unvisited = iota
		visiting
		visited
	)
	state := map[string]int{}
	var visit func(s *Service, chain []string) bool
	visit = func(s *Service, chain []string) bool {
		state[s.Name] = visiting
		chain = append(chain, s.Name)
		for _, d := range s.DependsOn {
			next := p.Service(d.Service)
			if next == nil {
				continue
			}
			switch state[next.Name] {
			case visiting:
				p.Diags = append(p.Diags, parsers.Errorf(d.Pos, "depends_on cycle: %s -> %s", strings.Join(chain, " -> "), next.Name))
				return true
			case unvisited:
				if visit(next, chain) {
					return true
				}
			}
		}
		state[s.Name] = visited
		return false
	}
	for _, s := range p.Services {
		if state[s.Name] == unvisited && visit(s, nil) {
			return
		}
	}
}
