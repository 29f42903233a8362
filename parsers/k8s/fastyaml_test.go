package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"go.yaml.in/yaml/v3"
)

// slowDecode is the reference: yaml.v3's own decoder, documents whose root is not
// empty.
func slowDecode(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &doc)
	}
}

// sameTree compares the fields the k8s reader uses.
func sameTree(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Style != b.Style || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column || a.LineComment != b.LineComment {
		return fmt.Errorf("%s: fast {kind %d tag %s style %d %q %d:%d lc %q} != yaml.v3 {kind %d tag %s style %d %q %d:%d lc %q}",
			path, a.Kind, a.Tag, a.Style, a.Value, a.Line, a.Column, a.LineComment, b.Kind, b.Tag, b.Style, b.Value, b.Line, b.Column, b.LineComment)
	}
	if len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: %d children != %d", path, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFast fails when fastDecode accepts src but disagrees with yaml.v3.
func checkFast(src []byte) error {
	fast, ok := fastDecode(src, nil)
	if !ok {
		return nil
	}
	slow, err := slowDecode(src)
	if err != nil {
		return fmt.Errorf("fast path accepted input yaml.v3 rejects: %v", err)
	}
	var roots []*yaml.Node
	for _, d := range slow {
		if len(d.Content) > 0 && !(d.Content[0].Kind == yaml.ScalarNode && d.Content[0].Tag == "!!null") {
			roots = append(roots, d.Content[0])
		}
	}
	if len(roots) != len(fast) {
		return fmt.Errorf("%d documents, yaml.v3 has %d", len(fast), len(roots))
	}
	for i := range fast {
		if err := sameTree(fast[i].Content[0], roots[i], fmt.Sprintf("doc%d", i)); err != nil {
			return err
		}
	}
	return nil
}

var fastCases = []string{
	"a: 1\nb: two\nc: \"3\"\nd: '4'\n",
	"a:\n  b:\n    c: x # note\n  d: [1, \"two\", three]\n  e: {}\n  f: []\n",
	"list:\n- a\n- b: 1\n  c: 2\n-   d: 3\n",
	"k: |\n  line 1\n\n  line 3\nnext: 1\n",
	"k: |-\n  x\nk2: |+\n  y\n\nz: 1\n",
	"a: # comment\n  b: 1\n",
	"---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n",
	"ports:\n  - containerPort: 8080\n    name: http\n  - {containerPort: 9090, name: metrics}\n",
	"x: true\ny: null\nz: ~\nw: 0x1F\nv: 1.5\nu: 1e3\nt: 2001-12-14\ns: 1.28.0\nr: -1\nq: .5\n",
	"annotations:\n  nginx.ingress.kubernetes.io/proxy-read-timeout: \"120\"\n  alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=300\n",
	"command: [\"sh\", \"-c\", \"sleep 10\"]\n",
	"name: ключ\nkey: {a: b}\n",
	"a: &x 1\nb: *x\n",
	"a: >\n  folded\n",
	"a: multi\n  line plain\n",
	"a: \"multi\n  line\"\n",
	"a:\tb\n",
	"a: b: c\n",
	"- a\n- b\n",
}

func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	accepted := 0
	for _, c := range fastCases {
		if err := checkFast([]byte(c)); err != nil {
			t.Errorf("%q: %v", c, err)
		}
		if _, ok := fastDecode([]byte(c), nil); ok {
			accepted++
		}
	}
	if accepted < 10 {
		t.Errorf("the fast path accepted only %d of the common cases", accepted)
	}
	// Every manifest of the corpus and of testdata: the fast path agrees or steps aside.
	var files []string
	for _, g := range []string{"../../../shared/corpus/k8s/*", "../../rules/testdata/k8s-*/*.yaml", "../../testdata/demo/k8s/*.yaml"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	fast := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if strings.HasSuffix(f, ".json") {
			continue
		}
		if err := checkFast(src); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if _, ok := fastDecode(src, nil); ok {
			fast++
		}
	}
	t.Logf("fast path took %d of %d files", fast, len(files))
}

func FuzzFastYAML(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		if err := checkFast(src); err != nil {
			t.Fatal(err)
		}
	})
}
