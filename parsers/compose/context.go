package compose

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
)

// Limits of the look into a build context: the app servers' default config files sit in
// the working directory, which COPY fills from the top of the context; a repository's
// deep trees (node_modules, vendor) are not walked.
const (
	contextDepth   = 3
	contextEntries = 2000
)

// contextConfigFiles are the files an app server reads by default from its working
// directory when its command line names none: gunicorn ./gunicorn.conf.py (gunicorn
// ≥ 19.7's default --config), Puma config/puma.rb and config/puma/<env>.rb.
var contextConfigFiles = []string{"gunicorn.conf.py", "config/puma.rb", "config/puma"}

// skippedDirs are not walked: dependencies and build output hold no app server config.
var skippedDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true,
	"venv": true, ".venv": true, "__pycache__": true, ".tox": true, "site-packages": true}

// builtImage looks into the local build context of a service (nil without one, or when
// it lies outside the paths being linted): which default config files of app servers it
// holds, and which variables its Dockerfile's ENV sets.
//
// copies are the context's files and directories the Dockerfile copies to an absolute
// path (Path absolute on the host, Target in the image), for the scripts the container
// may run at start (startScripts).
func builtImage(b *Build, opts parsers.Options) (img *parsers.BuiltImage, copies []parsers.ComposeMount) {
	if b == nil || b.ContextDir == "" || !opts.Within(b.ContextDir) {
		return nil, nil
	}
	st, err := os.Stat(b.ContextDir)
	if err != nil || !st.IsDir() {
		return nil, nil
	}
	img = &parsers.BuiltImage{Pos: b.Pos, Dockerfile: "Dockerfile", Env: map[string]bool{}}
	var sources []string
	img.Files, sources = configFiles(b.ContextDir)
	img.NodeKeepAlive = nodeKeepAlive(b.ContextDir, sources, opts)
	dockerfile := filepath.Join(b.ContextDir, "Dockerfile")
	if b.Dockerfile.Known() && b.Dockerfile.Value != "" {
		img.Dockerfile = b.Dockerfile.Value
		dockerfile = b.Dockerfile.Value
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(b.ContextDir, dockerfile)
		}
	}
	if opts.Within(dockerfile) && !b.Inline {
		src, err := readSmall(dockerfile, opts)
		if err != nil && !(b.Dockerfile.Known() && b.Dockerfile.Value != "") {
			// Without build.dockerfile, a context holding no Dockerfile but a
			// dockerfile builds that one (moby/moby#10858, moby/buildkit#1816,
			// docker/buildx#444: the lower-case name is the fallback).
			lower := filepath.Join(b.ContextDir, "dockerfile")
			if src, err = readSmall(lower, opts); err == nil {
				img.Dockerfile = "dockerfile"
			}
		}
		if err == nil {
			for _, name := range dockerfileEnv(src) {
				img.Env[name] = true
			}
			img.From = dockerfileFrom(src)
			if !b.Target.Unknown && (b.Target.Value == "" || strings.EqualFold(b.Target.Value, lastStage(src))) {
				// With build.target another stage than the last one is the image; a
				// target naming the last stage builds the image a build without one
				// builds (stage names are case-insensitive).
				img.Entrypoint, img.Cmd, img.StopSignal, img.InheritsCommand = dockerfileCommandOf(src)
				img.Runs = dockerfileRuns(src)
				img.ConfigCopies = contextCopies(b, dockerfileConfigCopies(src, b.Args, b.ArgsUnknown), opts)
				copies = contextCopies(b, dockerfileCopies(src, path.IsAbs, b.Args, b.ArgsUnknown), opts)
			}
		}
	}
	return img, copies
}

// contextCopies places the copies a Dockerfile of build b writes: the source as an
// absolute host path in the context (sources outside the linted paths are left out), the
// destination cleaned. A file copied to a directory destination (written with a trailing
// slash) lands there under its own name; a directory's contents land in the destination
// itself.
func contextCopies(b *Build, cs []parsers.ComposeMount, opts parsers.Options) []parsers.ComposeMount {
	var out []parsers.ComposeMount
	for _, c := range cs {
		abs := filepath.Join(b.ContextDir, filepath.FromSlash(c.Path))
		if !opts.Within(abs) {
			continue
		}
		target := path.Clean(c.Target)
		if strings.HasSuffix(c.Target, "/") {
			if st, err := os.Stat(abs); err == nil && !st.IsDir() {
				target = path.Join(target, path.Base(c.Path))
			}
		}
		out = append(out, parsers.ComposeMount{Path: abs, Target: target, Pos: b.Pos})
	}
	return out
}

