package nginx

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// writeTree creates files under a temp dir and returns the dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func resolveFile(t *testing.T, dir, name string, opts parsers.Options) (*Config, []*parsers.File, []parsers.Diag) {
	t.Helper()
	abs := filepath.Join(dir, name)
	src, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := ParseFile(abs, src)
	files, more := resolve(cfg, abs, opts)
	return cfg, files, append(diags, more...)
}

// names lists the directive names of ds with includes spliced, recursively.
func names(ds []*Directive) string {
	var out []string
	for _, d := range Expand(ds) {
		s := d.Name
		if d.Block != nil {
			s += "{" + names(d.Block) + "}"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestIncludeNestedRelativeToMain(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf":                 "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
		"conf.d/a.conf":              "server {\n  include snippets/proxy.conf;\n}\n",
		"conf.d/b.conf":              "upstream u { server 1.2.3.4; }\n",
		"conf.d/.hidden.conf":        "hidden 1;\n",
		"conf.d/c.txt":               "nope 1;\n",
		"snippets/proxy.conf":        "proxy_read_timeout 5s;\n",
		"conf.d/snippets/x.conf":     "wrong 1;\n",
		"conf.d/snippets/proxy.conf": "wrong 1;\n",
	})
	cfg, files, diags := resolveFile(t, dir, "nginx.conf", parsers.Options{Roots: []string{dir}})
	if len(diags) != 0 {
		t.Fatalf("diags: %v", diags)
	}
	if got := names(cfg.Directives); got != "events{} http{server{proxy_read_timeout} upstream{server}}" {
		t.Errorf("spliced tree = %s", got)
	}
	if len(files) != 3 {
		t.Fatalf("files = %d", len(files))
	}
	// The nested include's file keeps its own positions and records who included it.
	var proxy *parsers.File
	for _, f := range files {
		if strings.HasSuffix(f.Path, "snippets/proxy.conf") {
			proxy = f
		}
	}
	if proxy == nil || proxy.IncludedBy == nil || !strings.HasSuffix(proxy.IncludedBy.File, "conf.d/a.conf") || proxy.IncludedBy.Line != 2 || proxy.IncludedBy.Col != 3 {
		t.Fatalf("proxy.conf included by %+v", proxy)
	}
	inc := cfg.Directives[1].Block[0]
	a := inc.Included()[0]
	prt := a.Directives[0].Block[0].Included()[0].Directives[0]
	if !strings.HasSuffix(prt.Pos().File, "snippets/proxy.conf") || prt.Pos().Line != 1 {
		t.Errorf("included directive pos = %v", prt.Pos())
	}
}

func TestIncludeFragmentFallsBackToParents(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"sites-enabled/app":        "server {\n  include snippets/common.conf;\n  include local.conf;\n}\n",
		"sites-enabled/local.conf": "own_dir 1;\n",
		"snippets/common.conf":     "from_parent 1;\n",
	})
	cfg, _, diags := resolveFile(t, dir, "sites-enabled/app", parsers.Options{Roots: []string{dir}})
	// snippets/ is found in the parent, local.conf next to the fragment.
	if got := names(cfg.Directives); got != "server{from_parent own_dir}" || len(diags) != 0 {
		t.Errorf("tree = %s, diags %v", got, diags)
	}
	// Not found anywhere: the fragment's conf prefix is the server's (/etc/nginx), whose
	// files the repository need not hold (snippets/ssl-params.conf made by hand there):
	// a note, as for an absolute path outside the linted paths, not a config error.
	dir = writeTree(t, map[string]string{"sites-enabled/app": "server {\n  include snippets/ssl-params.conf;\n}\n"})
	_, _, diags = resolveFile(t, dir, "sites-enabled/app", parsers.Options{Roots: []string{dir}})
	if len(diags) != 1 || diags[0].Severity != parsers.Info || diags[0].Pos.Line != 2 || !strings.Contains(diags[0].Message, "snippets/ssl-params.conf: not in the linted paths") {
		t.Errorf("diags = %v", diags)
	}

	dir = writeTree(t, map[string]string{
		"conf.d/app.conf":       "server { include app-proxy.conf; }\n",
		"conf.d/app-proxy.conf": "own_dir 1;\n",
	})
	cfg, _, diags = resolveFile(t, dir, "conf.d/app.conf", parsers.Options{Roots: []string{dir}})
	if got := names(cfg.Directives); got != "server{own_dir}" || len(diags) != 0 {
		t.Errorf("own dir first: %s %v", got, diags)
	}
}

