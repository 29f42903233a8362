package load

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// ContextOptions say where a partial run looks for context.
type ContextOptions struct {
	// Roots are the directories whose lintable files may give the named files meaning:
	// what a full run there would read. They are walked as a full run walks them
	// (.gitignore, ignore globs, hidden directories, vendor/).
	Roots []string
	// Forced are files always read (the rest of a named Terraform file's module, the
	// files .no502.yaml's chain: names).
	Forced []string
	// Names are extra link keys, as if a named file held them (the objects chain: and
	// backends: name).
	Names []string
}

// SelectContext picks, among the files under the roots, those that can link to the
// named files (absolute paths), directly or through one another, and returns them with
// the named files (absolute), in the order a full run of the roots reads them. Only bytes are read: each candidate is scanned once
// for its link keys (scanKeys) and nothing is parsed, so a pre-commit run on one
// manifest in a directory of thousands parses the handful that matter.
func SelectContext(named []string, co ContextOptions, opts Options) []string {
	cwd := opts.Cwd
	if cwd == "" {
		cwd, _ = os.Getwd()
	}
	if opts.Ignored == nil {
		opts.Ignored = func(string) bool { return false }
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 10 << 20
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 100000
	}
	w := &walker{cwd: cwd, ignored: opts.Ignored, seen: map[string]bool{}, maxFiles: opts.MaxFiles, maxProbes: opts.MaxFiles}
	for _, root := range co.Roots {
		_ = w.walk(root) // what cannot be read is no context; the named files are loaded on their own
	}
	// The named files and the forced ones are scanned too (they may lie outside the
	// roots); they seed the selection.
	var files []candidate
	index := map[string]int{}
	addFile := func(abs string) int {
		if i, ok := index[abs]; ok {
			return i
		}
		f, probe := candidateFormat(abs)
		index[abs] = len(files)
		files = append(files, candidate{abs: abs, format: f, probe: probe})
		return len(files) - 1
	}
	var seeds []int
	for _, n := range named {
		seeds = append(seeds, addFile(n))
	}
	for _, f := range co.Forced {
		seeds = append(seeds, addFile(f))
	}
	for _, c := range w.out {
		addFile(c.abs)
	}
	// Read every candidate once (in parallel); the bytes are kept for the rounds below,
	// but only of the files a full run would parse. A YAML or JSON file that is no
	// manifest (fixtures, package.json, data dumps: most of a monorepo's) is dropped by
	// Load's sniff, so it links nothing; keeping its bytes made a pre-commit run on one
	// manifest beside 850 MB of JSON hold them all (1 GB resident), and selecting it
	// for a shared word made Load read it again. A named file is kept when Load lints
	// it (a YAML file with a top-level services: is a compose file when named:
	// composeLooking), the forced ones whatever they hold.
	isNamed, isForced := make([]bool, len(files)), make([]bool, len(files))
	for k, i := range seeds {
		if k < len(named) {
			isNamed[i] = true
		} else {
			isForced[i] = true
		}
	}
	srcs := make([][]byte, len(files))
	chunked(len(files), func(i int) {
		c := files[i]
		if c.format == "" {
			return
		}
		var keep func([]byte) bool
		switch {
		case isNamed[i] && !isForced[i]:
			keep = func(src []byte) bool {
				return parsedWhenFound(c.format, c.abs, src) || c.format == parsers.FormatK8s && composeLooking(src)
			}
		case !isForced[i]:
			keep = func(src []byte) bool { return parsedWhenFound(c.format, c.abs, src) }
		}
		if src, ok := opts.Overlay[c.abs]; ok {
			if c.probe && !nginxByContent(src[:min(len(src), probeHead)], len(src) > probeHead) {
				files[i].format = "" // as a name no502 does not read
				return
			}
			if keep == nil || keep(src) {
				srcs[i] = src
			}
			return
		}
		if c.probe && !probeFile(c.abs) {
			files[i].format = "" // no nginx config: as a name no502 does not read
			return
		}
		sb := scanBufs.Get().(*scanBuf)
		srcs[i] = readSmall(c.abs, opts.MaxFileSize, sb, keep)
		scanBufs.Put(sb)
	})

	sel := newSelection(files, srcs)
	for _, i := range seeds {
		sel.pick(i)
	}
	// A named file no502 does not read by its name or content alone
	// (proxy/default.conf.tpl) is nginx when a Compose service mounts it, or copies it
	// into its image, where nginx loads its config (mountedNginx, which decides): the
	// Compose files that may do so are read too, as a full run reads them.
	for k, i := range seeds[:len(named)] {
		if files[i].format != "" {
			continue
		}
		for j, c := range files {
			if c.format == parsers.FormatCompose && srcs[j] != nil && mayPlace(srcs[j], c.abs, named[k]) {
				sel.pick(j)
			}
		}
	}
	sel.addNames(co.Names)
	sel.settle()
	// Kustomize trees: the replica count of each build (parsers/k8s, kustomize.go) reads
	// the kustomization files and the patches and resources beside them. A named manifest
	// is linted with every manifest of a directory that holds a kustomization, as a full
	// run reads them (a superset of what the builds use).
	if sel.anyK8s() {
		dirs := map[string]bool{}
		for _, c := range files {
			if k8s.IsKustomization(c.abs) {
				dirs[filepath.Dir(c.abs)] = true
			}
		}
		if len(dirs) > 0 {
			for i, c := range files {
				if c.format == parsers.FormatK8s && srcs[i] != nil && dirs[filepath.Dir(c.abs)] {
					sel.pick(i)
				}
			}
			sel.settle()
		}
	}
	// In the order a full run reads them (its walk's), the named files among them: the
	// model, and so the order of related positions, is then the full run's.
	walkPos := make(map[string]int, len(w.out))
	for i, c := range w.out {
		walkPos[c.abs] = i + 1
	}
	var out []string
	for i, c := range files {
		if sel.selected[i] {
			out = append(out, c.abs)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return walkPos[out[i]] < walkPos[out[j]] })
	return out
}