// entrypointDir is where the official nginx image keeps the scripts its entrypoint runs
// before nginx (template rendering among them); a service's own script goes there too.
const entrypointDir = "/docker-entrypoint.d"

// startScripts returns the texts of the scripts c may run at start that the files show:
// a file the service bind-mounts or its Dockerfile copies to a path its entrypoint or
// command names, or into /docker-entrypoint.d/ (a directory copied there: its files).
// What a script does is not modelled; a template it renders is named in it.
func startScripts(c *parsers.Container, mounts, copies []parsers.ComposeMount, opts parsers.Options) []string {
	named := map[string]bool{}
	for _, a := range append(slices.Clone(c.Command), c.Args...) {
		for _, w := range strings.FieldsFunc(a, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == ';' || r == '&' || r == '|' || r == '"' || r == '\''
		}) {
			if path.IsAbs(w) {
				named[path.Clean(w)] = true
			}
		}
	}
	var out []string
	read := func(abs string) {
		if len(out) >= 20 || !opts.Within(abs) {
			return
		}
		if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() || st.Size() > 64<<10 {
			return
		}
		if src, err := readSmall(abs, opts); err == nil {
			out = append(out, string(src))
		}
	}
	for _, m := range append(slices.Clone(copies), mounts...) {
		abs := m.Path
		t := path.Clean(m.Target)
		switch {
		case named[t] || path.Dir(t) == entrypointDir:
			read(abs)
		case t == entrypointDir:
			entries, err := os.ReadDir(abs)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if e.Type().IsRegular() {
					read(filepath.Join(abs, e.Name()))
				}
			}
		}
	}
	return out
}

// dockerfileCommand returns the ENTRYPOINT and CMD the Dockerfile's last stage runs:
// the exec form's words, the shell form as /bin/sh -c "..." (Docker's default shell).
// An ENTRYPOINT written in a stage clears the CMD it would inherit. A stage that starts
// FROM an earlier stage of the same file inherits that stage's ENTRYPOINT, CMD, SHELL and
// STOPSIGNAL, as from any base image; one FROM another image starts with nothing known
// (its image's, which no file shows). Both are nil when the file changes its escape
// character or the stage its SHELL (what runs the shell form), or a form cannot be read.
// stopSignal is the stage's STOPSIGNAL ("" when neither it nor a stage it builds on
// writes one).
func dockerfileCommand(src []byte) (entrypoint, cmd []string, stopSignal string) {
	entrypoint, cmd, stopSignal, _ = dockerfileCommandOf(src)
	return entrypoint, cmd, stopSignal
}

// dockerfileCommandOf is dockerfileCommand, and inherits: the last stage writes neither
// ENTRYPOINT nor CMD (nor a stage it builds on), and the file can be read (no changed
// escape character or SHELL), so the container runs the base image's own.
func dockerfileCommandOf(src []byte) (entrypoint, cmd []string, stopSignal string, inherits bool) {
	type stage struct {
		entrypoint, cmd []string
		epSet, cmdSet   bool
		unreadable      bool
		stopSignal      string
	}
	var cur stage
	cmdInStage := false
	stages := map[string]stage{}
	name := ""
	flush := func(line string) {
		inst, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(inst) {
		case "FROM":
			if name != "" {
				stages[name] = cur
			}
			var from string
			from, name = fromStage(rest)
			cur, cmdInStage = stage{}, false
			if base, ok := stages[from]; ok {
				cur = base
			}
		case "STOPSIGNAL":
			cur.stopSignal = rest
		case "SHELL":
			cur.unreadable = true
		case "ENTRYPOINT", "CMD":
			words, ok := dockerfileWords(rest)
			if !ok {
				cur.unreadable = true
			}
			if strings.EqualFold(inst, "CMD") {
				cur.cmd, cur.cmdSet, cmdInStage = words, true, true
			} else {
				cur.entrypoint, cur.epSet = words, true
				if !cmdInStage {
					cur.cmd, cur.cmdSet = nil, false
				}
			}
		}
	}
	lines, escape := dockerfileLines(src)
	if escape {
		return nil, nil, "", false
	}
	for _, line := range lines {
		flush(line)
	}
	if cur.unreadable || !cur.epSet && !cur.cmdSet {
		return nil, nil, cur.stopSignal, !cur.unreadable && !cur.epSet && !cur.cmdSet
	}
	return cur.entrypoint, cur.cmd, cur.stopSignal, false
}

