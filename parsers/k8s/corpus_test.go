package k8s

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// corpusDir holds real manifests from public projects (../shared/corpus/k8s).
const corpusDir = "../../../shared/corpus/k8s"

// corpusInputs loads every manifest of the shared corpus, or skips.
func corpusInputs(t testing.TB) []parsers.Input {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s is missing", corpusDir)
		}
		t.Skipf("corpus %s is missing", corpusDir)
	}
	var in []parsers.Input
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sniff(f, b) {
			in = append(in, parsers.Input{Path: filepath.Base(f), Src: b})
		}
	}
	return in
}

// TestCorpus parses every corpus file, one at a time (so a panic names its file) and
// then all together (so cross-file links are exercised).
func TestCorpus(t *testing.T) {
	in := corpusInputs(t)
	for _, f := range in {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic: %v", f.Path, r)
				}
			}()
			Parse([]parsers.Input{f}, parsers.Options{})
		}()
	}
	m := Parse(in, parsers.Options{})
	t.Logf("%d files: %d workloads, %d services, %d hops, %d backends, %d embedded, %d diags",
		len(in), len(m.Workloads), len(m.Services), len(m.Hops), len(m.Backends), len(m.Embedded), len(m.Diags))
	if testing.Verbose() && os.Getenv("K8S_DUMP") != "" {
		for _, d := range m.Diags {
			t.Log(d)
		}
		for _, h := range m.Hops {
			t.Log(h.Kind, h.Name, h.ClientIdleTimeout.Describe())
			for _, r := range h.Routes {
				t.Log("   ", r.Path, r.ReadTimeout.Describe(), r.Backend != nil && r.Backend.Service != nil)
			}
		}
		for _, e := range m.Embedded {
			t.Log(e.Path, e.Line, e.Col, e.Owner)
		}
	}
}

// sniff reports whether a file looks like a Kubernetes manifest: a YAML or JSON file
// that mentions both apiVersion and kind. It picks the corpus files to parse (the loader
// has its own, stricter check: parsers/load).
func sniff(path string, src []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
	default:
		return false
	}
	return bytes.Contains(src, []byte("apiVersion")) && bytes.Contains(src, []byte("kind"))
}