// parsedWhenFound reports whether Load parses a file its walk found (not named) with
// these bytes: the same sniff. Only YAML and JSON files are dropped here: an nginx or
// Caddy file that does not look like one can still be what an include or import of a
// selected file reads, and selecting it keeps its directory among the roots includes
// are followed in.
func parsedWhenFound(format, abs string, src []byte) bool {
	if format != parsers.FormatK8s {
		return true
	}
	if _, needSniff := formatByName(abs); !needSniff {
		return true
	}
	return caddySniff(format, abs, src) || sniff(format, abs, src) || composeNamed(abs) && composeLooking(src) && servicesMapping(src)
}

// selection grows the set of selected files to what links to it, in rounds. Each round
// first asks a cheap question of every file not yet selected (does its text contain a
// name the round added, all values of a selector the round added, a selector the
// labels selected so far satisfy...), and scans only the files that pass in full
// (scanKeys) to decide precisely. Every test is a superset of a link, so nothing that
// links is missed; a file that passes for nothing is only scanned.
type selection struct {
	files    []candidate
	srcs     [][]byte
	keys     []*linkKeys // full scans, made on demand
	quick    []*linkKeys // the selectors alone, made once per file
	selected []bool

	// What the selected files hold, together.
	names             map[string]bool
	labels            map[string]bool
	selectors         [][]string
	classRefs         map[string]bool
	classDefs         map[string]bool
	ingress, ctrlConf bool
	wild              bool

	// What the current round added (the cheap tests look for these).
	newNames     []string
	newSelectors [][]string
	newLabels    bool
}

