package lint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// The differential fix suite on the corpus (issue 16): every nginx, Caddy, Terraform,
// Kubernetes and Compose file of the corpus that the real tool accepts as written is
// linted alone and fixed with --fix --unsafe-fixes. Then:
//
//   - the real tool still accepts it (nginx -T, caddy adapt, terraform fmt, YAML decode
//     and the k8s.io/api types, compose-go's loader with its schema validation);
//   - no502 parses it with no error it did not have before;
//   - --diff shows what --fix writes, and a second --fix changes nothing;
//   - the real tool's own view differs only where the fixes say: nginx -T only in lines
//     of the directives they write, caddy adapt's JSON only at paths of the settings they
//     write, the decoded YAML only under the keys they write.
//
// terraform validate is not run: it needs `terraform init` to download the AWS provider,
// and only the Go proxy, Debian and npm are reachable here (docs/decisions.md).
//
// The counts per format (checked, rejected by the tool before any fix, fixed, failures)
// are logged: go test ./lint -run TestDifferentialFixesCorpus -v.

// corpusTally counts, per format, what the corpus run saw.
type corpusTally struct {
	mu                                 sync.Mutex
	checked, rejected, fixed, failures map[string]int
}

func (c *corpusTally) add(m map[string]int, format string) {
	c.mu.Lock()
	m[format]++
	c.mu.Unlock()
}

// corpusCase is one corpus file and how it is linted: the files of a directory.
type corpusCase struct {
	format, path string
	files        map[string][]byte // name in the directory → text
	main         string            // the file the real tool reads
	named        bool              // lint main alone, named (the others are context)
}

