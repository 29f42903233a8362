package rules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestTestdata runs every directory under testdata/ as a rulestest case: each file says
// next to its lines which findings they must get.
func TestTestdata(t *testing.T) {
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		t.Run(d.Name(), func(t *testing.T) {
			rulestest.Run(t, filepath.Join("testdata", d.Name()))
		})
	}
}