func newSelection(files []candidate, srcs [][]byte) *selection {
	return &selection{files: files, srcs: srcs,
		keys: make([]*linkKeys, len(files)), quick: make([]*linkKeys, len(files)),
		selected: make([]bool, len(files)),
		names:    map[string]bool{}, labels: map[string]bool{},
		classRefs: map[string]bool{}, classDefs: map[string]bool{}}
}

func (s *selection) full(i int) *linkKeys {
	if s.keys[i] == nil && s.srcs[i] != nil {
		s.keys[i] = scanKeys(s.files[i].format, s.files[i].abs, s.srcs[i])
	}
	return s.keys[i]
}

// anyK8s reports whether a Kubernetes file is selected.
func (s *selection) anyK8s() bool {
	for i, c := range s.files {
		if s.selected[i] && c.format == parsers.FormatK8s {
			return true
		}
	}
	return false
}

func (s *selection) pick(i int) {
	if s.selected[i] {
		return
	}
	s.selected[i] = true
	k := s.full(i)
	if k == nil {
		return
	}
	s.addNames(k.names)
	for l := range k.labels {
		if !s.labels[l] {
			s.labels[l] = true
			s.newLabels = true
		}
	}
	s.selectors = append(s.selectors, k.selectors...)
	s.newSelectors = append(s.newSelectors, k.selectors...)
	for _, c := range k.classRefs {
		s.classRefs[c] = true
	}
	for _, c := range k.classDefs {
		s.classDefs[c] = true
	}
	s.ingress = s.ingress || k.ingress
	s.ctrlConf = s.ctrlConf || k.controllerConfig
	s.wild = s.wild || k.wild
}

func (s *selection) addNames(ns []string) {
	for _, n := range ns {
		if !s.names[n] {
			s.names[n] = true
			s.newNames = append(s.newNames, n)
		}
	}
}

// settle runs rounds until no file is added.
func (s *selection) settle() {
	for len(s.newNames) > 0 || len(s.newSelectors) > 0 || s.newLabels {
		names, labels := needles(s.newNames, s.newSelectors), s.newLabels
		s.newNames, s.newSelectors, s.newLabels = nil, nil, false
		maybe := make([]bool, len(s.files))
		chunked(len(s.files), func(i int) {
			if !s.selected[i] && s.srcs[i] != nil && s.mayLink(i, names, labels) {
				maybe[i] = true
				s.full(i)
			}
		})
		for i, m := range maybe {
			if m && s.links(s.keys[i]) {
				s.pick(i)
			}
		}
	}
}

// needles are the strings a file must contain to link to names or selectors just
// added: each name, and one value of each selector (a file whose labels satisfy the
// selector holds all of them). A needle holding another is left out (any text holding
// "api-tls" holds "api"), so each round searches each file for few strings.
func needles(names []string, sels [][]string) []finder {
	var all []string
	all = append(all, names...)
	for _, sel := range sels {
		if len(sel) > 0 {
			// The longest value: the most selective.
			best := ""
			for _, p := range sel {
				if v := p[strings.IndexByte(p, '=')+1:]; len(v) > len(best) {
					best = v
				}
			}
			all = append(all, best)
		}
	}
	sort.Slice(all, func(i, j int) bool { return len(all[i]) < len(all[j]) })
	var out []finder
	for _, n := range all {
		if n == "" {
			continue
		}
		redundant := false
		for _, o := range out {
			if strings.Contains(n, string(o.needle)) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, newFinder([]byte(n)))
		}
	}
	return out
}

var (
	kindConfigMap    = newFinder([]byte("ConfigMap"))
	kindIngress      = newFinder([]byte("Ingress"))
	kindIngressClass = newFinder([]byte("IngressClass"))
	matchExpressions = newFinder([]byte("matchExpressions"))
	ingressWord      = newFinder([]byte("ngress"))
	labelsKey        = newFinder([]byte("labels"))
)