func corpusCases(t *testing.T) []corpusCase {
	var out []corpusCase
	glob := func(dir string) []string {
		ps, _ := filepath.Glob(filepath.Join(corpusRoot, dir, "*"))
		return ps
	}
	read := func(p string) []byte {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	for _, p := range glob("nginx") {
		src := read(p)
		switch {
		case topLevel(src, "http"):
			out = append(out, corpusCase{"nginx", p, map[string][]byte{"nginx.conf": src}, "nginx.conf", false})
		case topLevel(src, "server") || topLevel(src, "upstream"):
			// A conf.d file: included from the http block of a main file of our own.
			out = append(out, corpusCase{"nginx", p, map[string][]byte{
				"nginx.conf":     []byte("events {}\nhttp {\n    include conf.d/*.conf;\n}\n"),
				"conf.d/ci.conf": src,
			}, "nginx.conf", false})
		}
	}
	for _, p := range glob("caddy") {
		out = append(out, corpusCase{"caddy", p, map[string][]byte{"Caddyfile": read(p)}, "Caddyfile", false})
	}
	for _, p := range glob("terraform") {
		out = append(out, corpusCase{"terraform", p, map[string][]byte{"main.tf": read(p)}, "main.tf", false})
	}
	for _, p := range glob("k8s") {
		out = append(out, corpusCase{"k8s", p, map[string][]byte{"app.yaml": read(p)}, "app.yaml", false})
	}
	// A Compose file with the proxy configs it mounts: each one in its repository's tree
	// (MANIFEST.tsv), named on the command line as a user would; only it is written.
	manifest, err := os.ReadFile(filepath.Join(corpusRoot, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	repos := map[string]map[string][]byte{} // repository → path in it → text
	var composeFiles [][2]string            // repository, path
	for _, line := range strings.Split(string(manifest), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) < 4 || cols[0] != "compose" {
			continue
		}
		if repos[cols[2]] == nil {
			repos[cols[2]] = map[string][]byte{}
		}
		repos[cols[2]][cols[3]] = read(filepath.Join(corpusRoot, "compose", cols[1]))
		if strings.HasSuffix(cols[3], ".yml") || strings.HasSuffix(cols[3], ".yaml") {
			composeFiles = append(composeFiles, [2]string{cols[2], cols[3]})
		}
	}
	for _, cf := range composeFiles {
		c := corpusCase{format: "compose", path: strings.ReplaceAll(cf[0]+"/"+cf[1], "/", "__"), files: repos[cf[0]], main: cf[1], named: true}
		out = append(out, c)
	}
	out = append(out, benchCases(t)...)
	// The same proxy and load balancer configs with a handler budget, so that the timeout
	// rules fix their routes too (most corpus files have no finding with an edit alone).
	for _, c := range out {
		if c.format == "nginx" || c.format == "caddy" || c.format == "terraform" {
			files := map[string][]byte{".no502.yaml": []byte(corpusBudget)}
			for name, src := range c.files {
				files[name] = src
			}
			out = append(out, corpusCase{c.format + "+budget", c.path, files, c.main, false})
		}
	}
	return out
}

// benchRoot holds the generators of the benchmark corpora (docs/benchmarks.md): one large
// nginx.conf, one large Caddyfile, a directory of Kubernetes manifests.
const benchRoot = "../../shared/bench"

// benchCases are the benchmark corpora, generated smaller than for the benchmarks (300
// nginx servers, 300 Caddy sites, 300 Kubernetes documents: the same shapes, a few seconds
// of tool time) and checked like the corpus files: issue 16 asks that --fix leave no file
// of the benchmark corpora that the real tool rejects. The Kubernetes files are cases of
// their own, as the corpus's are.
func benchCases(t *testing.T) []corpusCase {
	dir := t.TempDir()
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	gen := func(script string) string { p, _ := filepath.Abs(filepath.Join(benchRoot, script)); return p }
	read := func(p string) []byte {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	run("bash", gen("gen-nginx-corpus.sh"), "300", filepath.Join(dir, "nginx.conf"))
	run("bash", gen("gen-caddy-corpus.sh"), "300", filepath.Join(dir, "Caddyfile"))
	k8sDir := filepath.Join(dir, "k8s")
	run("go", "run", gen("gen-k8s-corpus.go"), "-docs", "300", "-seed", "1", "-out", k8sDir)
	out := []corpusCase{
		{"nginx", "bench/nginx-300.conf", map[string][]byte{"nginx.conf": read(filepath.Join(dir, "nginx.conf"))}, "nginx.conf", false},
		{"caddy", "bench/caddy-300.caddyfile", map[string][]byte{"Caddyfile": read(filepath.Join(dir, "Caddyfile"))}, "Caddyfile", false},
	}
	manifests, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if len(manifests) == 0 {
		t.Fatalf("the Kubernetes generator wrote no manifest in %s", k8sDir)
	}
	for _, p := range manifests {
		out = append(out, corpusCase{"k8s", "bench/" + filepath.Base(p), map[string][]byte{"app.yaml": read(p)}, "app.yaml", false})
	}
	return out
}

// corpusBudget is a handler budget for every route.
const corpusBudget = "routes:\n  - match: /\n    handler_timeout: 90s\n"

// topLevel reports whether an nginx file opens a block name at the start of a line.
// tool is the format whose real tool reads the case.
func (c corpusCase) tool() string { return strings.TrimSuffix(c.format, "+budget") }

func topLevel(src []byte, name string) bool {
	for _, l := range strings.Split(string(src), "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == name || f[0] == name+"{") && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			return true
		}
	}
	return false
}

func TestDifferentialFixesCorpus(t *testing.T) {
	if _, err := os.Stat(corpusRoot); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s is missing (CI=true)", corpusRoot)
		}
		t.Skipf("corpus %s is not here (a plain clone has no ../shared); skipping", corpusRoot)
	}
	if testing.Short() {
		t.Skip("-short: the corpus takes a minute")
	}
	bins := map[string]string{
		"nginx":     tool(t, "nginx", "/usr/sbin/nginx"),
		"caddy":     tool(t, "caddy"),
		"terraform": tool(t, "terraform"),
	}
	logrus.SetOutput(io.Discard) // compose-go's warnings about unset variables
	tally := &corpusTally{checked: map[string]int{}, rejected: map[string]int{}, fixed: map[string]int{}, failures: map[string]int{}}
	t.Run("files", func(t *testing.T) {
		for _, c := range corpusCases(t) {
			t.Run(c.format+"/"+strings.ReplaceAll(filepath.Base(c.path), "/", "__"), func(t *testing.T) {
				t.Parallel() // bounded by -parallel (GOMAXPROCS): one tool process per test
				checkCorpusFix(t, c, bins, tally)
			})
		}
	})
	var formats []string
	for f := range tally.checked {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	for _, f := range formats {
		t.Logf("%-9s %4d files the tool accepts, %4d it rejects as written (skipped), %4d fixed, %d failures",
			f, tally.checked[f], tally.rejected[f], tally.fixed[f], tally.failures[f])
	}
}

// corpusView is the real tool's view of a directory: nginx -T, caddy adapt's JSON, the
// decoded YAML; an error when the tool rejects it.
func corpusView(c corpusCase, bins map[string]string, dir string, hosts, stubs map[string]string) (any, error) {
	switch c.tool() {
	case "nginx":
		return nginxStubbedView(bins["nginx"], dir, hosts, stubs)
	case "caddy":
		return caddyJSON(bins["caddy"], filepath.Join(dir, c.main))
	case "terraform":
		src, _ := os.ReadFile(filepath.Join(dir, c.main))
		return terraformFmt(bins["terraform"], src)
	case "k8s":
		src, _ := os.ReadFile(filepath.Join(dir, c.main))
		docs, err := yamlDocs(src)
		if err != nil {
			return nil, err
		}
		return k8sView{docs: docs, strict: strictErrors(src)}, nil
	case "compose":
		src, _ := os.ReadFile(filepath.Join(dir, c.main))
		if _, err := composeLoad(dir, c.main); err != nil {
			return nil, err
		}
		return yamlDocs(src)
	}
	return nil, fmt.Errorf("unknown format %s", c.format)
}

// beforeViews keeps the real tool's view of each corpus file as written: the variant
// with a budget reads the same file (the tool does not read .no502.yaml), so each tool
// runs once per file before the fixes.
var beforeViews = &viewCache{entries: map[string]*viewEntry{}}

type viewCache struct {
	mu      sync.Mutex
	entries map[string]*viewEntry
}

type viewEntry struct {
	once         sync.Once
	hosts, stubs map[string]string
	view         any
	err          error
}

// get returns the view of c's files as written in dir, with the hosts and includes
// nginx needed replaced (copies: the fixed files are read with the same ones).
func (vc *viewCache) get(c corpusCase, bins map[string]string, dir string) (hosts, stubs map[string]string, view any, err error) {
	vc.mu.Lock()
	e, ok := vc.entries[c.tool()+"\x00"+c.path]
	if !ok {
		e = &viewEntry{}
		vc.entries[c.tool()+"\x00"+c.path] = e
	}
	vc.mu.Unlock()
	e.once.Do(func() {
		e.hosts, e.stubs = map[string]string{}, map[string]string{}
		e.view, e.err = corpusView(c, bins, dir, e.hosts, e.stubs)
	})
	hosts, stubs = map[string]string{}, map[string]string{}
	for k, v := range e.hosts {
		hosts[k] = v
	}
	for k, v := range e.stubs {
		stubs[k] = v
	}
	return hosts, stubs, e.view, e.err
}

type k8sView struct {
	docs   []any
	strict []string
}

func checkCorpusFix(t *testing.T, c corpusCase, bins map[string]string, tally *corpusTally) {
	dir := t.TempDir()
	for name, src := range c.files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hosts, stubs, before, err := beforeViews.get(c, bins, dir)
	if err != nil {
		tally.add(tally.rejected, c.format)
		t.Skipf("the real tool rejects it as written: %.200s", err)
	}
	tally.add(tally.checked, c.format)
	fail := func(format string, args ...any) {
		t.Helper()
		tally.add(tally.failures, c.format)
		t.Errorf(format, args...)
	}
	opts := lint.Options{Cwd: dir, UnsafeFixes: true}
	var paths []string
	if c.named {
		paths = []string{filepath.Join(dir, c.main)}
	}
	fr, err := lint.Fix(context.Background(), paths, opts)
	if err != nil {
		fail("--fix: %v", err)
		return
	}
	// What a plain lint offers as a fix (JSON edits, SARIF fixes) is what --fix writes:
	// none of its fixes fails --fix's check.
	for _, f := range fr.Final.Findings {
		if why := checkRejection(f.Fix); why != "" {
			fail("%s: %s: a plain lint shows this fix with its edits, --fix rejects it: %s", f.Pos.Short(), f.Rule.ID, why)
		}
	}
	shown := fr.Changes()
	if len(shown) == 0 {
		return
	}
	tally.add(tally.fixed, c.format)
	first, err := lint.Run(context.Background(), paths, opts) // the files as read: nothing written yet
	if err != nil {
		t.Fatal(err)
	}
	if err := fr.Write(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range shown {
		got, _ := os.ReadFile(filepath.Join(dir, ch.Path))
		if !bytes.Equal(got, ch.After) {
			fail("%s: --diff shows other text than --fix writes", ch.Path)
		}
	}
	after, err := corpusView(c, bins, dir, hosts, stubs)
	if err != nil {
		fail("the real tool rejects the fixed files: %.400s", err)
		return
	}
	names := map[string]bool{}
	for _, w := range lint.FixedDirectives(fr) {
		names[w] = true
	}
	for _, d := range viewChanges(c.tool(), before, after, names) {
		fail("the %s view changed where no fix says (%v): %s", c.format, lint.FixedDirectives(fr), d)
	}
	// no502 still parses it, with no error it did not have before.
	fixedRun, err := lint.Run(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	had := map[string]int{}
	for _, d := range first.Errors {
		had[d.Message]++
	}
	for _, d := range fixedRun.Errors {
		if had[d.Message] > 0 {
			had[d.Message]--
			continue
		}
		fail("no502 cannot parse the fixed files: %s: %s", d.Pos, d.Message)
	}
	again, err := lint.Fix(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ch := again.Changes(); len(ch) > 0 {
		fail("a second --fix changes %s again", ch[0].Path)
	}
}

// viewChanges lists what differs between the real tool's views before and after the
// fixes and is not under a setting the fixes write (names).
func viewChanges(format string, before, after any, names map[string]bool) []string {
	var out []string
	switch format {
	case "nginx":
		allowed := map[string]bool{"#": true, "}": true, "{": true}
		for n := range names {
			allowed[n] = true
		}
		if names["proxy_pass"] {
			allowed["return"] = true // the health fix replaces a return with a proxy_pass
		}
		for _, l := range changedLines(before.(string), after.(string)) {
			ok := strings.HasPrefix(l, "#")
			for _, w := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ';' || r == '=' || r == '\t' }) {
				ok = ok || allowed[w]
			}
			if !ok {
				out = append(out, fmt.Sprintf("line %q", l))
			}
		}
	case "caddy":
		out = jsonChanges(before, after, caddyJSONKeys(names))
	case "terraform":
		// terraform fmt's output is the file itself: the check is that it still reads it.
	case "k8s":
		b, a := before.(k8sView), after.(k8sView)
		out = yamlChanges(b.docs, a.docs, k8sKeys(names))
		for i, e := range a.strict {
			if e != "" && (i >= len(b.strict) || b.strict[i] == "") {
				out = append(out, "the k8s.io/api types reject document "+fmt.Sprint(i)+": "+e)
			}
		}
	case "compose":
		out = yamlChanges(before.([]any), after.([]any), k8sKeys(names))
	}
	return out
}

// caddyJSONKeys maps the Caddyfile settings the fixes write to the keys of the JSON that
// caddy adapt makes of them.
func caddyJSONKeys(names map[string]bool) map[string]bool {
	keys := map[string]bool{}
	for n := range names {
		switch n {
		case "lb_try_duration":
			keys["try_duration"] = true
		case "keepalive":
			keys["keep_alive"] = true
			keys["transport"] = true // a transport http block written to hold it
		case "idle":
			keys["idle_timeout"] = true
		case "response_header_timeout", "read_timeout":
			keys[n] = true
			keys["transport"] = true
		case "reverse_proxy":
			keys["handle"] = true // the route's handler: a proxy where there was none
		default:
			keys[n] = true // fail_duration, grace_period, shutdown_delay: the same name
		}
	}
	return keys
}

// k8sKeys drops the keys that only place a value (a patch names every key on its way).
func k8sKeys(names map[string]bool) map[string]bool {
	keys := map[string]bool{}
	for n := range names {
		switch n {
		case "spec", "template", "metadata", "containers", "name", "selector", "matchLabels", "apiVersion", "kind", "services":
		default:
			keys[n] = true
		}
	}
	return keys
}

// flatten lists the leaves of a decoded JSON or YAML value by path.
func flatten(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flatten(x, path+"/"+k, out)
		}
	case []any:
		for i, x := range v {
			flatten(x, fmt.Sprintf("%s/%d", path, i), out)
		}
	default:
		out[path] = fmt.Sprint(v)
	}
}

// pathChanges lists the leaf paths that differ between a and b and hold none of keys.
func pathChanges(a, b any, keys map[string]bool) []string {
	fa, fb := map[string]string{}, map[string]string{}
	flatten(a, "", fa)
	flatten(b, "", fb)
	var out []string
	seen := func(p string) {
		for _, seg := range strings.Split(p, "/") {
			if keys[seg] {
				return
			}
		}
		out = append(out, fmt.Sprintf("%s (%q → %q)", p, fa[p], fb[p]))
	}
	for p, v := range fa {
		if w, ok := fb[p]; !ok || w != v {
			seen(p)
		}
	}
	for p := range fb {
		if _, ok := fa[p]; !ok {
			seen(p)
		}
	}
	sort.Strings(out)
	return out
}

func jsonChanges(before, after any, keys map[string]bool) []string {
	return pathChanges(before, after, keys)
}

// yamlChanges compares documents by kind and name (a fix may add a document: a new
// object, such as a PodDisruptionBudget, whose keys it names).
func yamlChanges(before, after []any, keys map[string]bool) []string {
	id := func(d any) string {
		m, _ := d.(map[string]any)
		meta, _ := m["metadata"].(map[string]any)
		return fmt.Sprint(m["kind"], "/", meta["namespace"], "/", meta["name"])
	}
	index := func(docs []any) map[string]any {
		out, n := map[string]any{}, map[string]int{}
		for _, d := range docs {
			k := id(d)
			n[k]++
			if n[k] > 1 {
				k = fmt.Sprint(k, "#", n[k]) // an empty document, or one named twice
			}
			out[k] = d
		}
		return out
	}
	b, a := index(before), index(after)
	var out []string
	for k, d := range a {
		if old, ok := b[k]; ok {
			out = append(out, pathChanges(old, d, keys)...)
		} else if len(pathChanges(map[string]any{}, d, keys)) == len(pathChanges(map[string]any{}, d, nil)) {
			out = append(out, "a new document "+k+" holds no setting the fixes write")
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "document "+k+" is gone")
		}
	}
	return out
}

