package compose

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Options configure Load.
type Options struct {
	parsers.Options
	// ProjectDir is the directory relative paths and the .env file resolve against
	// (docker compose --project-directory); default: the directory of the first file.
	ProjectDir string
	// Env holds variables set explicitly; they win over the .env file. The process
	// environment is never read (see the package documentation).
	Env map[string]string
	// NoDotEnv skips the .env file (tests that want Env alone).
	NoDotEnv bool
}

// Project is a set of compose files merged as docker compose merges them.
type Project struct {
	// Files are the display paths of the files merged, base first (extends and include
	// targets are not listed).
	Files []string
	// Dir is the absolute project directory.
	Dir string
	// Name is the top-level name: attribute (unknown when absent).
	Name parsers.Setting[string]
	// Services, sorted by name.
	Services []*Service
	// Top-level resources, by name.
	Networks map[string]*Resource
	Volumes  map[string]*Resource
	Configs  map[string]*Resource
	Secrets  map[string]*Resource
	// DotEnv is the .env file read for interpolation ("" when there was none).
	DotEnv string
	// DefaultProfiles are the profiles COMPOSE_PROFILES enables, as the .env file (or
	// Options.Env) sets it: the services of those profiles start with a plain
	// docker compose up, as the services without profiles do. "*" enables every profile.
	DefaultProfiles []string
	// Diags are problems with the files: YAML errors, merges docker compose refuses,
	// values of the wrong type.
	Diags []parsers.Diag
}

// Service returns the service called name, or nil.
func (p *Project) Service(name string) *Service {
	for _, s := range p.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Load reads, interpolates and merges compose files (base first, then overrides in the
// order docker compose -f would take them) and returns the typed project. It never fails:
// problems are Diags, and whatever could be read is in the project.
func Load(files []parsers.Input, opts Options) *Project {
	p := &Project{Networks: map[string]*Resource{}, Volumes: map[string]*Resource{}, Configs: map[string]*Resource{}, Secrets: map[string]*Resource{}}
	if len(files) == 0 {
		return p
	}
	l := &fileLoader{opts: opts, diags: &p.Diags, decls: map[string][]parsers.Pos{}}
	p.Dir = opts.ProjectDir
	if p.Dir == "" {
		p.Dir = filepath.Dir(absPath(files[0]))
	}
	l.env = &environment{vars: map[string]envVar{}}
	if !opts.NoDotEnv {
		envPath := filepath.Join(p.Dir, ".env")
		if display, src, err := l.read(envPath); err == nil {
			p.DotEnv = display
			l.env = parseDotEnv(newSource(display, p.Dir, src), &p.Diags)
		}
	}
	for k, v := range opts.Env {
		l.env.vars[k] = envVar{val: v}
	}
	if v, ok := l.env.lookup("COMPOSE_PROFILES"); ok {
		// docker compose reads COMPOSE_PROFILES from the project's .env too (a comma
		// separated list); one set only in the shell is not in the files.
		for _, name := range strings.Split(v.val, ",") {
			if name = strings.TrimSpace(name); name != "" {
				p.DefaultProfiles = append(p.DefaultProfiles, name)
			}
		}
	}
	var merged *value
	for _, f := range files {
		p.Files = append(p.Files, f.Path)
		merged = l.file(newSource(f.Path, p.Dir, f.Src), merged, 0)
	}
	buildProject(p, merged)
	for _, s := range p.Services {
		if d := l.decls[s.Name]; len(d) > 0 {
			s.Pos, s.Decls = d[0], d
		}
	}
	return p
}

// absPath is the absolute path of an input (Abs, or Path made absolute).
func absPath(in parsers.Input) string {
	if in.Abs != "" {
		return in.Abs
	}
	if a, err := filepath.Abs(in.Path); err == nil {
		return a
	}
	return in.Path
}

type fileLoader struct {
	opts  Options
	env   *environment
	diags *[]parsers.Diag
	// reading lists the files being read through include and extends, to stop cycles.
	reading []string
	reads   int
	// decls lists the key of each service in every file given, in merge order.
	decls map[string][]parsers.Pos
}

// read reads a file that a compose file refers to (.env, extends, include), within the
// roots being linted.
func (l *fileLoader) read(abs string) (display string, src []byte, err error) {
	if !l.opts.Within(abs) {
		return "", nil, errors.New("outside the paths being linted")
	}
	l.reads++
	if l.reads > l.opts.Includes() {
		return "", nil, errors.New("too many files read through include and extends")
	}
	if l.opts.ReadFile != nil {
		return l.opts.ReadFile(abs)
	}
	src, err = os.ReadFile(abs)
	return abs, src, err
}

// documents decodes the YAML documents of a file into trees (a file may hold several;
// docker compose merges them in order).
func (l *fileLoader) documents(s *source) []*value {
	dec := yaml.NewDecoder(bytes.NewReader(s.src))
	var out []*value
	for i := 0; i < l.opts.Documents(); i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			*l.diags = append(*l.diags, yamlError(s, err))
			break
		}
		b := &builder{src: s, env: l.env, diags: l.diags, budget: maxNodes, maxDepth: l.opts.Depth()}
		v := b.convert(&n, "", 0, 0)
		if v.isNull() {
			continue
		}
		if v.kind != mapKind {
			*l.diags = append(*l.diags, parsers.Errorf(v.pos, "a compose file must be a mapping, not %s", v.describe()))
			continue
		}
		out = append(out, v)
	}
	return out
}