// configDirs are where the proxies' and php-fpm's images read their configuration: a
// file the Dockerfile copies there from the context runs in the container as one
// bind-mounted there would (nginx and its templates/ rendered at start, Caddy's
// Caddyfile, OpenResty's and Bitnami's nginx, the php-fpm pools).
var configDirs = []string{"/etc/nginx", "/etc/caddy", "/usr/local/openresty/nginx/conf", "/opt/bitnami/nginx/conf",
	"/usr/local/etc/php-fpm.d", "/usr/local/etc/php-fpm.conf", "/etc/php"}

// dockerfileConfigCopies returns the COPY and ADD instructions of the Dockerfile's last
// stage, and of the stages of the same file it builds on, whose destination is one of
// configDirs: Path the source as written, relative to the context (a slash path), Target
// the destination as written (builtImage adds a file's name to a directory destination).
// A relative destination is placed under the stage's WORKDIR (WORKDIR /etc/caddy, COPY
// Caddyfile ./Caddyfile), when the file sets an absolute one in that stage or a stage of
// the file it builds on (see workdir). Copies from another stage or image (--from),
// sources with wildcards or URLs, and relative destinations under a working directory
// the file does not show (the base image's) are left out: what they copy is not a file
// of the context the name says, or not known to land there.
//
// A build argument in a source or the destination ($NAME or ${NAME}) is replaced by its
// value when the stage declares it with ARG: the build.args value compose passes (args,
// argsUnknown: Build.Args), else the ARG's default, else the default of a global ARG
// (before the first FROM) of that name, which a bare ARG in the stage takes over
// (AzehLM/ft_transcendence: ARG CADDY_CONFIG=Caddyfile, COPY ${CADDY_CONFIG}
// /etc/caddy/Caddyfile, build.args CADDY_CONFIG=./infra/caddy/Caddyfile). A copy is
// left out when a name has no known value: not declared in the stage (an argument's scope
// is the stage declaring it), set by an ENV of the file (ENV takes over ARG), a default
// that refers to another variable, an argument without a value, or another form of
// substitution (${NAME:-word}).
func dockerfileConfigCopies(src []byte, args map[string]parsers.Setting[string], argsUnknown bool) []parsers.ComposeMount {
	return dockerfileCopies(src, inConfigDir, args, argsUnknown)
}

// inConfigDir reports whether dest lies in one of configDirs.
func inConfigDir(dest string) bool {
	for _, d := range configDirs {
		if clean := path.Clean(dest); clean == d || strings.HasPrefix(clean, d+"/") {
			return true
		}
	}
	return false
}