// yamlDocs decodes every document of a YAML stream.
func yamlDocs(src []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []any
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// caddyJSON runs caddy adapt on a Caddyfile and decodes the JSON it prints (warnings go
// to stderr).
func caddyJSON(bin, path string) (any, error) {
	cmd := exec.Command(bin, "adapt", "--config", path, "--adapter", "caddyfile")
	cmd.Dir = filepath.Dir(path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, errors.New(errb.String())
	}
	var v any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		return nil, fmt.Errorf("caddy adapt printed no JSON: %v", err)
	}
	return v, nil
}

// terraformFmt runs terraform fmt on a file's text: its formatted text, or an error when
// terraform cannot parse it.
func terraformFmt(bin string, src []byte) (string, error) {
	cmd := exec.Command(bin, "fmt", "-no-color", "-")
	cmd.Stdin = bytes.NewReader(src)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", errors.New(errb.String())
	}
	return out.String(), nil
}

// composeLoad loads a Compose file with compose-go, docker compose's own loader, with
// its schema validation.
func composeLoad(dir, name string) (*types.Project, error) {
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, name)}},
		Environment: map[string]string{},
	}, func(o *loader.Options) {
		o.SetProjectName("corpus", true)
		o.SkipResolveEnvironment = true
		o.SkipConsistencyCheck = true
		o.ResolvePaths = false
		o.Profiles = []string{"*"}
	})
}

