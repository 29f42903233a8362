package compose

import (
	"errors"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// Parse is the format parser the loader runs: it groups the compose files it is given
// into projects as docker compose picks them (Projects), loads each, and turns every
// service into a parsers.Workload (Kind ComposeService) with one container, so that the
// link step can tie proxies and upstreams to it and the rules read it like any other
// workload.
//
// A base file belongs to several projects when variants sit beside it (compose.yaml
// with compose.override.yaml, and compose.yaml with compose.prod.yaml). A service that
// no file of a variant touches is the same service in both projects: it becomes one
// workload that lists both projects, so that its findings are not doubled and a proxy
// config it mounts belongs to one workload.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	for _, in := range inputs {
		m.Files = append(m.Files, &parsers.File{Path: in.Path, Format: parsers.FormatCompose, Src: in.Src})
	}
	srcOf := map[string][]byte{}
	for _, in := range inputs {
		srcOf[in.Path] = in.Src
	}
	shared := map[string]*parsers.Workload{}
	seenDiag := map[string]bool{}
	for _, set := range Projects(inputs) {
		p := Load(set, Options{Options: opts})
		for _, d := range p.Diags {
			if k := d.String(); !seenDiag[k] {
				seenDiag[k] = true
				m.Diags = append(m.Diags, d)
			}
		}
		disp := displayer(set[0])
		proj := &parsers.ComposeProject{Dir: disp(p.Dir), Files: p.Files, Services: map[string]*parsers.Workload{}}
		// A file by another name (deploy-compose.yml, docker-stack.yml) is not loaded by a
		// plain `docker compose up` either: it is run with -f (or docker stack deploy -c).
		proj.Variant = len(set) == 2 && !isOverrideName(set[1].Path) || len(set) == 1 && !IsComposeFile(set[0].Path)
		proj.Profiles = p.DefaultProfiles
		for _, s := range p.Services {
			for _, d := range inlineProxyConfigs(s) {
				if k := d.String(); !seenDiag[k] {
					seenDiag[k] = true
					m.Diags = append(m.Diags, d)
				}
			}
			key := p.Dir + "\x00" + s.Name + "\x00" + declKey(s.Decls)
			w := shared[key]
			if w == nil {
				w = workload(s, disp, srcOf[s.Pos.File], opts)
				shared[key] = w
				m.Workloads = append(m.Workloads, w)
			}
			w.Compose.Projects = append(w.Compose.Projects, proj)
			proj.Services[s.Name] = w
		}
	}
	return m
}

// mountedOver reports whether a volume or config of service s is mounted at target or at
// a directory holding it; one whose target is not known may be, and counts.
func mountedOver(s *Service, target string) bool {
	covers := func(t parsers.Setting[string]) bool {
		if !t.Known() {
			return t.Unknown
		}
		m := strings.TrimSuffix(t.Value, "/")
		return target == m || strings.HasPrefix(target, m+"/")
	}
	for _, v := range s.Volumes {
		if covers(v.Target) {
			return true
		}
	}
	for _, f := range s.Configs {
		if covers(f.Target) {
			return true
		}
	}
	return false
}

// knownValues returns the known values of settings, as written.
func knownValues(ss []parsers.Setting[string]) []string {
	var out []string
	for _, s := range ss {
		if s.Known() {
			out = append(out, s.Value)
		} else if s.Unknown {
			out = append(out, "?") // a profile from an unset variable: still a profile
		}
	}
	return out
}

