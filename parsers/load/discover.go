// Package load is the one place that wires the format parsers together: it discovers
// files, reads each once, picks its format, runs the parsers in parallel and merges their
// models. Nothing else imports more than one format package.
package load

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/no502/no502/internal/gitdir"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/compose"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/phpfpm"
)

// candidate is a discovered file and its format.
type candidate struct {
	abs     string
	display string
	format  string
	// explicit: named on the command line (pre-commit passes file names); its findings
	// are reported, context files' are not.
	explicit bool
	// probe: no name rule gave the file a format, but its name is one nginx site files
	// get (probeName): it is nginx only if its head says so (probeFile), and otherwise
	// skipped without a word.
	probe bool
}

// candidateFormat is the format a file's name gives it, or, for a name that gives none
// but is worth a look (probeName), nginx to be confirmed by the content (probe).
func candidateFormat(abs string) (format string, probe bool) {
	if f, _ := formatByName(abs); f != "" {
		return f, false
	}
	if probeName(filepath.Base(abs)) {
		return parsers.FormatNginx, true
	}
	return "", false
}

// skipDirs are never descended into: dependencies and build output.
var skipDirs = map[string]bool{"vendor": true, "node_modules": true}

// deployDirs are the hidden directories the walk does descend into: they hold a
// deployment's configuration, not tools' state. Elastic Beanstalk reads its nginx config
// from the application bundle: .platform/nginx/ (nginx.conf replacing the platform's,
// conf.d/*.conf included in http{}, conf.d/elasticbeanstalk/*.conf in the default
// server{}) on Amazon Linux 2 and later, and .ebextensions/nginx/ on the platforms
// before it (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/platforms-linux-extend.proxy.html).
// Every other hidden directory (.git, .terraform, .cache, .github...) stays skipped.
var deployDirs = map[string]bool{".platform": true, ".ebextensions": true}

// SkippedDir reports whether a directory walk skips a directory of this name (a
// dependency directory, or a hidden one that holds no deployment config); files in it
// are linted only when named.
func SkippedDir(name string) bool {
	return skipDirs[name] || strings.HasPrefix(name, ".") && name != "." && name != ".." && !deployDirs[name]
}

// formatByName picks a format from the file name alone; "" means decide by content, or
// skip. k8s and nginx's *.conf need a look at the content.
func formatByName(path string) (format string, sniff bool) {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	if strings.HasPrefix(lower, "dockerfile") || strings.HasPrefix(lower, "containerfile") {
		// Dockerfile.nginx, the image of a proxy service, ends like an nginx file but is
		// none (its FROM line read as nginx was a config error); the Compose loader reads
		// the Dockerfiles that services build.
		return "", false
	}
	switch {
	case base == "Caddyfile" || strings.HasPrefix(base, "Caddyfile.") || strings.HasSuffix(lower, ".caddyfile"):
		return parsers.FormatCaddy, false
	case strings.HasSuffix(lower, ".tf") || strings.HasSuffix(lower, ".tf.json") ||
		strings.HasSuffix(lower, ".tfvars") || strings.HasSuffix(lower, ".tfvars.json"):
		return parsers.FormatTerraform, false
	case lower == "nginx.conf" || strings.HasSuffix(lower, ".nginx") || strings.HasSuffix(lower, ".nginxconf"):
		return parsers.FormatNginx, false
	case strings.HasSuffix(lower, ".conf"):
		return parsers.FormatNginx, true // or a Caddyfile by its content (caddySniff)
	case nginx.IsTemplate(lower):
		// The official nginx image renders templates/*.conf.template into conf.d at
		// start (envsubst): the file is nginx config with the environment's values to
		// come, which the model leaves unknown.
		return parsers.FormatNginx, true
	case strings.HasSuffix(lower, ".caddy"):
		return parsers.FormatCaddy, true
	case k8s.IsEBExtension(path):
		// An Elastic Beanstalk config: YAML (or JSON) whose files: entries may write
		// nginx files; the k8s parser reads those as embedded nginx text.
		return parsers.FormatK8s, true
	case compose.IsComposeFile(base):
		// Before the Kubernetes sniff: a compose file is never a manifest.
		return parsers.FormatCompose, false
	case strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".json"):
		return parsers.FormatK8s, true
	case strings.HasPrefix(lower, "caddyfile"):
		// Caddyfile-dev, CaddyfileConfig: by their content.
		return parsers.FormatCaddy, true
	}
	// Files in the directories nginx packages use hold nginx config whatever their name.
	switch filepath.Base(filepath.Dir(path)) {
	case "sites-enabled", "sites-available", "conf.d", "snippets":
		return parsers.FormatNginx, true
	case "caddy", "Caddy":
		return parsers.FormatCaddy, true
	}
	return "", false
}