// nginxStubbedView is nginxView for files that include what is not in the corpus: each
// include nginx cannot open is an empty file of the view (the same ones before and after
// the fixes: stubs collects them), and each upstream host it cannot resolve 127.0.0.1.
func nginxStubbedView(bin, dir string, hosts, stubs map[string]string) (string, error) {
	for try := 0; try < 30; try++ {
		out, err := nginxRun(bin, dir, hosts, stubs)
		if err == nil {
			return out, nil
		}
		msg := err.Error()
		if _, rest, ok := strings.Cut(msg, "host not found in upstream \""); ok {
			host, _, _ := strings.Cut(rest, "\"")
			host, _, _ = strings.Cut(host, ":")
			if _, seen := hosts[host]; seen || host == "" {
				return "", err
			}
			hosts[host] = "127.0.0.1"
			continue
		}
		if _, rest, ok := strings.Cut(msg, "open() \""); ok && strings.Contains(msg, "No such file or directory") {
			path, _, _ := strings.Cut(rest, "\"")
			if _, seen := stubs[path]; seen || path == "" {
				return "", err
			}
			stubs[path] = fmt.Sprintf("no502-stub-%d.conf", len(stubs))
			continue
		}
		return "", err
	}
	return "", errors.New("too many unknown hosts and missing includes")
}

