package load

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/link"
)

// Options configure a load.
type Options struct {
	// Cwd is the directory display paths are relative to (default: the process's).
	Cwd string
	// Ignored reports whether a file, by absolute path, is excluded (.no502.yaml ignore
	// globs).
	Ignored func(abs string) bool
	// Parse is the options handed to every format parser (nginx version, var files, ...).
	Parse parsers.Options
	// MaxFileSize: bigger files are skipped with a note (default 10 MiB, at most 2 GiB).
	MaxFileSize int64
	// MaxFiles bounds how many files one run discovers (default 100000).
	MaxFiles int
	// Stdin, when set, is linted as the file named StdinName (editors pipe buffers).
	Stdin     []byte
	StdinName string
	// Overlay holds file contents by absolute path that replace what is on disk: lint
	// --fix and --diff lint the fixed sources again before anything is written.
	Overlay map[string][]byte
	// Walked are the directories a run of named files stands for (a directory run split
	// by the configs that govern its files, lint.splitByConfig): roots, as the
	// directories of a directory run are, for includes and for what --fix may write.
	Walked []string
}

// Result is what a load produced.
type Result struct {
	Model *parsers.Model
	// Files is the number of files linted (discovered and read, not counting includes).
	Files int
	// Explicit holds the display paths named on the command line when files (not
	// directories) were given; findings are reported only for them. Nil means report
	// everything.
	Explicit map[string]bool
	// Roots are the directories linted: each directory given, and the directory of each
	// file given. Includes are followed, and lint --fix writes, only inside them.
	Roots []string
	// Configs are the .no502.yaml files found in the directories walked (absolute).
	Configs []string
}

// ParseFunc is a format parser's entry point.
type ParseFunc func(inputs []parsers.Input, opts parsers.Options) *parsers.Model

// formats maps a format name to its parser; formats.go fills it.
var formats = map[string]ParseFunc{}