// file reads one compose file and merges it over merged.
func (l *fileLoader) file(s *source, merged *value, depth int) *value {
	for _, doc := range l.documents(s) {
		if depth == 0 {
			for _, k := range keysOf(doc.get("services")) {
				l.decls[k.s] = append(l.decls[k.s], k.pos)
			}
		}
		l.include(s, doc, depth)
		l.extends(s, doc, depth)
		m, err := mergeFile(merged, doc)
		if err != nil {
			*l.diags = append(*l.diags, parsers.Errorf(doc.pos, "%s", strings.TrimPrefix(err.Error(), doc.pos.String()+": ")))
			continue
		}
		merged = m
	}
	return merged
}

// include loads the files of the top-level include: list as projects of their own and
// adds their services and resources; one defined in both is an error, as in docker
// compose.
func (l *fileLoader) include(s *source, doc *value, depth int) {
	inc := doc.get("include")
	if inc == nil {
		return
	}
	doc.del("include")
	for _, it := range asSequence(inc).items {
		var paths []*value
		switch it.kind {
		case scalarKind:
			paths = []*value{it}
		case mapKind:
			paths = asSequence(it.get("path")).items
		}
		var sub *value
		parentEnv := l.env
		l.env = l.includedEnv(it, paths)
		for _, pv := range paths {
			if pv.unknown || pv.str() == "" {
				*l.diags = append(*l.diags, parsers.Notef(pv.pos, "include %s: the path is not known; not read", pv.text))
				continue
			}
			sub = l.readRef(pv, sub, depth)
		}
		l.env = parentEnv
		if sub == nil {
			continue
		}
		for _, section := range []string{"services", "networks", "volumes", "configs", "secrets"} {
			from := sub.get(section)
			if from == nil || from.kind != mapKind {
				continue
			}
			to := doc.get(section)
			if to == nil || to.kind != mapKind {
				to = &value{kind: mapKind, pos: from.pos}
				doc.set(&value{kind: scalarKind, s: section, tag: "!!str", pos: from.pos}, to)
			}
			for i, k := range from.keys {
				if have := to.get(k.s); have != nil && !equal(have, from.vals[i]) {
					*l.diags = append(*l.diags, parsers.Errorf(to.keyOf(k.s).pos, "%s %q is also defined by the included %s (%s)", section, k.s, it.text, k.pos))
					continue
				}
				to.set(k, from.vals[i])
			}
		}
	}
}

// includedEnv is the environment an include: item's files are interpolated with: the
// including project's, and below it (for the variables it does not set) the item's
// env_file, else the .env file of the included project's directory (its
// project_directory, else the directory of its first file), as compose-go's ApplyInclude
// does (loader/include.go: environment.Clone().Merge(envFromFile), Merge keeping the
// values already set). An env_file or project_directory no502 cannot read leaves the
// including project's environment alone.
func (l *fileLoader) includedEnv(it *value, paths []*value) *environment {
	if l.opts.NoDotEnv || len(paths) == 0 {
		return l.env
	}
	var files []string
	if it.kind == mapKind && it.get("env_file") != nil {
		for _, f := range asSequence(it.get("env_file")).items {
			if f.unknown || f.str() == "" {
				return l.env
			}
			if f.s == "/dev/null" {
				continue
			}
			abs := f.s
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(f.dir, abs)
			}
			files = append(files, abs)
		}
	} else {
		first := paths[0]
		if first.unknown || first.str() == "" {
			return l.env
		}
		dir := first.s
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(first.dir, dir)
		}
		dir = filepath.Dir(dir)
		if it.kind == mapKind {
			if pd := it.get("project_directory"); pd != nil {
				if pd.unknown || pd.str() == "" {
					return l.env
				}
				dir = pd.s
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(pd.dir, dir)
				}
			}
		}
		env := filepath.Join(dir, ".env")
		if st, err := os.Stat(env); err != nil || st.IsDir() {
			return l.env
		}
		files = append(files, env)
	}
	out := &environment{vars: maps.Clone(l.env.vars), unknown: l.env.unknown}
	for _, f := range files {
		display, src, err := l.read(f)
		if err != nil {
			return l.env
		}
		fileEnv := parseDotEnv(newSource(display, filepath.Dir(f), src), l.diags)
		for k, v := range fileEnv.vars {
			if _, set := out.vars[k]; !set {
				out.vars[k] = v
			}
		}
	}
	return out
}