// readEnvFiles reads a service's env_file: entries in order (a later file's variable wins)
// as docker compose does, with the .env syntax. It returns the entry that cannot be read
// instead when one cannot: outside the linted paths, missing (unless required: false), or
// with a line that is not an assignment. A variable whose value refers to one the file
// does not define above it is unknown (docker compose would take it from the shell or
// the project's .env).
func readEnvFiles(files []EnvFile, opts parsers.Options) (map[string]parsers.Setting[string], *EnvFile) {
	out := map[string]parsers.Setting[string]{}
	for i := range files {
		ef := &files[i]
		if ef.Abs == "" || !opts.Within(ef.Abs) {
			return nil, ef
		}
		src, err := readSmall(ef.Abs, opts)
		if err != nil {
			if ef.Optional && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, ef
		}
		var diags []parsers.Diag
		env := parseDotEnv(newSource(ef.Path.Value, filepath.Dir(ef.Abs), src), &diags)
		if len(diags) > 0 {
			return nil, ef
		}
		for k, v := range env.vars {
			out[k] = parsers.Set(v.val, v.pos, k+"="+v.val)
		}
		for _, k := range env.unknown {
			if _, set := env.vars[k]; set {
				continue // assigned again further down the file
			}
			out[k] = parsers.Setting[string]{Pos: ef.Path.Pos, Text: k + " (" + ef.Path.Value + ")", Unknown: true}
		}
	}
	return out, nil
}

// inlineProxyConfigs notes the configs: a service mounts where nginx or Caddy read their
// configuration whose text is written in the compose file (content:). They are not read:
// Compose interpolates that text (nginx's $host must be written $$host), so it is not the
// file nginx reads, byte for byte, and a fix could not be written back into it. Without
// the note, a proxy held there would be missing from the run without a word.
func inlineProxyConfigs(s *Service) []parsers.Diag {
	var out []parsers.Diag
	for _, f := range s.Configs {
		if !f.Inline || !f.Target.Known() || !proxyConfigPath(f.Target.Value) {
			continue
		}
		out = append(out, parsers.Notef(f.Pos, "config %s of service %s is written inline (content:) and mounted at %s: no502 does not read inline configs, so the proxy configured there is not checked, nor linked to the services it forwards to; move it to a file (file:) to have it checked",
			f.Source.Value, s.Name, f.Target.Value))
	}
	return out
}

// proxyConfigPath reports whether a path in a container is where the official nginx and
// Caddy images read their configuration.
func proxyConfigPath(p string) bool {
	base := path.Base(p)
	return strings.HasPrefix(p, "/etc/nginx/") || strings.HasPrefix(p, "/etc/caddy/") || base == "Caddyfile" || base == "nginx.conf"
}

func declKey(decls []parsers.Pos) string {
	var b strings.Builder
	for _, d := range decls {
		b.WriteString(d.String())
		b.WriteByte(';')
	}
	return b.String()
}

// displayer returns a function that shows an absolute host path the way the loader shows
// file paths: relative to the directory the input's display path is relative to, when
// the path lies inside it, else absolute.
func displayer(in parsers.Input) func(string) string {
	abs := filepath.ToSlash(absPath(in))
	disp := filepath.ToSlash(in.Path)
	root := ""
	if !strings.HasPrefix(disp, "/") && strings.HasSuffix(abs, "/"+disp) {
		root = strings.TrimSuffix(abs, disp)
	}
	return func(p string) string {
		p = filepath.ToSlash(p)
		if root != "" && strings.HasPrefix(p, root) {
			if rel := strings.TrimPrefix(p, root); rel != "" {
				return rel
			}
			return "."
		}
		if root != "" && p+"/" == root {
			return "."
		}
		return p
	}
}