// dockerfileCopies is dockerfileConfigCopies for the destinations keep accepts.
func dockerfileCopies(src []byte, keep func(dest string) bool, args map[string]parsers.Setting[string], argsUnknown bool) []parsers.ComposeMount {
	lines, escape := dockerfileLines(src)
	if escape {
		return nil
	}
	envSet := map[string]bool{}
	for _, name := range dockerfileEnv(src) {
		envSet[name] = true
	}
	// argValue is what a declared argument holds; known false when that is not known.
	type argValue struct {
		value string
		known bool
	}
	global := map[string]argValue{}
	var stageArgs map[string]argValue
	declare := func(decl string, scope map[string]argValue, inStage bool) {
		name, def, hasDef := strings.Cut(decl, "=")
		if !envName(name) {
			return
		}
		var v argValue // unknown until a value is found
		a, passed := args[name]
		g, isGlobal := global[name]
		switch {
		case argsUnknown:
		case passed:
			v = argValue{a.Value, !a.Unknown}
		case hasDef:
			def = unquoteArg(def)
			v = argValue{def, !strings.ContainsAny(def, "$\\")}
		case inStage && isGlobal:
			v = g // a bare ARG in a stage takes the global one's value over
		}
		scope[name] = v
	}
	expand := func(s string) (string, bool) {
		if !strings.ContainsAny(s, "$\\") {
			return s, true
		}
		if stageArgs == nil || strings.Contains(s, "\\") {
			return "", false
		}
		var out strings.Builder
		for i := 0; i < len(s); {
			if s[i] != '$' {
				out.WriteByte(s[i])
				i++
				continue
			}
			var name string
			if strings.HasPrefix(s[i+1:], "{") {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return "", false
				}
				name, i = s[i+2:i+end], i+end+1
			} else {
				j := i + 1
				for j < len(s) && envName(s[i+1:j+1]) {
					j++
				}
				name, i = s[i+1:j], j
			}
			v, declared := stageArgs[name]
			if !envName(name) || !declared || !v.known || envSet[name] || v.value == "" {
				return "", false
			}
			out.WriteString(v.value)
		}
		return out.String(), true
	}
	var cur []parsers.ComposeMount
	stages := map[string][]parsers.ComposeMount{}
	// wd is the stage's working directory, "" while not known: a stage built on an
	// image (not on an earlier stage of the file) has that image's, which no file shows,
	// until a WORKDIR sets an absolute one.
	wd := ""
	stageWD := map[string]string{}
	name := ""
	for _, line := range lines {
		inst, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(inst) {
		case "FROM":
			if name != "" {
				stages[name] = cur
				stageWD[name] = wd
			}
			var from string
			from, name = fromStage(rest)
			cur = append([]parsers.ComposeMount(nil), stages[from]...)
			wd = stageWD[from]
			stageArgs = map[string]argValue{}
		case "WORKDIR":
			wd = workdir(wd, rest, expand)
		case "ARG":
			scope, inStage := global, stageArgs != nil
			if inStage {
				scope = stageArgs
			}
			for _, decl := range strings.Fields(rest) {
				declare(decl, scope, inStage)
			}
		case "COPY", "ADD":
			cur = append(cur, copyTo(rest, wd, keep, expand)...)
		}
	}
	return cur
}

// unquoteArg takes the quotes off an ARG default written in them (ARG A="x").
func unquoteArg(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// dockerfileRuns returns the commands of the RUN instructions of the Dockerfile's last
// stage and of the stages of the same file it builds on, as written after RUN (flags
// such as --mount kept): what they do to the image's files is not modelled, but a RUN
// that renders a template (RUN envsubst < x.conf.template > x.conf) names it.
func dockerfileRuns(src []byte) []string {
	lines, escape := dockerfileLines(src)
	if escape {
		return nil
	}
	var cur []string
	stages := map[string][]string{}
	name := ""
	for _, line := range lines {
		inst, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(inst) {
		case "FROM":
			if name != "" {
				stages[name] = cur
			}
			var from string
			from, name = fromStage(strings.TrimSpace(rest))
			cur = append([]string(nil), stages[from]...)
		case "RUN":
			cur = append(cur, strings.TrimSpace(rest))
		}
	}
	return cur
}

// fromStage reads a FROM line's arguments (after FROM): the image or earlier stage it
// builds on and the name it gives its stage (AS name), both lower-cased as Docker compares
// stage names; "" for either when not written. Flags (--platform=...) are skipped.
func fromStage(rest string) (from, name string) {
	args := strings.Fields(rest)
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		args = args[1:]
	}
	if len(args) > 0 {
		from = strings.ToLower(args[0])
	}
	if len(args) == 3 && strings.EqualFold(args[1], "AS") {
		name = strings.ToLower(args[2])
	}
	return from, name
}

// workdir is the working directory after `WORKDIR rest` in one that was wd ("" when not
// known): an absolute path, or a relative one under a known wd, with build arguments
// replaced as in a COPY (expand); "" when the result is not known (a variable with no
// known value, an ENV variable, quotes).
func workdir(wd, rest string, expand func(string) (string, bool)) string {
	d, ok := expand(rest)
	if !ok || d == "" || strings.ContainsAny(d, "\"' \t$") {
		return ""
	}
	if path.IsAbs(d) {
		return path.Clean(d)
	}
	if wd == "" {
		return ""
	}
	return path.Join(wd, d)
}

// underWorkdir places a COPY's relative destination dest under the working directory wd.
// It stays a directory destination when written as one: a trailing slash, or "." or ".."
// as its last element (COPY Caddyfile . copies into the working directory under the
// file's name).
func underWorkdir(wd, dest string) string {
	out := path.Join(wd, dest)
	last := dest[strings.LastIndex(dest, "/")+1:]
	if strings.HasSuffix(dest, "/") || last == "." || last == ".." {
		out = strings.TrimSuffix(out, "/") + "/"
	}
	return out
}

