package lint

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers/load"
)

// loadWithContext loads paths. When files are named (as pre-commit names the changed
// ones), the files beside them that give them meaning are loaded too, but findings stay
// limited to the named files: a Terraform module is every .tf file of its directory (a
// variable's default sits in variables.tf), and a Deployment is served by the Service
// or scaled by the HPA in the manifests next to it. nginx includes and Caddy imports are
// followed by their parsers already. Only the named files' directories are read: no
// walk, so a pre-commit run stays fast.
//
// context holds the config's context: paths (absolute), read too when files are named,
// so that links to other layers (the ALB in Terraform in front of a changed manifest)
// are seen.
func loadWithContext(paths []string, opts load.Options, context ...string) (*load.Result, error) {
	named := map[string]bool{}
	var extra []string
	seen := map[string]bool{}
	for _, p := range paths {
		abs := absPath(p, opts.Cwd)
		st, err := os.Stat(abs)
		if err != nil || st.IsDir() {
			continue
		}
		named[displayPath(opts.Cwd, abs)] = true
		seen[abs] = true
		for _, sib := range siblings(abs) {
			if !seen[sib] {
				seen[sib] = true
				extra = append(extra, sib)
			}
		}
	}
	if len(named) > 0 {
		for _, c := range context {
			if !seen[c] {
				seen[c] = true
				extra = append(extra, c)
			}
		}
	}
	var fresh []string
	for _, e := range extra {
		if !named[displayPath(opts.Cwd, e)] {
			fresh = append(fresh, e)
		}
	}
	res, err := load.Load(append(append([]string(nil), paths...), fresh...), opts)
	if err != nil || len(fresh) == 0 || res.Explicit == nil {
		return res, err
	}
	// Report only for the named files (and stdin); the context files were read, not
	// linted, and do not count as linted files.
	stdin := displayPath(opts.Cwd, absPath(opts.StdinName, opts.Cwd))
	for p := range res.Explicit {
		if !named[p] && p != stdin {
			delete(res.Explicit, p)
		}
	}
	// Count what was linted: the named files that were read or could not be (an error
	// names them), and stdin.
	hasDiag := map[string]bool{}
	for _, d := range res.Model.Diags {
		hasDiag[d.Pos.File] = true
	}
	res.Files = 0
	for p := range named {
		if res.Explicit[p] || hasDiag[p] {
			res.Files++
		}
	}
	if opts.Stdin != nil && !named[stdin] {
		res.Files++
	}
	return res, nil
}

// displayPath is the path the loader shows for abs: relative to cwd when inside it.
func displayPath(cwd, abs string) string {
	if rel, err := filepath.Rel(cwd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// siblings lists the context files for a named file: the other Terraform files of its
// module, or the other YAML manifests of its directory.
func siblings(abs string) []string {
	var want func(name string) bool
	switch name := filepath.Base(abs); {
	case strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json") || strings.HasSuffix(name, ".tfvars"):
		want = func(n string) bool { return strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json") }
	case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
		want = func(n string) bool {
			return (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) && !strings.HasPrefix(n, ".")
		}
	default:
		return nil
	}
	dir := filepath.Dir(abs)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && want(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}