// workload turns a merged service into the model's workload.
func workload(s *Service, disp func(string) string, src []byte, opts parsers.Options) *parsers.Workload {
	w := &parsers.Workload{
		Kind:             parsers.KindComposeService,
		Format:           parsers.FormatCompose,
		Name:             s.Name,
		Pos:              s.Pos,
		Block:            serviceBlock(s.Pos, src),
		Strategy:         s.UpdateConfig.Order,
		TerminationGrace: s.StopGracePeriod,
		Labels:           map[string]string{},
	}
	for k, v := range s.Labels {
		if v.Known() {
			w.Labels[k] = v.Value
		}
	}
	switch {
	case s.DeployMode.Unknown || s.DeployMode.Known() && s.DeployMode.Value == "global":
		// One container per node of the swarm, which the files do not show (docker
		// compose up runs one; the mode is written for docker stack deploy).
		w.Replicas = parsers.Setting[int]{Pos: s.DeployMode.Pos, Text: "deploy.mode: " + s.DeployMode.Value, Unknown: true}
	case s.Replicas.Explicit() || s.Replicas.Unknown:
		w.Replicas = s.Replicas
	case s.Scale.Explicit() || s.Scale.Unknown:
		w.Replicas = s.Scale
	default:
		w.Replicas = parsers.Def(1, "Compose default: no deploy.replicas or scale")
	}
	c := &parsers.Container{Name: s.Name, Pos: s.Pos, Image: s.Image.Value, Env: s.Environment}
	if len(s.EnvFiles) > 0 {
		fileEnv, unread := readEnvFiles(s.EnvFiles, opts)
		if unread != nil {
			// A file that cannot be read (missing from the repository, outside the
			// linted paths, not a KEY=VALUE file) may set any variable environment does
			// not (GUNICORN_CMD_ARGS): those are unknown (parsers.Container.EnvVar).
			c.EnvUnknownFrom = unread.Path.Pos
			if !c.EnvUnknownFrom.IsValid() {
				c.EnvUnknownFrom = s.Pos
			}
		} else {
			// environment: wins over env_file (Compose specification, env_file).
			env := make(map[string]parsers.Setting[string], len(fileEnv)+len(s.Environment))
			maps.Copy(env, fileEnv)
			maps.Copy(env, s.Environment)
			c.Env = env
		}
	}
	var copies []parsers.ComposeMount
	c.Built, copies = builtImage(s.Build, opts)
	if b := c.Built; b != nil && !s.Entrypoint.Set() && !s.Command.Set() && len(b.Entrypoint)+len(b.Cmd) > 0 {
		// The image's own ENTRYPOINT and CMD, from the Dockerfile the service builds: at
		// the build: key, where the service says where they come from.
		c.Command, c.Args = b.Entrypoint, b.Cmd
		c.CommandFrom = "CMD"
		if len(b.Entrypoint) > 0 {
			c.CommandFrom = "ENTRYPOINT"
			if len(b.Cmd) > 0 {
				c.CommandFrom += " and CMD"
			}
		}
		c.CommandFrom += " in " + builtDockerfile(s.Build, b)
		for range len(b.Entrypoint) + len(b.Cmd) {
			c.ArgPos = append(c.ArgPos, b.Pos)
		}
	}
	if b := c.Built; b != nil && !s.Entrypoint.Set() && s.Command.Set() && !s.Command.Null && len(b.Entrypoint) > 0 {
		// command: replaces the image's CMD only; its ENTRYPOINT still runs, with the
		// command as its arguments (Compose specification, command).
		c.Command = b.Entrypoint
		c.CommandFrom = "ENTRYPOINT in " + builtDockerfile(s.Build, b) + " and the service's command:"
		for range b.Entrypoint {
			c.ArgPos = append(c.ArgPos, b.Pos)
		}
		for range s.Command.Args.Value {
			c.ArgPos = append(c.ArgPos, s.Command.Args.Pos)
		}
	}
	if s.Entrypoint.Set() && !s.Entrypoint.Null {
		c.Command = s.Entrypoint.Args.Value
	}
	if s.Command.Set() && !s.Command.Null {
		c.Args = s.Command.Args.Value
	}
	if len(c.ArgPos) == 0 && len(c.Command)+len(c.Args) > 0 {
		for range c.Command {
			c.ArgPos = append(c.ArgPos, s.Entrypoint.Args.Pos)
		}
		for range c.Args {
			c.ArgPos = append(c.ArgPos, s.Command.Args.Pos)
		}
	}
	for _, p := range s.Ports {
		if p.Target > 0 {
			c.Ports = append(c.Ports, parsers.ContainerPort{Port: p.Target, Protocol: p.Protocol, Pos: p.Pos})
		}
	}
	for _, e := range s.Expose {
		port, proto, _ := strings.Cut(e.Value, "/")
		if n, err := strconv.Atoi(port); err == nil && !e.Unknown {
			c.Ports = append(c.Ports, parsers.ContainerPort{Port: n, Protocol: proto, Pos: e.Pos})
		}
	}
	c.Readiness = healthProbe(s.Healthcheck)
	w.Containers = []*parsers.Container{c}

	cs := &parsers.ComposeService{
		NetworkMode:       s.NetworkMode,
		ContainerName:     s.ContainerName,
		ExtraHosts:        s.ExtraHosts,
		DeployMode:        s.DeployMode,
		EndpointMode:      s.EndpointMode,
		Profiles:          knownValues(s.Profiles),
		StopSignal:        s.StopSignal,
		UpdateOrder:       s.UpdateConfig.Order,
		UpdateParallelism: s.UpdateConfig.Parallelism,
		Healthcheck: parsers.ComposeHealthcheck{
			Pos: s.Healthcheck.Pos, Kind: string(s.Healthcheck.Kind), Test: s.Healthcheck.Test,
			Interval: s.Healthcheck.Interval, Timeout: s.Healthcheck.Timeout, StartPeriod: s.Healthcheck.StartPeriod,
			Retries: s.Healthcheck.Retries, Disable: s.Healthcheck.Disable,
		},
	}
	if !s.NetworkMode.Pos.IsValid() && !s.NetworkMode.Unknown {
		if len(s.Networks) == 0 {
			cs.Networks = []parsers.ComposeNetwork{{Name: "default"}}
		}
		for _, n := range s.Networks {
			net := parsers.ComposeNetwork{Name: n.Name, Static: n.Static}
			for _, a := range n.Aliases {
				if a.Known() {
					net.Aliases = append(net.Aliases, a.Value)
				}
			}
			cs.Networks = append(cs.Networks, net)
		}
	}
	for _, v := range s.Volumes {
		switch {
		case v.Type == MountBind && v.HostPath != "":
			cs.Mounts = append(cs.Mounts, parsers.ComposeMount{Path: disp(v.HostPath), Target: v.Target.Value, Pos: v.Pos})
		case v.Type == MountVolume && v.Source.Known() && v.Source.Value != "" && !v.ReadOnly:
			cs.DataVolumes = append(cs.DataVolumes, parsers.ComposeMount{Path: v.Source.Value, Target: v.Target.Value, Pos: v.Pos})
		}
	}
	for _, f := range s.Configs {
		if f.HostPath != "" {
			cs.Mounts = append(cs.Mounts, parsers.ComposeMount{Path: disp(f.HostPath), Target: f.Target.Value, Pos: f.Pos})
		}
	}
	if b := c.Built; b != nil {
		// A config the Dockerfile copies into the image (COPY nginx.conf
		// /etc/nginx/conf.d/) runs there as a bind-mounted one would, unless a volume or
		// config the service mounts covers its path: the mount hides the image's file.
		for _, mt := range b.ConfigCopies {
			if !mountedOver(s, mt.Target) {
				cs.Mounts = append(cs.Mounts, parsers.ComposeMount{Path: disp(mt.Path), Target: mt.Target, Pos: mt.Pos})
			}
		}
		// A Caddyfile copied elsewhere runs where the command starts Caddy with it
		// (caddy run --config /srv/Caddyfile).
		for _, mt := range caddyFlagCopies(s, c, copies) {
			cs.Mounts = append(cs.Mounts, parsers.ComposeMount{Path: disp(mt.Path), Target: mt.Target, Pos: mt.Pos})
		}
	}
	for _, l := range s.Links {
		if !l.Known() {
			continue
		}
		svc, alias, ok := strings.Cut(l.Value, ":")
		if !ok {
			alias = svc
		}
		if svc != "" && alias != "" {
			if cs.Links == nil {
				cs.Links = map[string]string{}
			}
			cs.Links[strings.ToLower(alias)] = svc
		}
	}
	for _, d := range s.DependsOn {
		cs.DependsOn = append(cs.DependsOn, parsers.ComposeDependency{Service: d.Service, Pos: d.Pos, Condition: d.Condition, Restart: d.Restart})
	}
	for _, p := range s.Ports {
		if p.Published != "" && !p.Unknown {
			cs.Published = append(cs.Published, parsers.Set(p.Published, p.Pos, p.Text))
		}
	}
	sort.SliceStable(cs.Mounts, func(i, j int) bool { return cs.Mounts[i].Path < cs.Mounts[j].Path })
	var binds []parsers.ComposeMount
	for _, v := range s.Volumes {
		if v.Type == MountBind && v.HostPath != "" && !v.Target.Unknown {
			binds = append(binds, parsers.ComposeMount{Path: v.HostPath, Target: v.Target.Value})
		}
	}
	cs.Scripts = startScripts(c, binds, copies, opts)
	c.StartScript = entryScript(c, binds, copies, opts)
	w.Compose = cs
	return w
}

