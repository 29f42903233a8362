package rules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// caseDirs lists the test cases under root: every directory that directly holds a file
// (a directory holding only directories, such as trigger/ and near-miss/, is a group).
func caseDirs(t *testing.T, root string) []string {
	var out []string
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	hasFile := false
	for _, e := range entries {
		if e.Type().IsRegular() {
			hasFile = true
		}
	}
	if hasFile && root != "testdata" {
		return []string{root}
	}
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, caseDirs(t, filepath.Join(root, e.Name()))...)
		}
	}
	return out
}

// TestTestdata runs every case under testdata/ through rulestest: each file says next to
// its lines which findings they must get.
func TestTestdata(t *testing.T) {
	for _, dir := range caseDirs(t, "testdata") {
		rel, _ := filepath.Rel("testdata", dir)
		t.Run(rel, func(t *testing.T) {
			rulestest.Run(t, dir)
		})
	}
}