// mayLink is the cheap test: text searches, and the file's selectors.
func (s *selection) mayLink(i int, names []finder, labelsGrew bool) bool {
	src := s.srcs[i]
	if f := s.files[i]; f.format != parsers.FormatK8s {
		// Keys that come from its path, not its text (scanText).
		if s.names[filepath.Base(f.abs)] || s.names[filepath.Base(filepath.Dir(f.abs))] {
			return true
		}
	}
	for _, n := range names {
		if n.in(src) {
			return true
		}
	}
	if len(s.labels) > 0 {
		if s.quick[i] == nil {
			s.quick[i] = quickSelectors(s.files[i].format, src)
		}
		if s.quick[i].wild || labelsGrew && s.selectsAny(s.quick[i].selectors) {
			return true
		}
	}
	if s.wild && labelsKey.in(src) {
		return true
	}
	if len(s.classRefs) > 0 && kindIngressClass.in(src) || len(s.classDefs) > 0 && ingressWord.in(src) {
		return true
	}
	if s.ingress && kindConfigMap.in(src) || s.ctrlConf && kindIngress.in(src) {
		return true
	}
	return false
}

// links is the precise test of a fully scanned file against the selected files.
func (s *selection) links(k *linkKeys) bool {
	if k == nil {
		return false
	}
	for _, n := range k.names {
		if s.names[n] {
			return true
		}
	}
	if s.selectsAny(k.selectors) || k.wild && len(s.labels) > 0 {
		return true
	}
	for _, sel := range s.selectors {
		if subset(sel, k.labels) {
			return true
		}
	}
	if s.wild && len(k.labels) > 0 {
		return true
	}
	for _, c := range k.classDefs {
		if s.classRefs[c] || s.classDefs[c] {
			return true
		}
	}
	for _, c := range k.classRefs {
		if s.classDefs[c] {
			return true
		}
	}
	return s.ingress && k.controllerConfig || s.ctrlConf && k.ingress
}

// selectsAny: one of sels is satisfied by the selected files' labels.
func (s *selection) selectsAny(sels [][]string) bool {
	for _, sel := range sels {
		if subset(sel, s.labels) {
			return true
		}
	}
	return false
}

func subset(sel []string, labels map[string]bool) bool {
	for _, p := range sel {
		if !labels[p] {
			return false
		}
	}
	return len(sel) > 0
}

// quickSelectors finds a YAML file's label selectors without scanning every line: each
// line holding "elector:" starts a block (that line and the lines
// indented deeper) that scanYAML reads alone. Other formats hold none.
func quickSelectors(format string, src []byte) *linkKeys {
	k := &linkKeys{labels: map[string]bool{}}
	if format != parsers.FormatK8s {
		return k
	}
	k.wild = matchExpressions.in(src)
	sc := newYAMLScan(k)
	for off := 0; off < len(src); {
		j := indexSelector(src[off:])
		if j < 0 {
			break
		}
		start := off + j
		for start > 0 && src[start-1] != '\n' {
			start--
		}
		indent := 0
		for start+indent < len(src) && (src[start+indent] == ' ' || src[start+indent] == '-') {
			indent++
		}
		end := bytes.IndexByte(src[off+j:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off + j + 1
		}
		// The block: the following lines indented deeper (or blank).
		for end < len(src) {
			n := 0
			for end+n < len(src) && src[end+n] == ' ' {
				n++
			}
			if end+n < len(src) && src[end+n] != '\n' && n <= indent {
				break
			}
			next := bytes.IndexByte(src[end:], '\n')
			if next < 0 {
				end = len(src)
				break
			}
			end += next + 1
		}
		// The block's first line becomes a top-level key ("- selector:" and
		// "  selector:" alike); the rest keeps its indentation, deeper than 0.
		sc.scan(bytes.TrimLeft(src[start:end], " -"))
		off = end
	}
	return k
}

// indexSelector finds the next selector key (selector:, labelSelector:,
// namespaceSelector:...); matchLabels only ever sits inside one.
func indexSelector(b []byte) int {
	return selectorKey.index(b)
}

var selectorKey = newFinder([]byte("elector:"))

// scanBufs hold the read buffers of the context scan's workers.
var scanBufs = sync.Pool{New: func() any { return &scanBuf{scratch: make([]byte, 0, 64<<10)} }}

// ModuleFiles lists the other Terraform files of a named Terraform file's module (its
// directory, .tfvars included): a module is read whole (a variable's default sits in
// variables.tf, its value in terraform.tfvars). The environments' var files kept in
// directories below it without a configuration of their own (envs/prod.tfvars) are read
// too: a variable they set differently is not known (terraform.environmentVarFiles), as
// when the directory is linted.
func ModuleFiles(abs string) []string {
	if f, _ := formatByName(abs); f != parsers.FormatTerraform {
		return nil
	}
	dir := filepath.Dir(abs)
	if name := filepath.Base(abs); strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json") {
		// An environment's var file below its configuration (envs/prod.tfvars): read
		// that configuration, as a directory run does.
		for d, up := dir, 0; up < 3 && !hasConfig(d); up++ {
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			if hasConfig(parent) {
				dir = parent
				break
			}
			d = parent
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if f, _ := formatByName(name); e.Type().IsRegular() && f == parsers.FormatTerraform {
			out = append(out, filepath.Join(dir, name))
		} else if e.IsDir() && !strings.HasPrefix(name, ".") {
			out = append(out, varFilesBelow(filepath.Join(dir, name), 3)...)
		}
	}
	return out
}

// hasConfig reports whether dir holds Terraform configuration files (.tf, .tf.json).
func hasConfig(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")) {
			return true
		}
	}
	return false
}

