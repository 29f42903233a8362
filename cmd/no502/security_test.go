package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// no502 runs on code nobody reviewed yet, on CI machines that hold secrets: it must not
// start processes, open network connections or load code. This test keeps those packages
// out of every non-test source file of the module.
func TestNoProcessOrNetworkAccess(t *testing.T) {
	forbidden := map[string]bool{"os/exec": true, "net/http": true, "net/rpc": true, "net/smtp": true, "plugin": true, "syscall": true}
	root, _ := filepath.Abs("../..")
	fset := token.NewFileSet()
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		// The release build (a main package, so nothing can import it into no502) runs
		// go build and git by design.
		if d.IsDir() && p == filepath.Join(root, "internal", "release") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		n++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if forbidden[path] {
				t.Errorf("%s imports %s: no502 must not run processes or reach the network", p, path)
			}
		}
		return nil
	})
	if n < 20 {
		t.Fatalf("only %d source files found", n)
	}
}
