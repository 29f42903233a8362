package rules_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/link"
	"github.com/no502/no502/rules"
)

// These tests run the k8s testdata directories through parsers/k8s directly, so they do
// not depend on the loader's format registry; rulestest (TestTestdata) runs the same
// directories through the real loader and checks their want comments.

// lintK8s parses files (name → content) and runs every rule with the dir's config.
func lintK8s(t *testing.T, files map[string][]byte, cfg *rules.Config) (*parsers.Model, []rules.Finding) {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var in []parsers.Input
	for _, n := range names {
		in = append(in, parsers.Input{Path: n, Src: files[n]})
	}
	m := k8s.Parse(in, parsers.Options{})
	// The link step fills in what crosses objects and files (app servers, ConfigMap
	// mounts), as the loader does.
	link.Link(m, m.Embedded, nil)
	return m, rules.Run(m, cfg)
}

func readK8sDir(t *testing.T, dir string) (map[string][]byte, *rules.Config) {
	t.Helper()
	cfg := rules.DefaultConfig()
	files := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			// A Kustomize tree (base/, overlays/): its files are read as a tree by
			// TestTestdata and TestKustomizeFixes, not by these flat checks.
			continue
		}
		if e.Name() == config.FileName {
			c, err := config.Load(p, config.FileName, rules.Known)
			if err != nil {
				t.Fatal(err)
			}
			cfg = c
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if looksLikeManifest(e.Name(), b) {
			files[e.Name()] = b
		}
	}
	return files, cfg
}

func k8sDirs(t *testing.T) []string {
	dirs, _ := filepath.Glob("testdata/k8s-*")
	if len(dirs) == 0 {
		t.Fatal("no testdata/k8s-* directories")
	}
	return dirs
}

// TestK8sFindingsSayWhatHappens checks what TestTestdata does not: every finding of the
// k8s testdata has a fix snippet and says what happens to a request (502 or 504, or, with
// no HTTP proxy in front, a connection refused or reset).
func TestK8sFindingsSayWhatHappens(t *testing.T) {
	for _, dir := range k8sDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files, cfg := readK8sDir(t, dir)
			_, findings := lintK8s(t, files, cfg)
			for _, f := range findings {
				k := fmt.Sprintf("%s:%d", f.Pos.File, f.Pos.Line)
				if f.Fix == nil || f.Fix.Snippet == "" {
					t.Errorf("%s: %s finding has no fix", k, f.Rule.ID)
				}
				if !strings.Contains(f.Message, "502") && !strings.Contains(f.Message, "504") && !strings.Contains(f.Message, "refused") && !strings.Contains(f.Message, "reset") {
					t.Errorf("%s: %s message does not say what happens to a request: %s", k, f.Rule.ID, f.Message)
				}
			}
		})
	}
}

// TestK8sFixesClearFindings applies each finding's fix snippet as a strategic merge patch
// (and, separately, its byte edits) and lints again: the finding must be gone from its
// object.
func TestK8sFixesClearFindings(t *testing.T) {
	for _, dir := range k8sDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files, cfg := readK8sDir(t, dir)
			// Normalise every file through the same decode/encode as the patched ones, so
			// that positions compare.
			base := map[string][]byte{}
			docs := map[string][]map[string]any{}
			for name, src := range files {
				ds := decodeDocs(t, src)
				docs[name] = ds
				base[name] = encodeDocs(t, ds)
			}
			m, before := lintK8s(t, base, cfg)
			rules.ResolveEdits(m, before)
			for _, f := range before {
				// Every patch becomes edits that --fix can write, except those holding a
				// guess (a probe path) that the user must make.
				if f.Fix != nil && strings.HasPrefix(f.Fix.Snippet, "apiVersion:") {
					choice := f.Fix.SnippetOnly()
					switch {
					case choice && len(f.Fix.Edits) > 0:
						t.Errorf("%s:%d: %s: a fix that needs the user's choice has edits --fix would write", f.Pos.File, f.Pos.Line, f.Rule.ID)
					case !choice && len(f.Fix.Edits) == 0:
						t.Errorf("%s:%d: %s: the patch did not become edits:\n%s", f.Pos.File, f.Pos.Line, f.Rule.ID, f.Fix.Snippet)
					}
				}
				if f.Fix == nil || !strings.HasPrefix(f.Fix.Snippet, "apiVersion:") {
					continue
				}
				if strings.Contains(f.Message, "no proxy timeout can make this route work") {
					continue // the fix lowers the timeout; only the app's design clears this one
				}
				if strings.Contains(f.Fix.Description, "the grace period alone leaves the requests to") {
					continue // half of the fix: the app server's setting, which no502 does not rewrite, is the other
				}
				name := f.Pos.File
				idx := docIndex(base[name], int(f.Pos.Line))
				patched := map[string][]byte{}
				for n, b := range base {
					patched[n] = b
				}
				patched[name] = encodeDocs(t, applyPatch(t, docs[name], f.Fix.Snippet))
				_, after := lintK8s(t, patched, cfg)
				if n0, n1 := countIn(before, f.Rule.ID, name, base[name], idx), countIn(after, f.Rule.ID, name, patched[name], idx); n1 >= n0 {
					t.Errorf("%s:%d: %s still reported after applying its fix:\n%s", name, f.Pos.Line, f.Rule.ID, f.Fix.Snippet)
				}
				if len(f.Fix.Edits) > 0 {
					edited := map[string][]byte{}
					for n, b := range base {
						edited[n] = b
					}
					edited[name] = parsers.ApplyEdits(base[name], f.Fix.Edits)
					_, after := lintK8s(t, edited, cfg)
					if n0, n1 := countIn(before, f.Rule.ID, name, base[name], idx), countIn(after, f.Rule.ID, name, edited[name], idx); n1 >= n0 {
						t.Errorf("%s:%d: %s still reported after applying its edits %+v", name, f.Pos.Line, f.Rule.ID, f.Fix.Edits)
					}
				}
			}
		})
	}
}

