package load

import (
	"bytes"
	"testing"
)

func TestFinder(t *testing.T) {
	text := []byte("spec:\n  selector:\n    matchLabels:\n      app: api-00625\n  labelSelector: x\n")
	for _, needle := range []string{"elector:", "api-00625", "api-00626", "x\n", "spec", "app: api", "zz", "s"} {
		if got, want := newFinder([]byte(needle)).index(text), bytes.Index(text, []byte(needle)); got != want {
			t.Errorf("%q: %d, want %d", needle, got, want)
		}
		for i := range text {
			if got, want := newFinder([]byte(needle)).index(text[i:]), bytes.Index(text[i:], []byte(needle)); got != want {
				t.Errorf("%q from %d: %d, want %d", needle, i, got, want)
			}
		}
	}
}