func TestIncludeMissingAndOutside(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf": "http {\n" +
			"  include missing.conf;\n" + // 2: error
			"  include /etc/nginx/mime.types;\n" + // 3: outside roots
			"  include none/*.conf;\n" + // 4: empty glob, fine
			"  include a b;\n" + // 5: error
			"}\n",
	})
	_, _, diags := resolveFile(t, dir, "nginx.conf", parsers.Options{Roots: []string{dir}})
	got := diagStrings(diags)
	for _, want := range []string{
		"2:3 error include missing.conf: file not found",
		"3:3 info include /etc/nginx/mime.types is outside the linted paths; not followed",
		"5:3 error include takes exactly one path, got 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "4:") {
		t.Errorf("empty glob reported:\n%s", got)
	}
	// Missing absolute include inside the roots (or with no roots): a note, not an error.
	abs := filepath.Join(dir, "nope.types")
	cfg, _ := ParseFile("m.conf", []byte("include "+abs+";\n"))
	_, diags = resolve(cfg, filepath.Join(dir, "m.conf"), parsers.Options{})
	if len(diags) != 1 || diags[0].Severity != parsers.Info || !strings.Contains(diags[0].Message, "file not found") {
		t.Errorf("missing absolute: %v", diags)
	}
	// Outside files are not read, even through a symlink inside the roots.
	outside := writeTree(t, map[string]string{"secret": "root:x:0:0;\n"})
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link.conf")); err == nil {
		cfg, _ := ParseFile("m.conf", []byte("include link.conf;\n"))
		files, diags := resolve(cfg, filepath.Join(dir, "m.conf"), parsers.Options{Roots: []string{dir}})
		if len(files) != 0 || len(diags) != 1 || diags[0].Severity != parsers.Info {
			t.Errorf("symlink escape: files %d, diags %v", len(files), diags)
		}
	}
}

func TestIncludeCycle(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf": "http { include a.conf; }\n",
		"a.conf":     "a 1;\ninclude b.conf;\n",
		"b.conf":     "b 1;\ninclude a.conf;\n",
		"self.conf":  "include self.conf;\n",
	})
	cfg, _, diags := resolveFile(t, dir, "nginx.conf", parsers.Options{Roots: []string{dir}})
	if len(diags) != 1 || diags[0].Severity != parsers.Error || !strings.HasSuffix(diags[0].Pos.File, "b.conf") || diags[0].Pos.Line != 2 {
		t.Fatalf("diags = %v", diags)
	}
	if !strings.Contains(diags[0].Message, "include cycle: ") || !strings.Contains(diags[0].Message, "a.conf → ") {
		t.Errorf("message = %s", diags[0].Message)
	}
	if got := names(cfg.Directives); got != "http{a b include}" {
		t.Errorf("tree = %s", got)
	}
	_, _, diags = resolveFile(t, dir, "self.conf", parsers.Options{})
	if len(diags) != 1 || !strings.Contains(diags[0].Message, "include cycle") {
		t.Errorf("self include: %v", diags)
	}
}