// copyTo reads the arguments of one COPY or ADD (flags, sources, destination; the JSON
// form too) and returns the sources it copies to a destination keep accepts, with the
// build arguments in them replaced by expand (false: not known, the source or the whole
// copy left out). A relative destination is under wd, the stage's working directory;
// left out when wd is "" (not known).
func copyTo(rest, wd string, keep func(dest string) bool, expand func(string) (string, bool)) []parsers.ComposeMount {
	var args []string
	for strings.HasPrefix(rest, "--") {
		flag, more, _ := strings.Cut(rest, " ")
		if strings.HasPrefix(flag, "--from") {
			return nil // another stage's or image's files
		}
		rest = strings.TrimSpace(more)
	}
	if strings.HasPrefix(rest, "[") {
		if json.Unmarshal([]byte(rest), &args) != nil {
			return nil
		}
	} else {
		args = strings.Fields(rest)
	}
	if len(args) < 2 {
		return nil
	}
	dest, ok := expand(args[len(args)-1])
	if ok && !path.IsAbs(dest) && wd != "" {
		dest = underWorkdir(wd, dest)
	}
	if !ok || !path.IsAbs(dest) {
		return nil
	}
	if !keep(dest) {
		return nil
	}
	var out []parsers.ComposeMount
	for _, s := range args[:len(args)-1] {
		s, ok := expand(s)
		if !ok || strings.ContainsAny(s, "*?[$") || strings.Contains(s, "://") {
			continue
		}
		rel := path.Clean(strings.TrimPrefix(s, "/"))
		if rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		out = append(out, parsers.ComposeMount{Path: rel, Target: dest})
	}
	return out
}

// dockerfileWords reads the words of an ENTRYPOINT or CMD: a JSON array of strings (the
// exec form), else the shell form run by /bin/sh -c.
func dockerfileWords(rest string) ([]string, bool) {
	if strings.HasPrefix(rest, "[") {
		var words []string
		if json.Unmarshal([]byte(rest), &words) == nil {
			return words, true
		}
		// Not JSON: Docker runs the line as a shell form.
	}
	if rest == "" {
		return nil, false
	}
	return []string{"/bin/sh", "-c", rest}, true
}

func readSmall(abs string, opts parsers.Options) ([]byte, error) {
	if opts.ReadFile != nil {
		_, src, err := opts.ReadFile(abs)
		return src, err
	}
	return os.ReadFile(abs)
}

// configFiles lists the app servers' default config files in dir, as slash paths
// relative to it, down to contextDepth directories, and the package.json and JavaScript
// or TypeScript sources beside them.
func configFiles(dir string) (out, sources []string) {
	seen := 0
	var walk func(abs, rel string, depth int)
	walk = func(abs, rel string, depth int) {
		entries, err := os.ReadDir(abs)
		if err != nil {
			return
		}
		for _, e := range entries {
			if seen++; seen > contextEntries {
				return
			}
			name := e.Name()
			p := path.Join(rel, name)
			for _, want := range contextConfigFiles {
				if p == want || strings.HasSuffix(p, "/"+want) {
					out = append(out, p)
				}
			}
			if e.Type().IsRegular() && springConfig(name) {
				out = append(out, p)
			}
			if e.Type().IsRegular() && (name == "package.json" || nodeSource(name)) {
				sources = append(sources, p)
			}
			if e.IsDir() && depth < contextDepth && !skippedDirs[name] {
				walk(filepath.Join(abs, name), p, depth+1)
			}
		}
	}
	walk(dir, "", 0)
	return out, sources
}

// springConfig reports whether a file is a Spring Boot application config
// (application.yml, application-prod.properties), which the jar built from the context
// carries.
func springConfig(name string) bool {
	base, ok := strings.CutPrefix(name, "application")
	if !ok {
		return false
	}
	ext := path.Ext(base)
	switch ext {
	case ".yml", ".yaml", ".properties":
	default:
		return false
	}
	base = strings.TrimSuffix(base, ext)
	return base == "" || strings.HasPrefix(base, "-")
}

// SpringConfigFile is how BuiltImage.Files names a Spring Boot application config: its
// own path, matched by HasSpringConfig.
//
// nodeSource reports whether a file is JavaScript or TypeScript source (not a test).
func nodeSource(name string) bool {
	switch path.Ext(name) {
	case ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts":
		return !strings.Contains(name, ".test.") && !strings.Contains(name, ".spec.") && !strings.HasSuffix(name, ".d.ts")
	}
	return false
}