// countIn counts findings of rule id inside document idx of file name.
func countIn(fs []rules.Finding, id, name string, src []byte, idx int) int {
	n := 0
	for _, f := range fs {
		if f.Rule.ID == id && f.Pos.File == name && docIndex(src, int(f.Pos.Line)) == idx {
			n++
		}
	}
	return n
}

// docIndex returns which document of src holds line.
func docIndex(src []byte, line int) int {
	idx := 0
	for i, l := range strings.Split(string(src), "\n") {
		if i+1 >= line {
			break
		}
		if l == "---" {
			idx++
		}
	}
	return idx
}

func decodeDocs(t *testing.T, src []byte) []map[string]any {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
}

func encodeDocs(t *testing.T, docs []map[string]any) []byte {
	var parts []string
	for _, d := range docs {
		b, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, string(b))
	}
	return []byte(strings.Join(parts, "---\n"))
}

// applyPatch is a tiny strategic merge for the shapes the k8s fixes emit: mappings merge,
// null deletes, lists of named mappings (containers) merge by name, other lists replace.
// The patch names its object by kind and metadata.name/namespace; a patch for an object
// that does not exist is a new object and is appended.
func applyPatch(t *testing.T, docs []map[string]any, snippet string) []map[string]any {
	var patch map[string]any
	if err := yaml.Unmarshal([]byte(snippet), &patch); err != nil {
		t.Fatalf("fix snippet is not YAML: %v\n%s", err, snippet)
	}
	out := make([]map[string]any, len(docs))
	found := false
	for i, d := range docs {
		c := deepCopy(d).(map[string]any)
		if sameObject(c, patch) {
			mergeMap(c, patch)
			found = true
		}
		out[i] = c
	}
	if !found {
		out = append(out, patch)
	}
	return out
}

func sameObject(a, b map[string]any) bool {
	ns := func(m map[string]any) string {
		md, _ := m["metadata"].(map[string]any)
		n, _ := md["namespace"].(string)
		if n == "" {
			n = "default"
		}
		return fmt.Sprint(m["kind"], "/", n, "/", md["name"])
	}
	return ns(a) == ns(b)
}

func mergeMap(dst, patch map[string]any) {
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		switch p := pv.(type) {
		case map[string]any:
			if d, ok := dst[k].(map[string]any); ok {
				mergeMap(d, p)
				continue
			}
		case []any:
			if d, ok := dst[k].([]any); ok && namedList(p) && namedList(d) {
				dst[k] = mergeNamed(d, p)
				continue
			}
		}
		dst[k] = pv
	}
}

func namedList(l []any) bool {
	for _, x := range l {
		if m, ok := x.(map[string]any); !ok || m["name"] == nil {
			return false
		}
	}
	return len(l) > 0
}

func mergeNamed(dst, patch []any) []any {
	for _, p := range patch {
		pm := p.(map[string]any)
		merged := false
		for _, d := range dst {
			if dm := d.(map[string]any); dm["name"] == pm["name"] {
				mergeMap(dm, pm)
				merged = true
			}
		}
		if !merged {
			dst = append(dst, pm)
		}
	}
	return dst
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// looksLikeManifest picks the test files to read as manifests: YAML or JSON that mentions
// both apiVersion and kind.
func looksLikeManifest(path string, src []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
	default:
		return false
	}
	return bytes.Contains(src, []byte("apiVersion")) && bytes.Contains(src, []byte("kind"))
}