func TestIncludeLimitAndReadFile(t *testing.T) {
	// Each file includes the next twice: 2^20 instances without a cap. --max-includes
	// counts the files pulled in (21 here, under 50: issue 17); the expanded tree is
	// bounded by --max-directives, which stops the bomb.
	files := map[string]string{}
	for i := 0; i < 20; i++ {
		files[filepath.Join("f", string(rune('a'+i))+".conf")] = "include f/" + string(rune('a'+i+1)) + ".conf;\ninclude f/" + string(rune('a'+i+1)) + ".conf;\n"
	}
	files["f/u.conf"] = "leaf 1;\n"
	dir := writeTree(t, files)
	var reads int
	opts := parsers.Options{MaxIncludes: 50, MaxDirectives: 5000, ReadFile: func(abs string) (string, []byte, error) {
		reads++
		src, err := os.ReadFile(abs)
		return "shown/" + filepath.Base(abs), src, err
	}}
	_, got, diags := resolveFile(t, dir, "f/a.conf", opts)
	if reads != len(got) || reads > 20 {
		t.Errorf("reads = %d, files = %d", reads, len(got))
	}
	if len(got) > 0 && !strings.HasPrefix(got[0].Path, "shown/") {
		t.Errorf("display path = %s", got[0].Path)
	}
	limited := false
	for _, d := range diags {
		if strings.Contains(d.Message, "more than 5000 directives") {
			limited = true
		}
		if strings.Contains(d.Message, "included files") {
			t.Errorf("21 files counted as more than 50: %s", d)
		}
	}
	if !limited {
		t.Errorf("no limit diag: %v", diags)
	}

	// The same file included from 1,500 locations is one file; 60 distinct files are
	// more than 50.
	var b strings.Builder
	b.WriteString("http { server {\n")
	for i := 0; i < 1500; i++ {
		b.WriteString("location /p" + strconv.Itoa(i) + "/ { include snippets/proxy.conf; }\n")
	}
	for i := 0; i < 60; i++ {
		b.WriteString("location /q" + strconv.Itoa(i) + "/ { include snippets/s" + strconv.Itoa(i) + ".conf; }\n")
	}
	b.WriteString("} }\n")
	many := map[string]string{"nginx.conf": b.String(), "snippets/proxy.conf": "proxy_set_header Host $host;\n"}
	for i := 0; i < 60; i++ {
		many["snippets/s"+strconv.Itoa(i)+".conf"] = "proxy_set_header X-N " + strconv.Itoa(i) + ";\n"
	}
	dir = writeTree(t, many)
	_, _, diags = resolveFile(t, dir, "nginx.conf", parsers.Options{MaxIncludes: 50})
	over := 0
	for _, d := range diags {
		if strings.Contains(d.Message, "more than 50 included files") {
			over++
		} else {
			t.Errorf("unexpected: %s", d)
		}
	}
	if over != 60-49 {
		t.Errorf("%d includes over the limit, want %d (files 50..60 of the 61 pulled in)", over, 60-49)
	}
}

func TestIncludeFragmentStaysInRoots(t *testing.T) {
	parent := writeTree(t, map[string]string{"snippets/x.conf": "x 1;\n", "site/app": "server { include snippets/x.conf; }\n"})
	root := filepath.Join(parent, "site")
	_, files, diags := resolveFile(t, parent, "site/app", parsers.Options{Roots: []string{root}})
	// Found above the roots: not followed, and not reported as missing.
	if len(files) != 0 || len(diags) != 1 || diags[0].Severity != parsers.Info || !strings.Contains(diags[0].Message, "outside the linted paths") {
		t.Errorf("files %d, diags %v", len(files), diags)
	}
}

func TestIncludeGlobEscape(t *testing.T) {
	dir := writeTree(t, map[string]string{"conf/nginx.conf": "http { include ../*/*.conf; include ../../*/*/*.conf; }\n", "other/x.conf": "x 1;\n"})
	root := filepath.Join(dir, "conf")
	cfg, files, diags := resolveFile(t, dir, "conf/nginx.conf", parsers.Options{Roots: []string{root}})
	if len(files) != 0 || names(cfg.Directives) != "http{include include}" {
		t.Errorf("glob escaped the roots: %d files", len(files))
	}
	if len(diags) != 2 || diags[0].Severity != parsers.Info || !strings.Contains(diags[1].Message, "outside the linted paths") {
		t.Errorf("diags = %v", diags)
	}
}