// Load discovers the files under paths, reads each once, and parses them. It returns an
// error only when a path given cannot be read at all.
func Load(paths []string, opts Options) (*Result, error) {
	w, err := newWalker(&opts)
	if err != nil {
		return nil, err
	}
	cwd := w.cwd
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 10 << 20
	}
	if opts.MaxFileSize > math.MaxInt32 {
		opts.MaxFileSize = math.MaxInt32 // positions are 32-bit (parsers.Pos)
	}
	res := &Result{Model: &parsers.Model{}}
	var roots []string
	explicitFiles := false
	for _, p := range paths {
		abs := w.abs(p)
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, unwrapPathErr(err))
		}
		if st.IsDir() {
			roots = append(roots, abs)
			if err := w.walk(abs); err != nil {
				return nil, fmt.Errorf("%s: %v", p, unwrapPathErr(err))
			}
			continue
		}
		// A file given by name: its directory is a root for includes, so a pre-commit
		// run on one file still sees what it includes.
		roots = append(roots, filepath.Dir(abs))
		explicitFiles = true
		w.add(abs, true)
	}
	if opts.Stdin != nil {
		name := opts.StdinName
		if name == "" {
			name = "stdin"
		}
		abs := name
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, name)
		}
		w.out = append(w.out, candidate{abs: abs, display: w.display(abs), explicit: true})
		if f, _ := formatByName(abs); f != "" {
			w.out[len(w.out)-1].format = f
		} else if probeName(filepath.Base(abs)) && nginxByContent(opts.Stdin[:min(len(opts.Stdin), probeHead)], len(opts.Stdin) > probeHead) {
			w.out[len(w.out)-1].format = parsers.FormatNginx // by its content, as on disk
		}
		explicitFiles = true
	}
	for _, d := range opts.Walked {
		roots = append(roots, filepath.Clean(d))
	}
	res.Model.Diags = append(res.Model.Diags, w.notes...)

	cache := newFileCache(w, opts.MaxFileSize)
	for abs, src := range opts.Overlay {
		cache.put(abs, "", src)
	}
	if opts.Stdin != nil {
		c := w.out[len(w.out)-1]
		cache.put(c.abs, c.display, opts.Stdin)
	}

	// Read every candidate once, in parallel, and sort them by format.
	inputs := map[string][]parsers.Input{}
	type readResult struct {
		in   parsers.Input
		ok   bool
		diag *parsers.Diag
	}
	results := make([]readResult, len(w.out))
	parallel(len(w.out), func(i int) {
		c := w.out[i]
		if c.format == "" {
			return
		}
		if c.probe && !cache.probe(c.abs) {
			return // no known config: nothing to say
		}
		src, diag := cache.read(c.abs, c.display)
		if diag != nil {
			results[i] = readResult{diag: diag}
			return
		}
		_, needSniff := formatByName(c.abs)
		if needSniff && caddySniff(c.format, c.abs, src) {
			w.out[i].format = parsers.FormatCaddy
		} else if needSniff && !sniff(c.format, c.abs, src) {
			if c.format == parsers.FormatK8s && composeLooking(src) && (c.explicit || composeNamed(c.abs) && servicesMapping(src)) {
				w.out[i].format = parsers.FormatCompose // see composeLooking
			} else {
				return
			}
		}
		results[i] = readResult{in: parsers.Input{Path: c.display, Abs: c.abs, Src: src}, ok: true}
	})
	if explicitFiles {
		res.Explicit = map[string]bool{}
	}
	for i, r := range results {
		if r.diag != nil {
			res.Model.Diags = append(res.Model.Diags, *r.diag)
			res.Files++
			continue
		}
		if !r.ok {
			continue
		}
		res.Files++
		inputs[w.out[i].format] = append(inputs[w.out[i].format], r.in)
		if explicitFiles && w.out[i].explicit {
			res.Explicit[r.in.Path] = true
		}
	}

	res.Roots = roots
	res.Configs = w.configs
	popts := opts.Parse
	popts.Roots = roots
	popts.ReadFile = cache.readInclude

	// Run the format parsers in parallel; each gets all its files at once, since includes,
	// modules and Service selectors cross files.
	names := make([]string, 0, len(inputs))
	for f := range inputs {
		names = append(names, f)
	}
	sort.Strings(names)
	models := make([]*parsers.Model, len(names))
	parallel(len(names), func(i int) {
		if parse := formats[names[i]]; parse != nil {
			models[i] = safeParse(parse, names[i], inputs[names[i]], popts)
		}
	})
	extra := mountedNginx(models, inputs[parsers.FormatNginx], cache, cwd, opts, popts)
	all := append(slices.Clip(inputs[parsers.FormatNginx]), extra...)
	if mounts := containerMounts(models, all, cwd, popts); len(extra) > 0 || mounts != nil {
		// nginx reads its files together (includes, upstreams of other fragments): it is
		// parsed again with them, and with the directories Compose mounts where its
		// includes point, which happens only when such a file or mount exists.
		res.Files += len(extra)
		nopts := popts
		nopts.ContainerMounts = mounts
		m := safeParse(formats[parsers.FormatNginx], parsers.FormatNginx, all, nopts)
		if i := sort.SearchStrings(names, parsers.FormatNginx); i < len(names) && names[i] == parsers.FormatNginx {
			models[i] = m
		} else {
			models = append(models, m)
		}
	}
	for _, m := range models {
		res.Model.Merge(m)
	}
	embedded := res.Model.Embedded
	parseEmbedded(res.Model, popts)
	res.Model.PHPPools = readPHPPools(res.Model, cache, cwd, opts.Ignored)
	// Connect the hops across formats (Service DNS names, ConfigMap mounts, app servers,
	// what .no502.yaml declares) now that every file is in the model.
	link.Link(res.Model, embedded, popts.Declared)
	return res, nil
}

// safeParse turns a parser panic into a positioned error, so one bad file cannot take
// the run down. Parsers are fuzzed so this should never fire; if it does, the message
// asks for a report.
func safeParse(parse ParseFunc, format string, in []parsers.Input, opts parsers.Options) (m *parsers.Model) {
	defer func() {
		if r := recover(); r != nil {
			m = &parsers.Model{}
			for _, f := range in {
				m.Diags = append(m.Diags, parsers.Errorf(parsers.Pos{File: f.Path, Line: 1, Col: 1},
					"internal error in the %s parser (please report it): %v", format, r))
			}
		}
	}()
	return parse(in, opts)
}

// parseEmbedded parses config text found inside other files (nginx.conf in a ConfigMap)
// as files of their own. Positions stay in the embedded text (Model.HostPos maps them
// to the host file); the parse's diagnostics are output already, so they name the host.
func parseEmbedded(m *parsers.Model, opts parsers.Options) {
	for _, e := range m.Embedded {
		parse := formats[e.Format]
		if parse == nil {
			continue
		}
		sub := safeParse(parse, e.Format, []parsers.Input{{Path: e.Path, Src: e.Src}}, opts)
		for _, f := range sub.Files {
			if f.Path == e.Path {
				f.Host = e.Host
				emb := e
				f.Embedding = &emb
			}
		}
		for i := range sub.Diags {
			sub.Diags[i].Pos = e.MapPos(sub.Diags[i].Pos)
		}
		m.Merge(sub)
	}
	m.Embedded = nil
}

