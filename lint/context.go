package lint

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/internal/gitdir"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
)

// loadWithContext loads paths. When files are named (as pre-commit names the changed
// ones), the files that give them meaning are loaded too, but only findings and
// diagnostics positioned in the named files are reported (newResult): a Deployment is
// served by the Service, scaled by the HPA and proxied to by the nginx of other files; a
// Terraform module is every .tf file of its directory.
//
// Which files: what a full run would read — the lintable files under the working
// directory when it is in a git repository (else, or for a named file outside it, under
// the file's own directory) and the config's context: paths — narrowed by a byte scan to those that can link to the named
// files, directly or through one another (load.SelectContext). Only those are parsed, so
// a pre-commit run costs what the change links to, not what the directory holds.
func loadWithContext(paths []string, opts load.Options, cfg *config.Config, context ...string) (*load.Result, error) {
	named := map[string]bool{}
	var namedAbs []string
	var co load.ContextOptions
	roots := map[string]bool{}
	inGit := gitdir.Root(opts.Cwd) != ""
	ownDir := map[string]bool{} // named files whose context is their own directory
	for _, p := range paths {
		abs := absPath(p, opts.Cwd)
		st, err := os.Stat(abs)
		if err != nil || st.IsDir() {
			continue
		}
		named[displayPath(opts.Cwd, abs)] = true
		namedAbs = append(namedAbs, abs)
		// The working directory when it is (in) a git repository and holds the file:
		// pre-commit runs at the repository root. Elsewhere (a file named from a home
		// directory, or outside the working directory) only the file's own directory:
		// a walk of a home directory would cost more than the run.
		root := filepath.Dir(abs)
		if rel, err := filepath.Rel(opts.Cwd, abs); err == nil && !strings.HasPrefix(rel, "..") && inGit {
			root = opts.Cwd
		}
		if len(opts.Walked) > 0 {
			// A directory run split by config (splitByConfig): the context is what the
			// directory run reads, no more.
			root = ""
		}
		if root != "" && root != opts.Cwd {
			ownDir[displayPath(opts.Cwd, abs)] = true
		}
		if root != "" {
			roots[root] = true
		}
		co.Forced = append(co.Forced, load.ModuleFiles(abs)...)
	}
	if len(namedAbs) == 0 {
		return load.Load(paths, opts)
	}
	for _, d := range opts.Walked {
		roots[d] = true
	}
	for _, c := range context {
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			roots[c] = true
		} else if err == nil {
			co.Forced = append(co.Forced, c)
		}
	}
	for r := range roots {
		co.Roots = append(co.Roots, r)
	}
	sort.Strings(co.Roots)
	declaredContext(&co, cfg, opts.Cwd)
	// The paths that are not named files (directories, missing paths: Load reports
	// those) first, then the named files with their context in the order a full run
	// reads them, so that the model, and the order of related positions, is the full
	// run's.
	isNamed := map[string]bool{}
	for _, a := range namedAbs {
		isNamed[a] = true
	}
	var all []string
	for _, p := range paths {
		if !isNamed[absPath(p, opts.Cwd)] {
			all = append(all, p)
		}
	}
	all = append(all, load.SelectContext(namedAbs, co, opts)...)
	res, err := load.Load(all, opts)
	if err != nil {
		return res, err
	}
	res.Model.Diags = append(res.Model.Diags, unincludedFragments(res.Model.Files, ownDir, inGit, opts.Cwd)...)
	// Report only for the named files (and stdin), also those that could not be read
	// (a file over --max-file-size is an error in it); the context files were read, not
	// linted, and do not count as linted files.
	read := res.Explicit
	res.Explicit = map[string]bool{}
	for p := range named {
		res.Explicit[p] = true
	}
	stdin := ""
	if opts.Stdin != nil {
		stdin = displayPath(opts.Cwd, absPath(opts.StdinName, opts.Cwd))
		res.Explicit[stdin] = true
	}
	// Count what was linted: the named files that were read or could not be (an error
	// names them), and stdin.
	hasDiag := map[string]bool{}
	for _, d := range res.Model.Diags {
		hasDiag[d.Pos.File] = true
	}
	// A named file inside a directory also given was discovered by the walk first, so
	// the loader did not mark it as named: that it was parsed is what counts.
	parsed := map[string]bool{}
	for _, f := range res.Model.Files {
		if f.Host == "" {
			parsed[f.Path] = true
		}
	}
	res.Files = 0
	for p := range named {
		if read[p] || hasDiag[p] || parsed[p] {
			res.Files++
		}
	}
	// Directories given beside the files (`no502 lint k8s/ nginx/nginx.conf`) are
	// linted whole, as alone: every file under them is reported and counted, not only
	// the named ones (their findings were dropped, and a file named inside one of them
	// counted as not linted).
	if dirs := dirArgs(paths, opts.Cwd); len(dirs) > 0 {
		under := func(p string) bool {
			abs := absPath(p, opts.Cwd)
			for _, d := range dirs {
				if abs == d || strings.HasPrefix(abs, d+string(filepath.Separator)) {
					return true
				}
			}
			return false
		}
		for p := range parsed {
			if !res.Explicit[p] && under(p) {
				res.Explicit[p] = true
				res.Files++
			}
		}
		for p := range hasDiag {
			if p != "" && !res.Explicit[p] && under(p) {
				res.Explicit[p] = true
				res.Files++
			}
		}
	}
	if stdin != "" && !named[stdin] {
		res.Files++
	}
	if len(opts.Walked) > 0 && cfg != nil && cfg.Path != "" {
		// A directory run split by config: a finding at a declaration of this run's
		// config (an app's keep-alive under backends:) is this run's to report, as
		// the directory run reports it; no other run reads this config.
		res.Explicit[cfg.Path] = true
	}
	return res, nil
}