// Files the nginx package installs next to nginx.conf are rarely in a repository: their
// absence is a note, not an error.
func TestStockIncludeIsANote(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "nginx.conf")
	os.WriteFile(main, []byte("http {\n  include mime.types;\n  include fastcgi_params;\n}\n"), 0o644)
	m := Parse([]parsers.Input{{Path: "nginx.conf", Abs: main, Src: mustRead(t, main)}}, parsers.Options{Roots: []string{dir}})
	if len(m.Diags) != 2 {
		t.Fatalf("want 2 notes, got %v", m.Diags)
	}
	for _, d := range m.Diags {
		if d.Severity != parsers.Info {
			t.Errorf("%s: want a note", d)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolve follows the include directives of cfg, a file read from abs, in place: each
// followed include directive gets the parsed files in Directive.Included(). It returns the
// files pulled in (each with IncludedBy set) and diagnostics (missing, cyclic or
// out-of-root includes, and syntax errors in included files).
func resolve(cfg *Config, abs string, opts parsers.Options) ([]*parsers.File, []parsers.Diag) {
	r := newResolver(opts)
	root := r.add(abs, cfg, &parsers.File{Path: cfg.Path, Format: parsers.FormatNginx, Src: cfg.Src}, true)
	r.resolveRoot(root)
	var files []*parsers.File
	for _, ld := range r.order[1:] {
		files = append(files, ld.file)
	}
	return files, r.diags
}

// TestIncludeThroughLinkIsTheLinkedFile: Debian's layout, sites-enabled/app a link to
// sites-available/app, and both directories linted: the file nginx.conf includes through
// the link is the input sites-available/app, analysed once in nginx.conf's context (it
// was also analysed on its own, and every finding in it was reported twice).
func TestIncludeThroughLinkIsTheLinkedFile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf":          "events {}\nhttp {\n  include sites-enabled/*;\n}\n",
		"sites-available/app": "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
	})
	if err := os.MkdirAll(filepath.Join(dir, "sites-enabled"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../sites-available/app", filepath.Join(dir, "sites-enabled", "app")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	// A directory run hands the link to the parser as an input too.
	for _, inputs := range [][]string{{"nginx.conf", "sites-available/app"}, {"nginx.conf", "sites-available/app", "sites-enabled/app"}} {
		includeThroughLink(t, dir, inputs)
	}
}

func includeThroughLink(t *testing.T, dir string, inputs []string) {
	t.Helper()
	var in []parsers.Input
	for _, name := range inputs {
		abs := filepath.Join(dir, name)
		in = append(in, parsers.Input{Path: name, Abs: abs, Src: mustRead(t, abs)})
	}
	m := Parse(in, parsers.Options{Roots: []string{dir}})
	if len(m.Diags) != 0 {
		t.Fatalf("%v: diags: %v", inputs, m.Diags)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	var routes []*parsers.Route
	for _, h := range m.Hops {
		routes = append(routes, h.Routes...)
	}
	if len(routes) != 1 || len(m.Files) != 2 {
		t.Fatalf("%v: %d routes, files %v: want the one route of sites-available/app, analysed in nginx.conf's http{}", inputs, len(routes), paths)
	}
	if r := routes[0]; r.Pos.File != "sites-available/app" || m.Files[1].IncludedBy == nil {
		t.Errorf("route at %s, included by %v: want sites-available/app, included by nginx.conf", r.Pos, m.Files[1].IncludedBy)
	}
}

// TestDisabledSiteIsNotLinted: a sites-available file that no link in the sites-enabled/
// a main file reads wholesale reaches is switched off: nginx does not load it, so it is
// not analysed (a note at the include says so). Without that include (a fragment
// directory linted alone, or a main file including sites-available/* itself) it is.
func TestDisabledSiteIsNotLinted(t *testing.T) {
	site := "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n"
	for _, c := range []struct {
		name, main string
		routes     int
		note       bool
	}{
		{"sites-enabled read", "events {}\nhttp {\n  include sites-enabled/*;\n}\n", 1, true},
		{"sites-available read", "events {}\nhttp {\n  include sites-available/*;\n}\n", 2, false},
		{"no main file", "", 2, false},
	} {
		files := map[string]string{"sites-available/app": site, "sites-available/old": site}
		if c.main != "" {
			files["nginx.conf"] = c.main
		}
		dir := writeTree(t, files)
		if err := os.MkdirAll(filepath.Join(dir, "sites-enabled"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../sites-available/app", filepath.Join(dir, "sites-enabled", "app")); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
		var in []parsers.Input
		for _, name := range []string{"nginx.conf", "sites-available/app", "sites-available/old", "sites-enabled/app"} {
			if _, ok := files[name]; !ok && name == "nginx.conf" {
				continue
			}
			abs := filepath.Join(dir, name)
			in = append(in, parsers.Input{Path: name, Abs: abs, Src: mustRead(t, abs)})
		}
		m := Parse(in, parsers.Options{Roots: []string{dir}})
		routes := 0
		for _, h := range m.Hops {
			routes += len(h.Routes)
		}
		note := false
		for _, d := range m.Diags {
			if d.Severity == parsers.Info && strings.Contains(d.Message, "sites-available/old is not enabled") && d.Pos.File == "nginx.conf" && d.Pos.Line == 3 {
				note = true
			} else {
				t.Errorf("%s: unexpected diag %v", c.name, d)
			}
		}
		if routes != c.routes || note != c.note {
			t.Errorf("%s: %d routes, note %v; want %d, %v", c.name, routes, note, c.routes, c.note)
		}
	}
}