// Lintable reports whether the file at abs is one the loader lints when it is named:
// a config by its name, or by its content where the name does not decide (a .yaml that
// is no manifest, a .conf that is no nginx config, is not). It reads the file when the
// name does not decide; a file it cannot read, or larger than maxSize, is not.
func Lintable(abs string, maxSize int64) bool { return lintable(abs, maxSize, false) }

// lintable is Lintable (a named file) or, with walked, WalkLintable.
func lintable(abs string, maxSize int64, walked bool) bool {
	format, needSniff := formatByName(abs)
	if format == "" {
		return probeName(filepath.Base(abs)) && probeFile(abs)
	}
	if !needSniff {
		return true
	}
	// A candidate the walk's run cannot read is reported by it; a named one is not
	// lintable.
	st, err := os.Stat(abs)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxSize {
		return walked
	}
	src, err := os.ReadFile(abs)
	if err != nil || walked && looksBinary(src) {
		return walked
	}
	if caddySniff(format, abs, src) || sniff(format, abs, src) {
		return true
	}
	return format == parsers.FormatK8s && composeLooking(src) && (!walked || composeNamed(abs) && servicesMapping(src))
}

// nginxLooking recognises nginx config among the many *.conf formats (supervisord,
// fail2ban, ...): a block nginx knows or a directive only nginx writes. A conf.d file may
// hold nothing but an `upstream NAME { ... }` pool or `include` lines (issue 17); an
// include counts only with an unquoted path and a semicolon, which BIND (quoted paths),
// Apache and supervisord (no semicolon) do not write.
var nginxLooking = regexp.MustCompile(`(?m)^\s*(?:(?:http|server|events|stream|types)\s*\{|upstream\s+[^\s{;"']+\s*\{|include\s+[^\s;{"']+\s*;|location\s+[^{;]*\{|(?:proxy_pass|server_name|listen|worker_processes|fastcgi_pass|uwsgi_pass|proxy_set_header|proxy_read_timeout|keepalive_timeout|client_max_body_size|add_header|try_files|error_page)\s+[^;{]*;)`)

func sniff(format string, path string, src []byte) bool {
	switch format {
	case parsers.FormatNginx:
		// A php-fpm pool file (www.conf) is a .conf whose "listen = 9000" and ';'
		// comments match the nginx pattern; no502 reads it only through the mounts that
		// hand it to a php-fpm (readPHPPools).
		return nginxLooking.Match(src) && !phpfpm.LooksLikePool(string(src))
	case parsers.FormatK8s:
		return k8sLooking(path, src)
	case parsers.FormatCaddy:
		return caddy.LooksLikeCaddyfile(src)
	}
	return true
}

// caddySniff picks Caddy for a file its name gave another format that needs a look at
// the content: a .json file holding Caddy's JSON config (apps.http at the top level;
// checked before the Kubernetes sniff, which only looks for "apiVersion" and "kind"
// anywhere), or a .conf file that is no nginx config but a Caddyfile (caddy.conf).
func caddySniff(format, path string, src []byte) bool {
	switch {
	case format == parsers.FormatK8s && strings.HasSuffix(strings.ToLower(path), ".json"):
		return caddy.IsJSONConfig(src)
	case format == parsers.FormatNginx && strings.HasSuffix(strings.ToLower(path), ".conf"):
		return !nginxLooking.Match(src) && !phpfpm.LooksLikePool(string(src)) && caddy.LooksLikeCaddyfile(src)
	}
	return false
}