// fileCache reads each file once, for discovery and for includes alike.
type fileCache struct {
	mu      sync.Mutex
	w       *walker
	maxSize int64
	files   map[string][]byte
}

func newFileCache(w *walker, maxSize int64) *fileCache {
	return &fileCache{w: w, maxSize: maxSize, files: map[string][]byte{}}
}

func (c *fileCache) put(abs, display string, src []byte) {
	c.mu.Lock()
	c.files[abs] = src
	c.mu.Unlock()
}

func (c *fileCache) read(abs, display string) ([]byte, *parsers.Diag) {
	c.mu.Lock()
	src, ok := c.files[abs]
	c.mu.Unlock()
	if ok {
		return src, nil
	}
	pos := parsers.Pos{File: display, Line: 1, Col: 1}
	st, err := os.Stat(abs)
	if err != nil {
		d := parsers.Errorf(pos, "cannot read file: %v", unwrapPathErr(err))
		return nil, &d
	}
	if !st.Mode().IsRegular() {
		// A FIFO or a device named like a config: reading it would wait for a writer
		// (or read forever), so it is skipped.
		d := parsers.Notef(pos, "not a regular file (a FIFO or a device); skipped")
		return nil, &d
	}
	if st.Size() > c.maxSize {
		// An error: a file a limit skips is not linted, and the run must not pass as
		// if it were (issue 17).
		d := parsers.Errorf(pos, "file is %s, over the %s limit; not linted (raise --max-file-size)", size(st.Size()), size(c.maxSize))
		return nil, &d
	}
	src, err = os.ReadFile(abs)
	if err != nil {
		d := parsers.Errorf(pos, "cannot read file: %v", unwrapPathErr(err))
		return nil, &d
	}
	if looksBinary(src) {
		d := parsers.Notef(pos, "binary file; skipped")
		return nil, &d
	}
	c.put(abs, display, src)
	return src, nil
}

// probe reports whether a probed candidate (candidate.probe) is nginx by its content:
// the text an overlay or an earlier read holds, else the head of the file (probeFile).
func (c *fileCache) probe(abs string) bool {
	c.mu.Lock()
	src, ok := c.files[abs]
	c.mu.Unlock()
	if ok {
		return nginxByContent(src[:min(len(src), probeHead)], len(src) > probeHead)
	}
	return probeFile(abs)
}

// readInclude serves parsers.Options.ReadFile: files named by includes and imports.
func (c *fileCache) readInclude(abs string) (string, []byte, error) {
	display := c.w.display(abs)
	src, d := c.read(abs, display)
	if d != nil {
		return display, nil, fmt.Errorf("%s", d.Message)
	}
	return display, src, nil
}

// size writes a byte count for a message: MiB when it is a whole number of them (the
// default limit is 10 MiB), else bytes (a limit of 1000 bytes is not "0 MiB").
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return parsers.Plural(int(n), "byte", "bytes")
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// parallel runs f(0..n-1) on at most GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// k8sLooking: a YAML or JSON file is a manifest when it has apiVersion and kind keys.
// Helm templates count too (the k8s parser skips them with a note per chart).
func k8sLooking(path string, src []byte) bool {
	if strings.HasPrefix(filepath.Base(path), ".") {
		return false
	}
	if k8s.IsEBExtension(path) {
		// Read only for the nginx files it writes (files: "/etc/nginx/...": content:).
		return bytes.Contains(src, []byte("/etc/nginx/")) && bytes.Contains(src, []byte("files"))
	}
	if k8s.IsKustomization(path) {
		// Often written without apiVersion and kind; the k8s parser reads which files
		// it builds and what its overlays patch.
		return true
	}
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		// bytes, not string(src): a conversion copies the file, twice, for every JSON
		// file a walk finds (most are fixtures and package.json).
		return bytes.Contains(src, []byte(`"apiVersion"`)) && bytes.Contains(src, []byte(`"kind"`)) || k8s.IsJSON6902Patch(src)
	}
	// A JSON 6902 patch file a kustomization names (path: with a target) has neither:
	// the k8s parser reads it with that kustomization.
	return yamlHasKey(src, "apiVersion") && yamlHasKey(src, "kind") || k8s.IsJSON6902Patch(src)
}

// yamlHasKey reports whether key is written as a mapping key at the start of a line,
// after blanks and a list item's "- ", quoted or not: what the regular expression
// (?m)^\s*(?:-\s+)?"?KEY"?\s*: matches (TestSniffKeysMatchRegexps), found by a search
// for the key and a look around it. The expression took seconds on a JSON file written
// on one line (Go's matcher tries every position of a long line): a pre-commit run on
// every file of a monorepo with such fixtures took minutes.
func yamlHasKey(src []byte, key string) bool {
	for off := 0; ; {
		i := bytes.Index(src[off:], []byte(key))
		if i < 0 {
			return false
		}
		i += off
		off = i + len(key)
		if keyEnds(src, off) && keyStartsLine(src, i) {
			return true
		}
	}
}