// nginxRun runs nginx -T on a copy of dir in which each host of hosts and each missing
// include of stubs is replaced.
func nginxRun(bin, dir string, hosts, stubs map[string]string) (string, error) {
	view, err := os.MkdirTemp("", "nginx-view")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(view)
	var main string
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(view, rel), 0o755)
		}
		src, _ := os.ReadFile(p)
		text := string(src)
		for h, to := range hosts {
			text = strings.ReplaceAll(text, h, to)
		}
		for path, stub := range stubs {
			if !strings.HasPrefix(path, dir+"/") {
				text = strings.ReplaceAll(text, path, filepath.Join(view, stub))
			}
		}
		if rel == "nginx.conf" {
			main = text
		}
		return os.WriteFile(filepath.Join(view, rel), []byte(text), 0o644)
	})
	if err != nil {
		return "", err
	}
	for path, stub := range stubs {
		// A relative include is looked for under the prefix (the view): an empty file
		// there; any other, the stub its path was replaced with.
		at := filepath.Join(view, stub)
		if rel, ok := strings.CutPrefix(path, dir+"/"); ok {
			at = filepath.Join(view, rel)
			os.MkdirAll(filepath.Dir(at), 0o755)
		}
		os.WriteFile(at, nil, 0o644)
	}
	args := []string{"-T", "-q", "-p", view, "-c", filepath.Join(view, "nginx.conf"), "-e", "stderr"}
	if !strings.Contains(main, "\npid ") && !strings.HasPrefix(main, "pid ") {
		args = append(args, "-g", "pid "+filepath.Join(view, "nginx.pid")+";")
	}
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", errors.New(strings.ReplaceAll(errb.String(), view, dir))
	}
	return strings.ReplaceAll(out.String(), view, dir), nil
}

