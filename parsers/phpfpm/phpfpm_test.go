package phpfpm

import (
	"testing"
	"time"

	"github.com/no502/no502/internal/hangwatch"
)

func TestParse(t *testing.T) {
	src := "; pool file\n[global]\nrequest_terminate_timeout = 9s\n\n[www]\nuser = www-data\nlisten = 9000\n  request_terminate_timeout = 5m ; five minutes\nphp_admin_value[max_execution_time] = 30\n[api]\nrequest_terminate_timeout = 0\n[bad]\nrequest_terminate_timeout = soon\n[none]\npm = dynamic\n"
	pools := Parse("php/www.conf", []byte(src))
	if len(pools) != 4 {
		t.Fatalf("got %d pools, want 4 (global is no pool)", len(pools))
	}
	www := pools[0]
	if www.Name != "www" || www.Pos.Line != 5 {
		t.Errorf("first pool %q at line %d, want www at 5", www.Name, www.Pos.Line)
	}
	rt := www.RequestTerminateTimeout
	if !rt.Explicit() || rt.Value != 5*time.Minute || rt.Pos.Short() != "php/www.conf:8" || rt.Pos.Col != 3 {
		t.Errorf("www request_terminate_timeout = %v at %v (%q), want 5m at php/www.conf:8:3", rt.Value, rt.Pos, rt.Text)
	}
	if got := src[rt.Pos.Offset:rt.Pos.EndOffset]; got != rt.Text {
		t.Errorf("span %q, text %q", got, rt.Text)
	}
	if a := pools[1].RequestTerminateTimeout; !a.Explicit() || a.Value != 0 {
		t.Errorf("api: %+v, want an explicit 0 (off)", a)
	}
	if b := pools[2].RequestTerminateTimeout; b.Known() || !b.Pos.IsValid() {
		t.Errorf("bad: %+v, want unknown at its line", b)
	}
	if n := pools[3].RequestTerminateTimeout; n.Pos.IsValid() {
		t.Errorf("none: %+v, want not set", n)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"60": time.Minute, "60s": time.Minute, " 2m": 2 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour, `"300"`: 5 * time.Minute, "0": 0} {
		if got, ok := Duration(in); !ok || got != want {
			t.Errorf("Duration(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5s", "10ms", "x", "99999999999d"} {
		if _, ok := Duration(in); ok {
			t.Errorf("Duration(%q) accepted", in)
		}
	}
}

func TestMerge(t *testing.T) {
	a := Parse("a.conf", []byte("[www]\nrequest_terminate_timeout = 30\n"))
	b := Parse("zz.conf", []byte("[www]\npm = static\n[www]\nrequest_terminate_timeout = 120\n[other]\n"))
	m := Merge(append(a, b...))
	if len(m) != 2 || m[0].RequestTerminateTimeout.Value != 2*time.Minute || m[0].RequestTerminateTimeout.Pos.File != "zz.conf" {
		t.Fatalf("merged %+v", m)
	}
}

// FuzzParse: any text parses without panic or hang, and every position it keeps spans
// exactly the text it reports.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"[www]\nrequest_terminate_timeout = 60s\n", "[global]\n[x]\nrequest_terminate_timeout=\n", "[", "[]\n=\n", "[a]\r\nrequest_terminate_timeout = 1d\r\n", "\xff[ü]\nrequest_terminate_timeout = ü"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		for _, p := range Parse("f.conf", src) {
			for _, pos := range []struct {
				off, end int32
			}{{p.Pos.Offset, p.Pos.EndOffset}, {p.RequestTerminateTimeout.Pos.Offset, p.RequestTerminateTimeout.Pos.EndOffset}} {
				if pos.off < 0 || pos.end < pos.off || int(pos.end) > len(src) {
					t.Fatalf("span [%d,%d) outside %d bytes", pos.off, pos.end, len(src))
				}
			}
			if rt := p.RequestTerminateTimeout; rt.Pos.IsValid() && string(src[rt.Pos.Offset:rt.Pos.EndOffset]) != rt.Text {
				t.Fatalf("span %q, text %q", src[rt.Pos.Offset:rt.Pos.EndOffset], rt.Text)
			}
		}
	})
}

func TestLooksLikePool(t *testing.T) {
	for text, want := range map[string]bool{
		"[www]\nlisten = 9000\n; comment\n":                true,
		"[global]\ninclude=/etc/php-fpm.d/*.conf\n":        true,
		"server {\n    listen 80;\n    location / {}\n}\n": false,
		"[SERVICE]\n    Flush 5\n":                         false,
	} {
		if got := LooksLikePool(text); got != want {
			t.Errorf("LooksLikePool(%q) = %v", text, got)
		}
	}
}
