package load

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The regular expressions the sniffs used; keyAtLineStart must decide as they do.
var (
	reAPIVersion = regexp.MustCompile(`(?m)^\s*(?:-\s+)?"?apiVersion"?\s*:`)
	reKind       = regexp.MustCompile(`(?m)^\s*(?:-\s+)?"?kind"?\s*:`)
	reServices   = regexp.MustCompile(`(?m)^"?services"?\s*:\s*(?:#.*)?$`)
)

func TestSniffKeysMatchRegexps(t *testing.T) {
	inputs := []string{
		"", "apiVersion: v1\nkind: Service\n", "  apiVersion: v1", "- apiVersion: v1\n- kind: X",
		"-apiVersion: v1", "-  \n  apiVersion: v1", "\"apiVersion\": \"v1\"", "xapiVersion: v1", "apiVersionx: v1",
		"apiVersion\n: v1", "# apiVersion: v1", "a: 1\n\n\t apiVersion : v1", "a: 1 apiVersion: v1",
		"kind:", "kind", "kind\n", "  - kind: X", "- - kind: X", "-\tkind: X", "\"kind\" :", "kind\"x: 1",
		"services:\n  web: {}\n", "services: # comment\n", "services:   \r\n", "services: {web: {}}", " services:\n",
		"\"services\":\n", "services\n:\n", "x\nservices:", "services:\n", "services :", "myservices:\n", "services:x",
		"services: \n# c", "services:#c", "\"services\" : ", "services\": 1", "a\r\nservices:\r\n",
	}
	// Everything the corpus holds, when it is there.
	for _, dir := range []string{"../../../shared/corpus/k8s", "../../../shared/corpus/compose", "../../testdata"} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				if b, err := os.ReadFile(p); err == nil {
					inputs = append(inputs, string(b))
				}
			}
			return nil
		})
	}
	for _, in := range inputs {
		src := []byte(in)
		if got, want := yamlHasKey(src, "apiVersion"), reAPIVersion.Match(src); got != want {
			t.Errorf("apiVersion in %q: %v, regexp %v", in, got, want)
		}
		if got, want := yamlHasKey(src, "kind"), reKind.Match(src); got != want {
			t.Errorf("kind in %q: %v, regexp %v", in, got, want)
		}
		if got, want := composeLooking(src), reServices.Match(src); got != want {
			t.Errorf("services in %q: %v, regexp %v", in, got, want)
		}
	}
}

// A named JSON data file (8 MB on one line) took the regular expressions seconds each:
// `pre-commit run --all-files` on a monorepo with such fixtures ran for minutes.
func TestSniffLongLineIsFast(t *testing.T) {
	src := []byte("[" + strings.Repeat(`{"name": "services", "kind_of": "apiVersion", "v": 1},`, 150000) + "{}]")
	start := time.Now()
	for i := 0; i < 3; i++ {
		if k8sLooking("x.yaml", src) || composeLooking(src) {
			t.Fatal("a JSON array is no manifest and no compose file")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("three sniffs of %d MB took %v", len(src)>>20, d)
	}
}