// keyEnds: at end, an optional closing quote, blanks (newlines too), and a colon.
func keyEnds(src []byte, end int) bool {
	if end < len(src) && src[end] == '"' {
		end++
	}
	for end < len(src) && isSpace(src[end]) {
		end++
	}
	return end < len(src) && src[end] == ':'
}

// keyStartsLine: before start, an optional opening quote, blanks, and at most one "-"
// followed by a blank, back to the start of a line.
func keyStartsLine(src []byte, start int) bool {
	j := start
	if j > 0 && src[j-1] == '"' {
		j--
	}
	k, nl := blanksBefore(src, j)
	if k == 0 || nl {
		return true
	}
	if src[k-1] != '-' || k == j {
		return false // a dash must be followed by a blank
	}
	k, nl = blanksBefore(src, k-1)
	return k == 0 || nl
}

// blanksBefore skips the blanks before i: where they start, and whether a newline is
// among them (a line starts inside them).
func blanksBefore(src []byte, i int) (int, bool) {
	nl := false
	for i > 0 && isSpace(src[i-1]) {
		i--
		nl = nl || src[i] == '\n'
	}
	return i, nl
}

// isSpace is RE2's \s: space, tab, newline, form feed, carriage return.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// composeLooking: a YAML file named on the command line that is not a manifest but has a
// top-level services: mapping is a compose file under another name (jibri.yml, a file
// meant for docker compose -f). Walking a directory, docker compose's own names count
// (formatByName), and names that say compose or stack (composeNamed).
//
// The key is "services" at the very start of a line, quoted or not, then a colon and
// nothing more on the line but blanks and a comment: what (?m)^"?services"?\s*:\s*(?:#.*)?$
// matches, without its cost on long lines (yamlHasKey).
// composeNamed reports whether a YAML file's name says it is a compose file although
// it is not one of docker compose's names: deploy-compose.yml (LibreChat's production
// file, run with docker compose -f), docker-stack.yml and stack.yml (docker stack deploy
// -c). With a top-level services: and no manifest in it (composeLooking) it is read as a
// compose file of its own when a directory is walked; an OpenFaaS stack.yml (functions:)
// is not. A generic name (production.yml) needs naming: its services: may be anything.
func composeNamed(path string) bool {
	lower := strings.ToLower(filepath.Base(path))
	ext := filepath.Ext(lower)
	if ext != ".yml" && ext != ".yaml" {
		return false
	}
	return strings.Contains(lower, "compose") || strings.Contains(lower, "stack")
}

// servicesMapping reports whether the first entry under a top-level services: key (one
// with nothing after the colon) is an indented key, a mapping as in compose files, not a
// list item: a walked stack-values.yaml whose services: is a list was a config error
// ("services must be a mapping") on a file that is no compose file.
func servicesMapping(src []byte) bool {
	lines := strings.Split(string(src), "\n")
	for i, line := range lines {
		key, rest, ok := strings.Cut(strings.TrimRight(line, " \t\r"), ":")
		if !ok || strings.Trim(key, `"`) != "services" || key != strings.TrimLeft(key, " \t") {
			continue
		}
		if rest = strings.TrimSpace(rest); rest != "" && !strings.HasPrefix(rest, "#") {
			continue
		}
		for _, next := range lines[i+1:] {
			t := strings.TrimSpace(next)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			return (next[0] == ' ' || next[0] == '\t') && !strings.HasPrefix(t, "- ") && t != "-" && strings.Contains(t, ":")
		}
		return false
	}
	return false
}

func composeLooking(src []byte) bool {
	const key = "services"
	for off := 0; ; {
		i := bytes.Index(src[off:], []byte(key))
		if i < 0 {
			return false
		}
		i += off
		off = i + len(key)
		start := i
		if start > 0 && src[start-1] == '"' {
			start--
		}
		if start > 0 && src[start-1] != '\n' {
			continue
		}
		end := off
		if end < len(src) && src[end] == '"' {
			end++
		}
		for end < len(src) && isSpace(src[end]) {
			end++
		}
		if end >= len(src) || src[end] != ':' {
			continue
		}
		// After the colon: blanks (a newline ends the line: the value is below), then
		// the end of the line or a comment.
		rest := src[end+1:]
		for len(rest) > 0 && rest[0] != '\n' && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] == '\n' || rest[0] == '#' {
			return true
		}
	}
}
