package rules

import (
	"testing"

	"github.com/no502/no502/parsers"
)

// A refused embedded edit drops the fix's other edits too.
func TestEmbeddedEditsAllOrNothing(t *testing.T) {
	host := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  nginx.conf: |\n    events {}\n  other: x\n"
	conf := "events {}\n"
	ef := &parsers.File{Path: "cm.yaml#nginx.conf", Format: parsers.FormatNginx, Src: []byte(conf), Host: "cm.yaml",
		Embedding: &parsers.Embedded{Format: parsers.FormatNginx, Path: "cm.yaml#nginx.conf", Key: "nginx.conf", Src: []byte(conf), Host: "cm.yaml", Line: 7, Col: 5, Indent: 4, Owner: "ConfigMap/default/proxy"}}
	m := &parsers.Model{Files: []*parsers.File{
		{Path: "cm.yaml", Format: parsers.FormatK8s, Src: []byte(host)},
		ef,
		{Path: "other.conf", Format: parsers.FormatNginx, Src: []byte("x;\n")},
	}}
	fs := []Finding{{Fix: &Fix{Edits: []parsers.Edit{
		{File: ef.Path, Start: len(conf), End: len(conf), New: "# refused: the block's end\n"},
		{File: "other.conf", Start: 0, End: 0, New: "y;\n"},
	}}}}
	ResolveEdits(m, fs)
	if len(fs[0].Fix.Edits) != 0 {
		t.Errorf("a refused embedded edit must drop the whole fix, kept %+v", fs[0].Fix.Edits)
	}
}