// readRef reads a file named by an include or extends path (relative to the directory of
// the file that names it) and merges it over into.
func (l *fileLoader) readRef(pv *value, into *value, depth int) *value {
	abs := pv.s
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(pv.dir, abs)
	}
	for _, r := range l.reading {
		if r == abs {
			*l.diags = append(*l.diags, parsers.Errorf(pv.pos, "%s includes or extends itself", pv.s))
			return into
		}
	}
	if depth >= 20 {
		*l.diags = append(*l.diags, parsers.Errorf(pv.pos, "include and extends nest more than 20 files deep"))
		return into
	}
	display, src, err := l.read(abs)
	if err != nil {
		*l.diags = append(*l.diags, parsers.Notef(pv.pos, "%s: not read: %v", pv.s, err))
		return into
	}
	l.reading = append(l.reading, abs)
	defer func() { l.reading = l.reading[:len(l.reading)-1] }()
	return l.file(newSource(display, filepath.Dir(abs), src), into, depth+1)
}

// extends resolves the extends: of every service of a file: the base service (of the same
// file, or of another file read on its own with its relative paths resolved against its
// own directory) is merged under the service, with the same rules as files.
func (l *fileLoader) extends(s *source, doc *value, depth int) {
	services := doc.get("services")
	if services == nil || services.kind != mapKind {
		return
	}
	done := map[string]bool{}
	var resolve func(name string, chain []string)
	resolve = func(name string, chain []string) {
		if done[name] {
			return
		}
		svc := services.get(name)
		ext := svc.get("extends")
		if ext == nil {
			done[name] = true
			return
		}
		for _, c := range chain {
			if c == name {
				*l.diags = append(*l.diags, parsers.Errorf(ext.pos, "extends cycle: %s", strings.Join(append(chain, name), " -> ")))
				done[name] = true
				return
			}
		}
		ref, file := ext, (*value)(nil)
		if ext.kind == mapKind {
			ref, file = ext.get("service"), ext.get("file")
		}
		var base *value
		switch {
		case ref.str() == "":
			*l.diags = append(*l.diags, parsers.Errorf(ext.pos, "extends of service %q names no service", name))
		case file != nil:
			if file.unknown || file.str() == "" {
				*l.diags = append(*l.diags, parsers.Notef(file.pos, "extends %s: the file is not known; not read", file.text))
				break
			}
			if other := l.readRef(file, nil, depth); other != nil {
				base = other.get("services").get(ref.s)
				if base == nil {
					*l.diags = append(*l.diags, parsers.Errorf(ref.pos, "extends: no service %q in %s", ref.s, file.s))
				}
			}
		default:
			resolve(ref.s, append(chain, name))
			base = services.get(ref.s)
			if base == nil {
				*l.diags = append(*l.diags, parsers.Errorf(ref.pos, "extends: no service %q in %s", ref.s, s.path))
			}
		}
		done[name] = true
		own := svc.shallow()
		own.del("extends")
		if base == nil {
			services.set(services.keyOf(name), own)
			return
		}
		m, err := merge(base, own, []string{"services", name})
		if err != nil {
			*l.diags = append(*l.diags, parsers.Errorf(svc.pos, "extends: %v", err))
			m = own
		}
		services.set(services.keyOf(name), m)
	}
	for _, k := range services.keys {
		resolve(k.s, nil)
	}
}

// yamlError turns a decoder error into a positioned diagnostic.
func yamlError(s *source, err error) parsers.Diag {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	// go-yaml stops at the start of a file that is not UTF-8: point at the byte.
	if strings.Contains(msg, "UTF-8") {
		if off := parsers.InvalidUTF8(s.src); off >= 0 {
			return parsers.Errorf(parsers.CharAt(s.path, s.src, off), "invalid YAML: not UTF-8 (byte 0x%02x)", s.src[off])
		}
	}
	line := 1
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		n := 0
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' && n < 1<<24 {
			n = n*10 + int(rest[j]-'0')
			j++
		}
		if n > 0 {
			line = n
			if k := strings.Index(rest, ": "); k >= 0 {
				msg = rest[k+2:]
			}
		}
	}
	return parsers.Errorf(s.at(line, 1), "invalid YAML: %s", msg)
}