// The view comparisons catch a change outside the named settings.
func TestViewChangesCatchOthers(t *testing.T) {
	before := map[string]any{"handle": []any{map[string]any{"read_timeout": 1.0, "dial_timeout": 2.0}}}
	after := map[string]any{"handle": []any{map[string]any{"read_timeout": 3.0, "dial_timeout": 5.0}}}
	got := jsonChanges(before, after, caddyJSONKeys(map[string]bool{"lb_try_duration": true}))
	if len(got) != 2 {
		t.Errorf("changes = %v, want read_timeout and dial_timeout", got)
	}
	got = jsonChanges(before, after, map[string]bool{"read_timeout": true})
	if len(got) != 1 || !strings.Contains(got[0], "dial_timeout") {
		t.Errorf("changes = %v, want dial_timeout only", got)
	}
	docs := []any{map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{"replicas": 1, "paused": false}}}
	fixed := []any{map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{"replicas": 2, "paused": true}}}
	if got := yamlChanges(docs, fixed, k8sKeys(map[string]bool{"spec": true, "replicas": true})); len(got) != 1 || !strings.Contains(got[0], "paused") {
		t.Errorf("changes = %v, want paused only", got)
	}
	if got := viewChanges("nginx", "http {\n  proxy_read_timeout 30s;\n  gzip on;\n}\n", "http {\n  proxy_read_timeout 100s;\n  gzip off;\n}\n", map[string]bool{"proxy_read_timeout": true}); len(got) != 2 {
		t.Errorf("changes = %v, want the two gzip lines", got)
	}
}

// checkRejection returns the reason --fix gave for not writing fix when that reason is its
// own check's (the fix broke the file, changed another setting, conflicted or did not
// settle), rather than the rule's; "" otherwise.
func checkRejection(fix *rules.Fix) string {
	if fix == nil {
		return ""
	}
	for _, why := range []string{"it does not settle", "it would also change", "the fixed file does not parse", "it conflicts with another fix"} {
		if strings.Contains(fix.Description, "(not written: "+why) {
			return fix.Description
		}
	}
	return ""
}
