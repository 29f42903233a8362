// Package gitdir finds the root of the git repository a path lies in. Discovery reads
// .gitignore files up to it, and the search for .no502.yaml stops there.
package gitdir

import (
	"os"
	"path/filepath"
)

// Root returns the directory at or above dir that holds .git, or "" outside a git
// repository.
func Root(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}