// dirArgs returns the paths given that are directories, absolute and clean.
func dirArgs(paths []string, cwd string) []string {
	var out []string
	for _, p := range paths {
		abs := absPath(p, cwd)
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			out = append(out, filepath.Clean(abs))
		}
	}
	return out
}

// displayPath is the path the loader shows for abs: relative to cwd when inside it.
func displayPath(cwd, abs string) string {
	if rel, err := filepath.Rel(cwd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// declaredContext adds what .no502.yaml's chain: and backends: name: the files as
// forced context, the objects named alone as link keys.
func declaredContext(co *load.ContextOptions, cfg *config.Config, cwd string) {
	if cfg == nil {
		return
	}
	base := cwd
	if cfg.Path != "" {
		base = filepath.Dir(absPath(cfg.Path, cwd))
	}
	ref := func(r string) {
		r = strings.TrimSpace(r)
		file, name := r, ""
		if i := strings.Index(r, ":"); i > 0 {
			file, name = r[:i], r[i+1:]
		}
		if st, err := os.Stat(absPath(file, base)); err == nil && !st.IsDir() {
			co.Forced = append(co.Forced, absPath(file, base))
		} else {
			name = r
		}
		if name != "" {
			co.Names = append(co.Names, name[strings.LastIndexByte(name, '/')+1:])
		}
	}
	for _, c := range cfg.Declared.Chains {
		for _, s := range c.Steps {
			ref(s.Ref)
		}
	}
	for _, b := range cfg.Declared.Backends {
		ref(b.Match)
	}
}

// unincludedFragments notes the named nginx fragments (conf.d/app.conf) that were read
// without their main nginx.conf: a named file's context is its own directory outside a
// git repository (or outside the working directory), where the file that includes a
// fragment seldom is. Its findings then assume nginx's defaults for the blocks around it
// (an http{} timeout or upstream the main file sets is not seen), and the user, who would
// get more findings from the repository's root, is told why.
func unincludedFragments(files []*parsers.File, ownDir map[string]bool, inGit bool, cwd string) []parsers.Diag {
	var out []parsers.Diag
	for _, f := range files {
		if f.Format != parsers.FormatNginx || !f.Fragment || f.IncludedBy != nil || f.Host != "" || !ownDir[f.Path] {
			continue
		}
		where := "outside a git repository"
		if inGit {
			where = "outside the working directory"
		}
		dir := displayPath(cwd, filepath.Dir(absPath(f.Path, cwd)))
		out = append(out, parsers.Notef(parsers.Pos{File: f.Path, Line: 1, Col: 1},
			"checked without the nginx.conf that includes it: %s, a named file's context is its own directory (%s), and no file there includes this one, so the settings around it are nginx's defaults; lint from the repository's root, or list the main nginx.conf under context: in .no502.yaml",
			where, dir))
	}
	return out
}
