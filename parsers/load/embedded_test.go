package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestEmbeddedPositions: config text held in a ConfigMap keeps positions in its own text
// (offsets and lines agree with the text the model holds), and Model.HostPos maps them to
// the manifest; a syntax error in the text is reported where it is in the manifest.
func TestEmbeddedPositions(t *testing.T) {
	dir := t.TempDir()
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  nginx.conf: |\n    events {}\n    http {\n        server {\n            listen 80;\n            location / {\n                proxy_pass http://app:8080;\n            }\n        }\n    }\n  broken.conf: |\n    http {\n        listen 80;\n"
	if err := os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Load([]string{dir}, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if len(m.Hops) != 1 {
		t.Fatalf("want 1 hop, got %d", len(m.Hops))
	}
	h := m.Hops[0]
	f := m.File(h.Pos.File)
	if f == nil || f.Embedding == nil || h.Pos.File != "cm.yaml#nginx.conf" {
		t.Fatalf("hop position %v is not in the embedded text", h.Pos)
	}
	// "server" is on line 3 of the text, column 5.
	if h.Pos.Line != 3 || h.Pos.Col != 5 || string(f.Src[h.Pos.Offset:h.Pos.Offset+6]) != "server" {
		t.Errorf("hop at %v, want line 3 column 5 of the text", h.Pos)
	}
	if got := m.HostPos(h.Pos); got.File != "cm.yaml" || got.Line != 9 || got.Col != 9 {
		t.Errorf("HostPos = %v, want cm.yaml:9:9", got)
	}
	if got := m.HostPos(h.Block); got.File != "cm.yaml" || got.Start() != h.Block.Start() {
		t.Errorf("HostPos of the block = %+v: the file must be the host's, the offsets the text's", got)
	}
	found := false
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			found = true
			if d.Pos.File != "cm.yaml" || d.Pos.Line != 17 || d.Pos.Col != 5 {
				t.Errorf("syntax error at %v, want cm.yaml:17:5 (the unclosed http)", d.Pos)
			}
		}
	}
	if !found {
		t.Error("no syntax error for broken.conf")
	}
}
