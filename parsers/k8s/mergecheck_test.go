package k8s

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestQuickChecksAgree: the node-tree check of a merge never accepts what yaml.v3's
// decoded comparison rejects, and accepts the plain merges; the decoded comparison
// decides whatever the quick one cannot show.
func TestQuickChecksAgree(t *testing.T) {
	orig := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1\n"
	patch := ObjectPatch("Deployment", "default", "web", KV{"spec", Patch{}.Set("replicas", 2)})
	cases := []struct {
		name, edited string
		quick, ok    bool
	}{
		{"the merge", strings.Replace(orig, "replicas: 1", "replicas: 2", 1), true, true},
		{"the merge, quoted differently elsewhere", strings.Replace(strings.Replace(orig, "replicas: 1", "replicas: 2", 1), "app:1", "'app:1'", 1), true, true},
		{"the same number written otherwise", strings.Replace(orig, "replicas: 1", "replicas: 0x2", 1), false, true},
		{"a string, not a number", strings.Replace(orig, "replicas: 1", "replicas: \"2\"", 1), false, false},
		{"another value", strings.Replace(orig, "replicas: 1", "replicas: 3", 1), false, false},
		{"something else changed too", strings.Replace(strings.Replace(orig, "replicas: 1", "replicas: 2", 1), "app:1", "app:2", 1), false, false},
		{"a key lost", strings.Replace(strings.Replace(orig, "replicas: 1", "replicas: 2", 1), "          image: app:1\n", "", 1), false, false},
		{"a key added", strings.Replace(orig, "replicas: 1", "replicas: 2\n  paused: true", 1), false, false},
		{"an explicit tag", strings.Replace(orig, "replicas: 1", "replicas: !!int 2", 1), false, true},
	}
	mf := ReadManifest("app.yaml", []byte(orig))
	for _, c := range cases {
		docs, err := DecodeDocuments([]byte(c.edited))
		if err != nil || len(docs) != 1 {
			t.Fatalf("%s: %v", c.name, err)
		}
		quick := mf.quickChecks(mf.docs[0], docs[0], patch)
		decoded := decodedChecks(mf.docs[0], docs[0], patch)
		if quick && !decoded {
			t.Errorf("%s: the quick check accepts what the decoded one rejects", c.name)
		}
		if quick != c.quick || decoded != c.ok {
			t.Errorf("%s: quick %v, decoded %v; want %v, %v", c.name, quick, decoded, c.quick, c.ok)
		}
	}
	// Aliases and merge keys are left to the decoded comparison.
	aliased := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &l\n    app: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: *l\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(aliased), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := nodeData(&doc); ok {
		t.Error("nodeData reads an alias")
	}
}
