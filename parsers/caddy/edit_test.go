package caddy

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// A directive replaced a second time in one --fix run: the note the first round wrote,
// now stale, goes with it; the user's own comment stays.
func TestReplaceStaleNote(t *testing.T) {
	for _, c := range []struct{ old, want string }{
		{" # below uvicorn's keep-alive 5s", "\t\t\tkeepalive 104s # below uvicorn's keep-alive 105s\n"},
		{" # tuned by ops", "\t\t\tkeepalive 104s # below uvicorn's keep-alive 105s # tuned by ops\n"},
		{"", "\t\t\tkeepalive 104s # below uvicorn's keep-alive 105s\n"},
	} {
		src := "example.com {\n\treverse_proxy app:8000 {\n\t\ttransport http {\n\t\t\tkeepalive 4s" + c.old + "\n\t\t}\n\t}\n}\n"
		f, diags := ParseFile("Caddyfile", []byte(src))
		if len(diags) > 0 {
			t.Fatal(diags)
		}
		d := f.At(strings.Index(src, "keepalive"))
		if d == nil || d.Name() != "keepalive" {
			t.Fatalf("no keepalive directive at its offset: %+v", d)
		}
		e := f.Edit()
		e.Replace(d, "keepalive 104s # below uvicorn's keep-alive 105s")
		got := string(parsers.ApplyEdits([]byte(src), e.Edits()))
		want := strings.Replace(src, "\t\t\tkeepalive 4s"+c.old+"\n", c.want, 1)
		if got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	}
}

// A `transport http` line without a block gets one for the setting, rather than no edit
// (or a second transport, which would replace the first).
func TestSetProxyTransportWithoutBlock(t *testing.T) {
	src := "example.com {\n\treverse_proxy {\n\t\tto app:3000\n\t\ttransport http\n\t}\n}\n"
	f, diags := ParseFile("Caddyfile", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	d := f.At(strings.Index(src, "reverse_proxy"))
	e := f.Edit()
	if !e.SetProxy(d, Subdirective{Name: "keepalive", Value: "5s", Transport: true}) {
		t.Fatal("SetProxy refused")
	}
	got := string(parsers.ApplyEdits([]byte(src), e.Edits()))
	want := "example.com {\n\treverse_proxy {\n\t\tto app:3000\n\t\ttransport http {\n\t\t\tkeepalive 5s\n\t\t}\n\t}\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