// varFilesBelow lists the .tfvars files of dir and of its subdirectories, depth levels
// down, leaving out every directory that holds .tf files (another configuration, whose
// var files are its own) and hidden ones (.terraform holds downloaded modules).
func varFilesBelow(dir string, depth int) []string {
	entries, err := os.ReadDir(dir)
	if err != nil || depth == 0 {
		return nil
	}
	var vars, subs []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && !strings.HasPrefix(name, "."):
			subs = append(subs, filepath.Join(dir, name))
		case !e.Type().IsRegular():
		case strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json"):
			vars = append(vars, filepath.Join(dir, name))
		case strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json"):
			return nil // a configuration of its own
		}
	}
	for _, sub := range subs {
		vars = append(vars, varFilesBelow(sub, depth-1)...)
	}
	return vars
}

// chunked runs f(0..n-1) on GOMAXPROCS goroutines, each taking a contiguous share: the
// work per item (one small file) is too little to hand items out one by one.
func chunked(n int, f func(i int)) {
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
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// mayPlace reports whether Compose file compose (its text src) may mount or copy file
// into a container: its text names the file's path relative to it, or a Dockerfile in a
// directory between the two (a build context the Compose file names, or its own
// directory) names the file. A byte scan that may say yes too often: the loader reads
// the services' mounts and copies.
func mayPlace(src []byte, compose, file string) bool {
	dir := filepath.Dir(compose)
	rel, err := filepath.Rel(dir, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	if bytes.Contains(src, []byte(filepath.ToSlash(rel))) {
		return true
	}
	base := []byte(filepath.Base(file))
	for d := filepath.Dir(file); ; d = filepath.Dir(d) {
		r, err := filepath.Rel(dir, d)
		if err != nil || strings.HasPrefix(r, "..") {
			return false
		}
		if r == "." || bytes.Contains(src, []byte(filepath.ToSlash(r))) {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				n := strings.ToLower(e.Name())
				if !e.Type().IsRegular() || !strings.HasPrefix(n, "dockerfile") && !strings.HasSuffix(n, ".dockerfile") {
					continue
				}
				if b, err := os.ReadFile(filepath.Join(d, e.Name())); err == nil && len(b) < 1<<20 && bytes.Contains(b, base) {
					return true
				}
			}
		}
		if r == "." {
			return false
		}
	}
}