// healthProbe describes a healthcheck with a command of its own as the model's probe: an
// exec probe (a CMD-SHELL test runs as /bin/sh -c), checked every interval, failing after
// retries failures. nil when the healthcheck is the image's, or disabled.
func healthProbe(h Healthcheck) *parsers.Probe {
	if !h.Test.Pos.IsValid() || h.Test.Unknown || (h.Disable.Known() && h.Disable.Value) {
		return nil
	}
	var cmd []string
	switch h.Kind {
	case HealthCmd:
		cmd = h.Test.Value
	case HealthCmdShell:
		cmd = append([]string{"/bin/sh", "-c"}, h.Test.Value...)
	default:
		return nil
	}
	return &parsers.Probe{
		Pos:              h.Pos,
		Handler:          "exec",
		Command:          cmd,
		InitialDelay:     h.StartPeriod,
		Period:           h.Interval,
		Timeout:          h.Timeout,
		FailureThreshold: h.Retries,
		SuccessThreshold: parsers.Def(1, "Docker: one success makes a container healthy"),
	}
}

// serviceBlock is the byte range of a service's mapping in block-style YAML: from the
// line of its key to the next line indented no deeper than the key (comments and blank
// lines do not end it). The graph marks a service that has a finding anywhere inside.
func serviceBlock(key parsers.Pos, src []byte) parsers.Pos {
	start := int(key.Offset)
	if !key.IsValid() || start < 0 || start > len(src) {
		return parsers.Pos{File: key.File}
	}
	lineStart := start
	for lineStart > 0 && src[lineStart-1] != '\n' {
		lineStart--
	}
	indent := start - lineStart
	end := len(src)
	i := start
	for i < len(src) && src[i] != '\n' {
		i++
	}
	for i < len(src) {
		next := i + 1
		j := next
		for j < len(src) && src[j] == ' ' {
			j++
		}
		if j >= len(src) {
			break
		}
		if src[j] != '\n' && src[j] != '\r' && src[j] != '#' && j-next <= indent {
			end = next
			break
		}
		i = j
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	return parsers.ByteRange(key.File, lineStart, end)
}

// builtDockerfile names the Dockerfile a service builds as messages show it: its path
// under the build context as the compose file writes it (app/Dockerfile).
func builtDockerfile(build *Build, b *parsers.BuiltImage) string {
	if build != nil && build.Context.Known() && !path.IsAbs(b.Dockerfile) {
		return path.Join(build.Context.Value, b.Dockerfile)
	}
	return b.Dockerfile
}