// gitignoreStack holds the .gitignore patterns that apply to a directory.
type gitignoreStack []gitignore.Pattern

func (s gitignoreStack) withDir(absDir string, domain []string) gitignoreStack {
	data, err := os.ReadFile(filepath.Join(absDir, ".gitignore"))
	if err != nil {
		return s
	}
	out := append(gitignoreStack(nil), s...)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, gitignore.ParsePattern(line, domain))
	}
	return out
}

func (s gitignoreStack) ignored(parts []string, isDir bool) bool {
	if len(s) == 0 {
		return false
	}
	return gitignore.NewMatcher(s).Match(parts, isDir)
}

// walker discovers the files under the paths given.
type walker struct {
	cwd     string
	ignored func(abs string) bool
	out     []candidate
	notes   []parsers.Diag
	seen    map[string]bool
	// maxFiles bounds discovery on a hostile or mistaken root ("/"): counted is the
	// candidates a name decides, probes those only their content can (as many again
	// at most, maxProbes).
	maxFiles, counted int
	probes, maxProbes int
	// configs are the .no502.yaml files met on the walk (absolute paths).
	configs []string
}

// configFileName is no502's config file (config.FileName; this package does not import
// the config). The walk records where they are so that a run can say which it did not
// read; none is linted.
const configFileName = ".no502.yaml"

func (w *walker) display(abs string) string {
	if rel, err := filepath.Rel(w.cwd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

func (w *walker) add(abs string, explicit bool) {
	if w.seen[abs] {
		return
	}
	if w.ignored(abs) {
		return
	}
	display := w.display(abs)
	format, probe := candidateFormat(abs)
	if format == "" {
		return
	}
	if probe {
		// Probes are no known configs: they do not count toward --max-files, and past
		// as many of them the rest are not looked at (a note says so).
		if w.probes >= w.maxProbes {
			if w.probes == w.maxProbes {
				w.notes = append(w.notes, parsers.Notef(parsers.Pos{File: display, Line: 1, Col: 1},
					"more than %s without an extension or named like a host; the rest are not looked at for nginx config (raise --max-files)", parsers.Plural(w.maxProbes, "file", "files")))
			}
			w.probes = w.maxProbes + 1
			return
		}
		w.probes++
	} else {
		if w.counted >= w.maxFiles {
			if w.counted == w.maxFiles {
				w.notes = append(w.notes, parsers.Errorf(parsers.Pos{File: display, Line: 1, Col: 1},
					"more than %s to lint; the rest are not linted (raise --max-files)", parsers.Plural(w.maxFiles, "file", "files")))
			}
			w.maxFiles = -1 // note once
			return
		}
		w.counted++
	}
	w.seen[abs] = true
	w.out = append(w.out, candidate{abs: abs, display: display, format: format, explicit: explicit, probe: probe})
}

// newWalker is the walker of a load with opts: the working directory made absolute, and
// the defaults set in opts (nothing ignored, 100,000 files at most).
func newWalker(opts *Options) (*walker, error) {
	cwd := opts.Cwd
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	cwd, _ = filepath.Abs(cwd)
	if opts.Ignored == nil {
		opts.Ignored = func(string) bool { return false }
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 100000
	}
	return &walker{cwd: cwd, ignored: opts.Ignored, seen: map[string]bool{}, maxFiles: opts.MaxFiles, maxProbes: opts.MaxFiles}, nil
}

// abs is path p given on the command line, absolute and clean.
func (w *walker) abs(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(w.cwd, p)
	}
	return filepath.Clean(p)
}

// walk adds every lintable file under root, honouring .gitignore files from the git
// root down, and skipping hidden directories, vendor/ and node_modules/.
func (w *walker) walk(root string) error {
	base := gitdir.Root(root)
	if base == "" {
		base = root
	}
	// .gitignore files in the directories above root (up to the git root) apply too.
	var stack gitignoreStack
	for _, dir := range ancestors(base, root) {
		stack = stack.withDir(dir, splitRel(base, dir))
	}
	if rel := splitRel(base, root); len(rel) > 0 && stack.ignored(rel, true) {
		// A directory named although .gitignore excludes it (a `helm template
		// --output-dir` tree, say): linted, as a named file is. The patterns above it
		// would exclude everything in it; the .gitignore files inside it still apply.
		stack = nil
	}
	return w.walkDir(root, base, stack, root)
}

// ancestors lists base and the directories between it and root, root excluded.
func ancestors(base, root string) []string {
	var out []string
	for d := root; d != base; {
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
		out = append([]string{d}, out...)
	}
	return out
}

func (w *walker) walkDir(dir, base string, stack gitignoreStack, root string) error {
	domain := splitRel(base, dir)
	stack = stack.withDir(dir, domain)
	entries, err := os.ReadDir(dir)
	if err != nil {
		if dir == root {
			return err
		}
		w.notes = append(w.notes, parsers.Errorf(parsers.Pos{File: w.display(dir), Line: 1, Col: 1}, "cannot read directory: %v", unwrapPathErr(err)))
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		abs := filepath.Join(dir, name)
		parts := append(append([]string(nil), domain...), name)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			// Symlinks to directories are not followed: they are how loops and escapes
			// out of the linted tree happen. Symlinked files are read.
			st, err := os.Stat(abs)
			if err != nil || st.IsDir() {
				continue
			}
		}
		if isDir {
			if SkippedDir(name) {
				continue
			}
			if stack.ignored(parts, true) {
				continue
			}
			if err := w.walkDir(abs, base, stack, root); err != nil {
				return err
			}
			continue
		}
		if stack.ignored(parts, false) {
			continue
		}
		if name == configFileName {
			w.configs = append(w.configs, abs)
			continue
		}
		w.add(abs, false)
	}
	return nil
}