// Limits of what nodeKeepAlive reads.
const (
	nodeSources    = 300
	nodeSourceSize = 512 << 10
)

// nodeKeepAlive says where a Node app built from dir may set its server's keep-alive
// itself, so that Node's default is not what it runs with: Fastify (keepAliveTimeout 72s
// by default) among a package.json's dependencies, or a source or a package.json script
// that sets keepAliveTimeout (next start --keepAliveTimeout). "" when nothing is seen.
func nodeKeepAlive(dir string, files []string, opts parsers.Options) string {
	read := 0
	for _, f := range files {
		if read >= nodeSources {
			break
		}
		abs := filepath.Join(dir, filepath.FromSlash(f))
		if st, err := os.Stat(abs); err != nil || st.Size() > nodeSourceSize || !opts.Within(abs) {
			continue
		}
		read++
		src, err := readSmall(abs, opts)
		if err != nil {
			continue
		}
		if path.Base(f) == "package.json" {
			if bytes.Contains(src, []byte("keepAliveTimeout")) {
				// A script that passes it on (next start --keepAliveTimeout 65000).
				return "keepAliveTimeout in " + f
			}
			var pkg struct {
				Dependencies map[string]any `json:"dependencies"`
			}
			if json.Unmarshal(src, &pkg) == nil {
				for dep := range pkg.Dependencies {
					if dep == "fastify" || dep == "@nestjs/platform-fastify" {
						return dep + " in " + f
					}
				}
			}
			continue
		}
		if bytes.Contains(src, []byte("keepAliveTimeout")) {
			return "keepAliveTimeout in " + f
		}
	}
	return ""
}

// dockerfileEnv returns the names of the variables a Dockerfile's ENV instructions set
// (ENV KEY=value KEY2=value, or the old ENV KEY value), in any stage.
func dockerfileEnv(src []byte) []string {
	var names []string
	lines, _ := dockerfileLines(src)
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.EqualFold(fields[0], "ENV") {
			continue
		}
		if !strings.Contains(fields[1], "=") {
			names = append(names, fields[1]) // ENV KEY value
			continue
		}
		for _, f := range fields[1:] {
			if k, _, ok := strings.Cut(f, "="); ok && envName(k) {
				names = append(names, k)
			}
		}
	}
	return names
}

// dockerfileLines returns a Dockerfile's instructions, one logical line each (lines
// continued with a trailing backslash joined, trimmed; comments and blank lines left
// out), and whether a comment is an escape directive (# escape=`), which changes what
// continues a line.
func dockerfileLines(src []byte) (lines []string, escape bool) {
	var logical strings.Builder
	flush := func() {
		if line := strings.TrimSpace(logical.String()); line != "" {
			lines = append(lines, line)
		}
		logical.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") {
			if d := strings.ToLower(strings.ReplaceAll(t, " ", "")); strings.HasPrefix(d, "#escape=") {
				escape = true
			}
			continue
		}
		if cont, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), `\`); ok {
			logical.WriteString(cont + " ")
			continue
		}
		logical.WriteString(line)
		flush()
	}
	flush()
	return lines, escape
}

// envName reports whether s is a variable name (letters, digits, underscores).
func envName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// dockerfileFrom returns the image the Dockerfile's last stage starts from, "" when it
// is a variable (FROM ${BASE}) or another stage of the same file.
func dockerfileFrom(src []byte) string {
	from := ""
	stages := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		args := f[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:] // --platform=...
		}
		if len(args) == 0 {
			continue
		}
		from = args[0]
		if strings.Contains(from, "$") || stages[strings.ToLower(from)] {
			from = ""
		}
		if len(args) == 3 && strings.EqualFold(args[1], "AS") {
			stages[strings.ToLower(args[2])] = true
		}
	}
	return from
}

// lastStage is the name of the Dockerfile's last stage (FROM ... AS name), lower case; ""
// when it has none or the file cannot be read (a changed escape character).
func lastStage(src []byte) string {
	lines, escape := dockerfileLines(src)
	if escape {
		return ""
	}
	name := ""
	for _, line := range lines {
		inst, rest, _ := strings.Cut(line, " ")
		if strings.EqualFold(inst, "FROM") {
			_, name = fromStage(strings.TrimSpace(rest))
		}
	}
	return name
}