func splitRel(base, dir string) []string {
	rel, err := filepath.Rel(base, dir)
	if err != nil || rel == "." {
		return nil
	}
	return strings.Split(rel, string(filepath.Separator))
}

// looksBinary reports whether src is not text: a NUL byte early on. Text that is not
// UTF-8 (a Latin-1 comment, which nginx takes) is not binary: it goes on to the sniff and
// the parser, which reports where it stops being UTF-8, so a config no502 cannot read
// fails the run as it does on standard input and through an include, instead of passing
// as a note.
func looksBinary(src []byte) bool {
	head := src
	if len(head) > 8192 {
		head = head[:8192]
	}
	return bytes.IndexByte(head, 0) >= 0
}

// Discover walks the directories among paths as Load would (.gitignore, hidden
// directories, vendor/ and node_modules/ skipped; opts.Ignored and MaxFiles honoured) and
// returns the candidate files it finds (absolute paths, in walk order: by name alone,
// before any content sniff; see WalkLintable) and the .no502.yaml files it passes. Files
// among paths are not returned. ok is false when the walk has something to say (a
// directory it cannot read, the file limit reached, a path that does not exist): a run
// of the directories themselves reports it.
func Discover(paths []string, opts Options) (files, configs []string, ok bool) {
	w, err := newWalker(&opts)
	if err != nil {
		return nil, nil, false
	}
	for _, p := range paths {
		abs := w.abs(p)
		st, err := os.Stat(abs)
		if err != nil {
			return nil, nil, false
		}
		if st.IsDir() {
			if err := w.walk(abs); err != nil {
				return nil, nil, false
			}
		}
	}
	if len(w.notes) > 0 {
		return nil, nil, false
	}
	for _, c := range w.out {
		files = append(files, c.abs)
	}
	return files, w.configs, true
}

// WalkLintable reports whether a directory walk lints the file at abs, or reports it: a
// config by its name, or by its content where the name does not decide, and a candidate
// the run cannot read, over maxSize, binary or not a regular file (Load says so for any
// candidate, before the sniff). Unlike Lintable (a named file), a YAML file that only
// looks like a Compose file is not one unless its name says compose or stack
// (composeNamed), as in Load.
func WalkLintable(abs string, maxSize int64) bool { return lintable(abs, maxSize, true) }
